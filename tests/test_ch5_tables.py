import numpy as np
import pytest

from book import ch5_tables as t5
from book.results import PairedDifference, TunedRate


def run(seed, lr, **final):
    return {"config": {"seed": seed, "lr": lr}, "final": final}


def tuned(lr, values, by_lr, edge=False):
    return TunedRate(lr, edge, tuple(range(len(values))), np.array(values, float), by_lr)


def test_mean_final_averages_a_metric_at_the_chosen_or_a_given_rate():
    by_lr = {0.1: [run(0, 0.1, bias=-2.0), run(1, 0.1, bias=-4.0)], 0.3: [run(0, 0.3, bias=1.0)]}
    t = tuned(0.1, [0.5, 0.6], by_lr)
    assert t5.mean_final(t, "bias") == pytest.approx(-3.0)
    assert t5.mean_final(t, "bias", 0.3) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="lr must be one of"):
        t5.mean_final(t, "bias", 0.2)
    with pytest.raises(TypeError, match="t must be a TunedRate"):
        t5.mean_final({"lr": 0.1}, "bias")


def test_moe_summary_averages_the_last_three_evaluations_in_the_order_of_by():
    runs = [
        {"max_over_mean": [9.0, 2.0, 2.0, 2.0], "dead_fraction": [0.0, 0.0, 0.0]},
        {"max_over_mean": [9.0, 1.0, 1.0, 4.0], "dead_fraction": [0.5, 0.0, 0.0]},
    ]
    t = tuned(0.01, [3.0, 3.2], {})
    out = t5.moe_summary({"b": t, "a": t}, {"a": runs, "b": runs})
    assert list(out) == ["a", "b"]
    np.testing.assert_allclose(out["a"]["mom_raw"], [2.0, 2.0])
    assert out["a"]["max_over_mean"][0] == pytest.approx(2.0)
    assert out["a"]["test"][0] == pytest.approx(3.1)
    with pytest.raises(ValueError, match="tuned lacks the routers"):
        t5.moe_summary({"a": t}, {"c": runs})


def test_moe_table_marks_an_edge_rate_and_prints_each_router():
    s = {"test": (3.0, 0.1), "max_over_mean": (1.5, 0.2), "dead": (0.0, 0.0)}
    text = t5.moe_table({"sig": tuned(0.01, [3.0], {}, edge=True)}, {"sig": s})
    lines = text.splitlines()
    assert len(lines) == 3 and lines[1].startswith("sig") and "0.01*" in lines[1]
    assert "3.000 ± 0.100" in lines[1] and "1.50 ± 0.20" in lines[1]
    with pytest.raises(ValueError, match="tuned lacks"):
        t5.moe_table({}, {"sig": s})


def test_norm_at_averages_the_blocks_at_one_evaluation():
    runs = [{"attention_norm": [[1.0, 1.0], [2.0, 4.0]]}, {"attention_norm": [[0, 0], [1, 1]]}]
    np.testing.assert_allclose(t5.norm_at(runs), [3.0, 1.0])
    np.testing.assert_allclose(t5.norm_at(runs, 0), [1.0, 0.0])
    with pytest.raises(ValueError, match="runs is empty"):
        t5.norm_at([])
    with pytest.raises(TypeError, match="index must be an int"):
        t5.norm_at(runs, 1.0)


def test_attention_tables_read_their_groups_and_check_them():
    runs = [
        {"attention_norm": [[0.0], [2.0]], "first_token": [0.2], "max_activation": [4.0]},
        {"attention_norm": [[0.0], [4.0]], "first_token": [0.4], "max_activation": [16.0]},
    ]
    by = {("soft", 0.01): runs}
    text = t5.diagnostics_table(by, [0.01], ["soft"])
    row = text.splitlines()[1]
    assert "3.00" in row and "8.0 (4.0-16.0)" in row  # mean norm; geometric mean, range
    with pytest.raises(ValueError, match="by lacks the groups"):
        t5.diagnostics_table(by, [0.03], ["soft"])
    late = t5.late_by_rate(by, [0.01], ["soft"])
    np.testing.assert_allclose(late["max_activation"][0.01]["soft"], [4.0, 16.0])
    summary = {"soft": {"lr": 0.01, "val": np.array([1.0, 1.0]), "test": np.array([2.0, 2.0])}}
    table = t5.attention_table({("soft",): tuned(0.01, [2.0, 2.0], {})}, summary)
    assert "2.000 ± 0.000" in table.splitlines()[1]
    with pytest.raises(ValueError, match="sink_table|summary lacks"):
        t5.sink_table(by, [0.01], summary, variants=("gated",))


def test_gate_table_has_a_row_per_rate_and_one_at_the_best_rates():
    d = PairedDifference(0.5, 0.1, 0.01, 3, 0.95)
    summary = {v: {"test": np.array([1.0, 2.0, 3.0])} for v in ("softmax", "gated", "dense")}
    text = t5.gate_table(
        lambda v, lr: d if lr < 0.1 else None, [0.01, 0.3], summary, ("gated", "dense")
    )
    lines = text.splitlines()
    assert len(lines) == 2 + 3
    assert "+0.500 ± 0.100" in lines[2] and "diverged" in lines[3]
    assert "+0.000 ± 0.000" in lines[4]  # each variant minus softmax, identical seeds
    with pytest.raises(TypeError, match="vs_softmax must be callable"):
        t5.gate_table(None, [0.01], summary)


def test_pair_table_and_balance_table_check_their_groups():
    d = PairedDifference(-0.01, 0.02, 0.5, 5, 0.95)
    by_lr = {0.1: [run(0, 0.1, bias=-5.0)]}
    pair = {(loss, 4): tuned(0.1, [0.5, 0.7], by_lr) for loss in ("siglip", "siglip_b10")}
    text = t5.pair_table(pair, {4: d}, {4: d}, {"siglip": "S", "siglip_b10": "S10"})
    row = text.splitlines()[2]
    assert row.startswith("| 4 |") and "-5.0 / -5.0" in row and "-0.010 ± 0.020" in row
    with pytest.raises(ValueError, match="same batch sizes"):
        t5.pair_table(pair, {4: d}, {8: d}, {"siglip": "S"})
    text = t5.balance_table(
        {"r": np.array([2.0, 4.0])}, {"r": np.array([[1.0], [2.0]])}, {"r": 0.5}, [0.1]
    )
    assert "before: 3.00" in text and "γ=0.1: 1.50" in text
    with pytest.raises(ValueError, match="must be \\(draws, len\\(gammas\\)\\)"):
        t5.balance_table({"r": [1.0]}, {"r": np.ones((1, 2))}, {"r": 0.5}, [0.1])
