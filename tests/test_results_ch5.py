"""Reading stored runs and setting results beside the papers (chapter 5's helpers)."""

import math

import numpy as np
import pytest

from book import results


def _run(variant, lr, seed, history, final):
    return {
        "config": {"variant": variant, "lr": lr, "seed": seed},
        "first_token": history,
        "final": final,
    }


RUNS = [
    _run("a", 0.1, 2, [0.5, 0.3, 0.1], {"val_loss": 2.0}),
    _run("a", 0.1, 0, [0.9, 0.7, 0.2], {"val_loss": None}),
    _run("b", 0.1, 1, [1.0, 2.0, 4.0], {"val_loss": 3.0}),
]


def test_group_runs_groups_by_config_and_sorts_by_seed():
    groups = results.group_runs(RUNS, ("variant", "lr"))
    assert set(groups) == {("a", 0.1), ("b", 0.1)}
    assert [r["config"]["seed"] for r in groups[("a", 0.1)]] == [0, 2]
    with pytest.raises(TypeError, match="keys"):
        results.group_runs(RUNS, "variant")
    with pytest.raises(ValueError, match="runs is empty"):
        results.group_runs([], ("variant",))


def test_late_averages_the_last_recorded_values():
    runs = results.group_runs(RUNS, ("variant",))[("a",)]  # seeds 0, 2
    np.testing.assert_allclose(results.late(runs, "first_token"), [0.2, 0.1])
    np.testing.assert_allclose(results.late(runs, "first_token", n=2), [0.45, 0.2])
    with pytest.raises(ValueError, match="n must be a positive int"):
        results.late(runs, "first_token", n=0)
    with pytest.raises(ValueError, match="'sink'"):
        results.late(runs, "sink")


def test_final_marks_a_diverged_run_with_nan_and_paired_if_finite_skips_it():
    runs = results.group_runs(RUNS, ("variant",))[("a",)]
    values = results.final(runs, "val_loss")
    assert math.isnan(values[0]) and values[1] == 2.0
    assert results.paired_if_finite(values, [1.0, 1.0]) is None
    d = results.paired_if_finite([3.0, 4.0, 5.0], [1.0, 1.5, 2.5])
    assert d.mean == pytest.approx(7 / 3)
    with pytest.raises(ValueError, match="'test_loss'"):
        results.final(runs, "test_loss")


def test_geometric_ci_is_the_interval_of_the_logs_mapped_back():
    g, lo, hi = results.geometric_ci([1.0, 10.0, 100.0])
    assert g == pytest.approx(10.0)  # the geometric mean
    # logs 0, 1, 2 (base 10): half width 2.4841 decades, symmetric on the log scale
    assert lo == pytest.approx(10 ** (1 - 2.48414), rel=1e-4)
    assert hi == pytest.approx(10 ** (1 + 2.48414), rel=1e-4)
    with pytest.raises(ValueError, match="positive"):
        results.geometric_ci([1.0, 0.0, 2.0])


def test_verdict_helpers_and_the_papers_table():
    assert results.agrees(True, "agrees", "differs") == "agrees"
    assert results.agrees(np.bool_(False), "agrees", "differs") == "differs"
    with pytest.raises(TypeError, match="holds must be a bool"):
        results.agrees(1, "agrees", "differs")
    assert results.to_within(0.0) == "exactly"
    assert results.to_within(2.4e-7) == "to within 2e-07"
    with pytest.raises(ValueError, match="gap"):
        results.to_within(float("nan"))
    table = results.papers_table([("GLU", "Dauphin", "a | b", "exact")])
    assert table.splitlines() == [
        "| experiment | papers | ours | verdict |",
        "| --- | --- | --- | --- |",
        "| GLU | Dauphin | a \\| b | exact |",
    ]
    with pytest.raises(ValueError, match="columns"):
        results.papers_table([("GLU", "exact")])
