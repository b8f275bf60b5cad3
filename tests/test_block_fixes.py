"""Tests of book.block_fixes: block styles, rate tuning, figures and the training run."""

import jax
import numpy as np
import pytest

from book import block_fixes as bf
from book import nets

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


def test_train_sigmoid_stack_returns_one_value_per_rate_and_seed():
    key = jax.random.key(0)
    x = jax.random.normal(key, (40, 64))
    y = jax.random.randint(key, (40,), 0, 10)
    shape = dict(depth=3, width=8, seeds=2, steps=6)
    loss, acc = bf.train_sigmoid_stack("residual", (x, y, x, y), rates=RATES[:2], **shape)
    assert np.shape(loss) == np.shape(acc) == (2, 2)
    # ten classes, near-uniform logits at a small rate: loss near ln 10
    assert np.all(np.abs(np.asarray(loss)[0] - np.log(10)) < 0.5)
    assert np.all((np.asarray(acc) >= 0) & (np.asarray(acc) <= 1))
    with pytest.raises(ValueError, match="block must be one of"):
        bf.train_sigmoid_stack("dense", (x, y, x, y), rates=RATES, **shape)
    with pytest.raises(ValueError, match="rates must be"):
        bf.train_sigmoid_stack("plain", (x, y, x, y), rates=np.array([0.0]), **shape)
    with pytest.raises(ValueError, match="depth must be a positive int"):
        bf.train_sigmoid_stack("plain", (x, y, x, y), rates=RATES, **{**shape, "depth": 0})
