"""Chapter 3's reading of a sweep: tuned rows, ranks, seed arrays, curves and shares."""

import math

import numpy as np
import pytest

from book.results import (
    TunedRate,
    all_rates_above,
    intervals_separate,
    mean_interval,
    paired_gaps,
    ranks,
    rate_label,
    seed_array,
    share_closed,
    tune_rates_by,
    tuned_curves,
    tuned_rows,
)


def _run(ffn, lr, seed, val, test, curve=None):
    return {
        "config": {"ffn": ffn, "lr": lr, "seed": seed},
        "final": {"val_loss": val, "test_loss": test},
        "val_loss": curve or [val],
    }


def _runs():
    # "a" is best at rate 0.1 (inside the grid), "b" at 1.0 (the edge); seeds 0 and 1
    out = []
    for seed in (0, 1):
        for lr, va, vb in ((0.01, 3.0, 2.0), (0.1, 1.0, 1.5), (1.0, 2.0, 1.0)):
            out.append(_run("a", lr, seed, va + seed, 10 + seed, [5.0, va + seed]))
            out.append(_run("b", lr, seed, vb + seed, 20 + 2 * seed, [6.0, vb + seed]))
    return out


def test_tune_rates_by_unwraps_the_group_and_finds_rate_and_edge():
    tuned = tune_rates_by(_runs(), "ffn", "val_loss", "test_loss")
    assert set(tuned) == {"a", "b"}
    assert (tuned["a"].lr, tuned["a"].edge) == (0.1, False)
    assert (tuned["b"].lr, tuned["b"].edge) == (1.0, True)
    assert rate_label(tuned["a"]) == "0.1"
    assert rate_label(tuned["b"]) == "1 (edge)"
    np.testing.assert_array_equal(tuned["b"].values, [20.0, 22.0])


def test_tune_rates_by_refuses_unpaired_groups_and_a_bad_key():
    runs = [r for r in _runs() if not (r["config"]["ffn"] == "b" and r["config"]["seed"] == 1)]
    with pytest.raises(ValueError, match="different seeds"):
        tune_rates_by(runs, "ffn", "val_loss", "test_loss")
    with pytest.raises(TypeError, match="key"):
        tune_rates_by(_runs(), ("ffn",), "val_loss", "test_loss")


def test_mean_interval_formats_the_student_t_interval():
    # mean 2, s.d. 1, n = 3: half = t(0.975, 2) * 1 / sqrt(3) = 4.3027 / 1.7321 = 2.484
    assert mean_interval([1.0, 2.0, 3.0], digits=2) == "2.00 ± 2.48"
    with pytest.raises(ValueError, match="digits"):
        mean_interval([1.0, 2.0], digits=-1)


def test_tuned_rows_pair_each_variant_with_the_reference():
    tuned = tune_rates_by(_runs(), "ffn", "val_loss", "test_loss")
    values = {v: t.values for v, t in tuned.items()}
    rows = tuned_rows(tuned, values, ["b", "a"], label=str.upper, reference="a")
    assert rows[1] == ["A", "0.1", "10.500 ± 6.353", "—"]
    # b - a per seed: 10 and 11, mean 10.5, half t(0.975, 1) * 0.5 = 6.353
    assert rows[0] == ["B", "1 (edge)", "21.000 ± 12.706", "+10.500 ± 6.353"]
    assert len(tuned_rows(tuned, values, ["a"])[0]) == 3
    with pytest.raises(ValueError, match="missing"):
        tuned_rows(tuned, values, ["a", "c"])


def test_intervals_separate_only_when_they_do_not_overlap():
    assert intervals_separate([0.0, 0.1, 0.2], [5.0, 5.1, 5.2])
    assert not intervals_separate([0.0, 1.0, 2.0], [1.0, 2.0, 3.0])


def test_ranks_start_at_one_and_ties_share_the_best_rank():
    assert ranks({"x": 0.3, "y": 0.1, "z": 0.2}) == {"y": 1, "z": 2, "x": 3}
    assert ranks({"x": 1.64, "y": 1.64, "z": 2.21}) == {"x": 1, "y": 1, "z": 3}
    assert ranks({"x": 3.0, "y": 1.0, "z": 2.0}, among=["x", "z", "w"]) == {"z": 1, "x": 2}
    assert ranks({"x": math.inf, "y": 1.0}) == {"y": 1, "x": 2}
    with pytest.raises(TypeError, match="numbers"):
        ranks({"x": "1"})


def test_all_rates_above_looks_at_every_rate():
    t = tune_rates_by(_runs(), "ffn", "val_loss", "test_loss")["a"]
    assert all_rates_above(t, "val_loss", 1.0)  # the lowest rate mean is 1.5
    assert not all_rates_above(t, "val_loss", 1.6)
    with pytest.raises(TypeError, match="TunedRate"):
        all_rates_above({}, "val_loss", 1.0)


def test_seed_array_places_each_run_and_leaves_nan_for_missing_or_diverged():
    runs = _runs()[:4] + [_run("a", 1.0, 0, None, None)]
    x = seed_array(runs, "ffn", ["a", "b"], [0.01, 0.1, 1.0], [0, 1], "val_loss")
    assert x.shape == (2, 3, 2)
    assert x[0, 0, 0] == 3.0 and x[1, 0, 0] == 2.0 and x[0, 1, 0] == 1.0
    assert np.isnan(x[0, 2, 0]) and np.isnan(x[0, 0, 1])
    with pytest.raises(ValueError, match="non-empty"):
        seed_array(runs, "ffn", [], [0.1], [0], "val_loss")


def test_tuned_curves_are_in_seed_order_at_the_tuned_rate():
    t = tune_rates_by(list(reversed(_runs())), "ffn", "val_loss", "test_loss")["a"]
    np.testing.assert_array_equal(tuned_curves(t), [[5.0, 1.0], [5.0, 2.0]])
    with pytest.raises(TypeError, match="TunedRate"):
        tuned_curves(None)


def test_paired_gaps_compare_step_by_step():
    gaps = paired_gaps([[1.0, 2.0], [2.0, 4.0]], [[0.0, 1.0], [1.0, 1.0]])
    assert [g.mean for g in gaps] == [1.0, 2.0]
    assert gaps[0].half == 0.0 and gaps[1].half > 0
    with pytest.raises(ValueError, match="one shape"):
        paired_gaps([[1.0, 2.0]], [[1.0]])


def test_share_closed_is_the_seed_by_seed_fraction_of_the_gap():
    # seed 0 closes 1 of a gap of 2, seed 1 closes 3 of 4: shares 0.5 and 0.75
    m, h = share_closed([3.0, 5.0], [2.0, 2.0], [3.0, 5.0], [1.0, 1.0])
    assert m == pytest.approx(0.625)
    # s.d. of (0.5, 0.75) is 0.125 * sqrt(2); half = t(0.975, 1) * s.d. / sqrt(2)
    assert h == pytest.approx(12.706 * 0.125, rel=1e-3)
    with pytest.raises(ValueError, match="differ"):
        share_closed([1.0, 2.0], [0.0, 1.0], [1.0, 2.0], [1.0, 0.0])


def test_a_tuned_rate_is_needed():
    with pytest.raises(TypeError, match="TunedRate"):
        rate_label(TunedRate.__name__)
