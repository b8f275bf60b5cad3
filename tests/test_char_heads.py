"""Chapter 4's heads and rate grids, on grids whose answer is written by hand."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from book import char_heads
from book.char_heads import RateGrid, gaps_by_budget
from book.train import TrainResult


def _grid(validation, test, rates=(0.1, 0.2, 0.3), seeds=2, head="softmax"):
    """A RateGrid whose records (runs, records) are given; params hold the run index."""
    validation, test = np.asarray(validation, float), np.asarray(test, float)
    runs = validation.shape[0]
    result = TrainResult(
        params={"w": np.arange(runs, dtype=float)[:, None] * np.ones((1, 3))},
        losses=np.zeros((runs, validation.shape[1] - 1)),
        records={"validation": validation, "test": test},
        record_steps=np.arange(validation.shape[1]) * 10,
    )
    return RateGrid(head, rates, seeds, result)


def test_prior_bias_makes_each_sigmoid_predict_one_over_v():
    for v in (2, 96, 50_257):
        assert float(jax.nn.sigmoid(char_heads.prior_bias(v))) == pytest.approx(1 / v)
    with pytest.raises(ValueError, match="vocab_size"):
        char_heads.prior_bias(1)


def test_heads_share_the_network_and_differ_only_in_the_output_bias():
    key = jax.random.key(0)
    params = {h: char_heads.init_head(key, h, 7, 3) for h in char_heads.HEADS}
    soft, zero, prior = (params[h] for h in char_heads.HEADS)
    np.testing.assert_array_equal(soft["hidden"]["W"], prior["hidden"]["W"])
    np.testing.assert_array_equal(soft["out"]["W"], zero["out"]["W"])
    np.testing.assert_array_equal(zero["out"]["b"], np.zeros(7))
    np.testing.assert_allclose(prior["out"]["b"], np.full(7, -np.log(6.0)), rtol=1e-6)
    with pytest.raises(ValueError, match="head must be one of"):
        char_heads.init_head(key, "sigmoid", 7, 3)


def test_every_head_predicts_a_distribution():
    z = jnp.array([[2.0, -1.0, 0.5], [0.0, 0.0, 0.0]])
    sig = 1 / (1 + np.exp(-np.asarray(z)))
    np.testing.assert_allclose(
        np.exp(char_heads.head_log_probs(z, "one-vs-rest, b = 0")),
        sig / sig.sum(1, keepdims=True),
        rtol=1e-5,
    )
    soft = np.exp(char_heads.head_log_probs(z, "softmax"))
    np.testing.assert_allclose(soft[1], [1 / 3] * 3, rtol=1e-6)
    assert char_heads.head_loss("softmax") is not char_heads.head_loss("one-vs-rest, b = 0")


def test_the_rate_with_the_lowest_mean_validation_is_chosen_and_test_reported_by_seed():
    # runs in order: rate 0.1 seeds 0, 1; rate 0.2 seeds 0, 1; rate 0.3 seeds 0, 1
    validation = [[5, 3.0], [5, 3.2], [5, 2.0], [5, 2.2], [5, 2.5], [5, 2.0]]
    test = [[6, 9.0], [6, 9.0], [6, 4.0], [6, 5.0], [6, 1.0], [6, 1.0]]
    grid = _grid(validation, test)
    t = grid.tuned("test")  # mean validation 3.1, 2.1, 2.25: rate 0.2
    assert t.lr == 0.2 and not t.edge
    np.testing.assert_array_equal(t.values, [4.0, 5.0])
    first = grid.tuned("test", at=0)  # every rate ties at 5: the first, an edge
    assert first.lr == 0.1 and first.edge
    np.testing.assert_array_equal(grid.table("validation"), [[3.0, 3.2], [2.0, 2.2], [2.5, 2.0]])
    np.testing.assert_array_equal(grid.params(0.2, 1)["w"], [3.0, 3.0, 3.0])
    np.testing.assert_array_equal(grid.curve("test", 0.3, 0), [6, 1.0])
    with pytest.raises(ValueError, match="lr must be one of"):
        grid.params(0.5, 0)
    with pytest.raises(ValueError, match="seed must be"):
        grid.curve("test", 0.1, 2)
    with pytest.raises(ValueError, match="split must be one of"):
        grid.table("train")


def test_gaps_by_budget_retunes_both_sides_at_every_record_and_pairs_seeds():
    # two rates, two seeds, records at 0, 10, 20
    head = _grid(
        [[9, 1, 5], [9, 2, 5], [9, 3, 1], [9, 3, 1]],
        [[9, 4, 8], [9, 6, 8], [9, 0, 7], [9, 0, 9]],
        rates=(0.1, 0.2),
    )
    base = _grid(
        [[9, 1, 1], [9, 1, 1], [9, 2, 2], [9, 2, 2]],
        [[9, 3, 5], [9, 4, 6], [9, 0, 0], [9, 0, 0]],
        rates=(0.1, 0.2),
    )
    gaps = gaps_by_budget(head, base)
    assert [g.steps for g in gaps] == [10, 20]
    at10, at20 = gaps
    assert (at10.head_lr, at10.base_lr, at20.head_lr, at20.base_lr) == (0.1, 0.1, 0.2, 0.1)
    assert at10.gap.mean == pytest.approx(1.5)  # (4 - 3, 6 - 4)
    assert at20.gap.mean == pytest.approx(2.5)  # (7 - 5, 9 - 6)
    assert at10.head_edge and at20.head_edge  # with two rates, both are edges
    with pytest.raises(ValueError, match="share seeds"):
        gaps_by_budget(head, _grid([[1, 1]] * 6, [[1, 1]] * 6))


def test_train_head_records_every_rate_and_seed_and_checks_its_arguments():
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.integers(0, 5, (64, 2)))
    y = jnp.asarray(rng.integers(0, 5, 64))
    evals = {"validation": (x[:16], y[:16]), "test": (x[16:32], y[16:32])}
    kwargs = dict(vocab_size=5, context=2, rates=(1e-3, 1e-2), seeds=2, steps=4, records=2)
    grid = char_heads.train_head("one-vs-rest, prior bias", x, y, evals, **kwargs)
    assert grid.table("test").shape == (2, 2)
    np.testing.assert_array_equal(grid.record_steps, [0, 2, 4])
    # at initialisation the prior bias predicts nearly uniformly: about log2(5) bits
    assert np.all(np.abs(grid.table("validation", at=0) - np.log2(5)) < 0.5)
    with pytest.raises(ValueError, match="seeds"):
        char_heads.train_head("softmax", x, y, evals, **{**kwargs, "seeds": 1})
    with pytest.raises(ValueError, match="records"):
        char_heads.train_head("softmax", x, y, evals, **{**kwargs, "records": 3})
    with pytest.raises(ValueError, match="validation"):
        char_heads.train_head("softmax", x, y, {"test": evals["test"]}, **kwargs)


def test_budget_gap_report_prints_a_line_per_budget_with_both_rates():
    from book.char_heads import BudgetGap, budget_gap_report
    from book.results import paired_difference

    gap = paired_difference(np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.0, 0.0]))
    report = budget_gap_report({"h": [BudgetGap(200, gap, 0.01, False, 0.03, True)]})
    assert report.splitlines() == [
        "h: test gap to softmax, bits/char (rates: head / softmax)",
        f"    200 steps: +2.000 ± {gap.half:.3f}  (1e-02 / 3e-02 EDGE)",
    ]
    with pytest.raises(ValueError, match="BudgetGap"):
        budget_gap_report({"h": [1.0]})


def test_initial_sigmoid_sum_is_half_v_at_zero_bias_and_one_at_the_prior():
    x = jnp.zeros((8, 3), jnp.int32)
    key = jax.random.key(0)
    zero = char_heads.initial_sigmoid_sum(key, "one-vs-rest, b = 0", 40, 3, x)
    prior = char_heads.initial_sigmoid_sum(key, "one-vs-rest, prior bias", 40, 3, x)
    assert abs(zero - 20) < 4 and abs(prior - 1) < 0.3
    with pytest.raises(ValueError, match="x must be"):
        char_heads.initial_sigmoid_sum(key, "softmax", 40, 3, jnp.zeros((8, 2), jnp.int32))


def test_smallest_last_drop_is_the_least_improvement_over_seeds():
    # rate 0.2: seed 0 falls 5 -> 4 -> 3.5, seed 1 falls 5 -> 3 -> 2.9
    validation = [[5, 4, 3], [5, 4, 3], [5, 4, 3.5], [5, 3, 2.9], [5, 5, 5], [5, 5, 5]]
    grid = _grid(validation, validation)
    assert char_heads.smallest_last_drop(grid, 0.2) == pytest.approx(0.1)
    assert char_heads.smallest_last_drop(grid, 0.3) == 0.0
    with pytest.raises(ValueError, match="two records"):
        char_heads.smallest_last_drop(_grid([[1]] * 6, [[1]] * 6), 0.1)


def test_train_heads_gives_each_head_the_runs_train_head_gives_it_alone():
    rng = np.random.default_rng(1)
    x = jnp.asarray(rng.integers(0, 6, (80, 2)))
    y = jnp.asarray(rng.integers(0, 6, 80))
    evals = {"validation": (x[:20], y[:20]), "test": (x[20:40], y[20:40])}
    kwargs = dict(vocab_size=6, context=2, rates=(1e-3, 1e-2), seeds=2, steps=4, records=2)
    grids = char_heads.train_heads(char_heads.HEADS, x, y, evals, **kwargs)
    assert list(grids) == list(char_heads.HEADS)
    for head in char_heads.HEADS:  # equal to float32 rounding (more runs per batch)
        alone = char_heads.train_head(head, x, y, evals, **kwargs)
        for split in ("validation", "test"):
            np.testing.assert_allclose(grids[head].table(split), alone.table(split), rtol=1e-5)
        np.testing.assert_allclose(
            grids[head].params(1e-2, 1)["out"]["b"], alone.params(1e-2, 1)["out"]["b"], atol=1e-6
        )
    with pytest.raises(ValueError, match="distinct"):
        char_heads.train_heads(("softmax", "softmax"), x, y, evals, **kwargs)
    with pytest.raises(ValueError, match="head must be one of"):
        char_heads.train_heads(("sigmoid",), x, y, evals, **kwargs)
