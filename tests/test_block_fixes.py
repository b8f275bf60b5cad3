"""Tests of book.block_fixes: block styles, rate tuning, figures and the training run."""

import jax
import numpy as np
import optax
import pytest

from book import block_fixes as bf
from book import nets
from book.losses import accuracy, cross_entropy
from book.train import train

RATES = np.array([0.01, 0.1, 1.0])


def test_every_block_kind_has_a_name_dash_and_marker():
    assert set(bf.BLOCK_NAMES) == set(bf.BLOCK_STYLES) == set(bf.BLOCK_MARKERS) == set(nets.BLOCKS)


def test_tune_block_rates_picks_the_lowest_finite_loss_and_reports_the_next_rate():
    chance = np.full((3, 3), 0.1)
    trained = {
        "plain": (np.full((3, 3), 2.3), chance),
        # rate 0.1 has the lowest loss; at rate 1.0 two runs diverged (nan loss)
        "residual": (
            np.array([[1.0, 1.0, 1.0], [0.5, 0.5, 0.5], [np.nan, np.nan, 0.1]]),
            np.array([[0.3, 0.3, 0.3], [0.5, 0.6, 0.7], [0.1, 0.1, 0.1]]),
        ),
    }
    chosen, tuned_loss, lines = bf.tune_block_rates(trained, RATES)
    assert "plain" not in chosen and "no rate in the grid trains" in lines[0]
    best, mean, half = chosen["residual"]
    assert best == 1 and tuned_loss["residual"] == pytest.approx(0.5)
    assert mean == pytest.approx(0.6)
    assert half == pytest.approx(4.302653 * 0.1 / np.sqrt(3), rel=1e-5)  # t(0.975, 2)
    assert "tuned rate 0.1" in lines[1] and "next rate 1: 2 of 3 runs diverged" in lines[1]
    assert "(edge of the grid)" not in lines[1]


def test_tune_block_rates_validates_its_arguments():
    with pytest.raises(ValueError, match="trained must map block kinds"):
        bf.tune_block_rates({"dense": (np.ones((3, 2)), np.ones((3, 2)))}, RATES)
    with pytest.raises(ValueError, match="shape"):
        bf.tune_block_rates({"plain": (np.ones((2, 2)), np.ones((2, 2)))}, RATES)


def test_block_profiles_figure_draws_each_block_and_drops_zeros():
    norms = {b: np.array([1e-3, 1e-2, 1.0]) for b in nets.BLOCKS}
    norms["plain"] = np.array([0.0, 1e-2, 1.0])
    fig, alt = bf.block_profiles_figure(norms, np.ones(3))
    (ax,) = fig.axes
    assert len(ax.lines) == len(nets.BLOCKS) + 1
    assert np.isnan(ax.lines[0].get_ydata()[0]) and ax.get_yscale() == "log"
    assert ax.lines[1].get_linestyle() == "--"  # residual only is dashed
    assert "50-layer" in alt
    with pytest.raises(ValueError, match="sigmoid_norms"):
        bf.block_profiles_figure({"dense": np.ones(3)}, np.ones(3))


def test_block_rates_figure_draws_an_interval_per_rate_and_chance():
    acc = {"plain": np.full((3, 2), 0.1), "layernorm": np.array([[0.5, 0.7]] * 3)}
    fig, _ = bf.block_rates_figure(acc, RATES)
    (ax,) = fig.axes
    assert len(ax.containers) == 2  # one errorbar per block kind
    np.testing.assert_allclose(ax.containers[1].lines[0].get_ydata(), [60, 60, 60])
    assert ax.lines[-1].get_ydata()[0] == 10  # the chance line
    with pytest.raises(ValueError, match="one row per rate"):
        bf.block_rates_figure(acc, RATES[:2])


def test_block_logits_match_deep_stack_forward_for_every_block_kind():
    params = nets.init_deep_stack(jax.random.key(1), 64, 16, 10, 5, "glorot")
    x = jax.random.normal(jax.random.key(2), (7, 64))
    logits = jax.jit(bf.block_logits)  # one compilation, the block kind traced
    for i, b in enumerate(nets.BLOCKS):
        expected = nets.deep_stack_forward(params, x, 5, 0, ["sigmoid"], block=b)
        np.testing.assert_allclose(logits(params, x, i), expected, rtol=1e-5, atol=1e-5)


def test_train_sigmoid_stacks_returns_one_value_per_rate_and_seed_for_each_block():
    key = jax.random.key(0)
    x = jax.random.normal(key, (40, 64))
    y = jax.random.randint(key, (40,), 0, 10)
    shape = dict(depth=3, width=8, seeds=2, steps=6)
    blocks = ["residual", "plain"]
    trained = bf.train_sigmoid_stacks(blocks, (x, y, x, y), rates=RATES[:2], **shape)
    assert list(trained) == blocks
    for loss, acc in trained.values():
        assert np.shape(loss) == np.shape(acc) == (2, 2)
        # ten classes, near-uniform logits at a small rate: loss near ln 10
        assert np.all(np.abs(loss[0] - np.log(10)) < 0.5)
        assert np.all((acc >= 0) & (acc <= 1))
    # one kind alone trains as it does beside the others
    alone = bf.train_sigmoid_stacks(["plain"], (x, y, x, y), rates=RATES[:2], **shape)
    np.testing.assert_allclose(alone["plain"][0], trained["plain"][0], rtol=1e-5)
    with pytest.raises(ValueError, match="block must be one of"):
        bf.train_sigmoid_stacks(["dense"], (x, y, x, y), rates=RATES, **shape)
    with pytest.raises(ValueError, match="rates must be"):
        bf.train_sigmoid_stacks(["plain"], (x, y, x, y), rates=np.array([0.0]), **shape)
    with pytest.raises(ValueError, match="depth must be a positive int"):
        bf.train_sigmoid_stacks(["plain"], (x, y, x, y), rates=RATES, **{**shape, "depth": 0})
    with pytest.raises(ValueError, match="multiple of 3"):
        bf.train_sigmoid_stacks(["plain"], (x, y, x, y), rates=RATES, **{**shape, "steps": 4})


def test_train_sigmoid_stacks_draws_batches_as_book_train_does():
    key = jax.random.key(0)
    x = jax.random.normal(key, (40, 64))
    y = jax.random.randint(key, (40,), 0, 10)
    rates = RATES[:2].astype(np.float32)
    loss, acc = bf.train_sigmoid_stacks(
        ["layernorm"], (x, y, x, y), rates=rates, depth=3, width=8, seeds=2, steps=6
    )["layernorm"]
    keys = jax.random.split(jax.random.key(0), 2)
    init = jax.vmap(lambda k: nets.init_deep_stack(k, 64, 8, 10, 3))(keys)
    init = jax.tree_util.tree_map(lambda a: np.tile(a, (2,) + (1,) * (a.ndim - 1)), init)

    def logits(p, xb):
        return nets.deep_stack_forward(p, xb, 3, 0, ["sigmoid"], block="layernorm")

    run = train(
        init,
        lambda p, xb, yb: cross_entropy(logits(p, xb), yb),
        x,
        y,
        optimizer=optax.sgd,
        learning_rates=np.repeat(rates, 2),
        steps=6,
        batch_size=32,
        key=jax.random.key(1),
        record_every=2,
        record_fn=lambda p: accuracy(logits(p, x), y),
    )
    np.testing.assert_allclose(loss, run.losses[:, -1].reshape(2, 2), rtol=1e-4)
    np.testing.assert_allclose(acc, run.records[:, -1].reshape(2, 2))
