"""Tests of book.readout: the read-out problem, its step counts, tuning and condition numbers."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from matplotlib.figure import Figure

from book import readout

# One feature (1, -1, 1, -1) and the bias input: E[aaᵀ] = I, perfectly conditioned.
H_ORTHO = jnp.array([[[1.0], [-1.0], [1.0], [-1.0]]])
Y = jnp.array([[0.3, -0.2, 0.5, 0.1]])


def test_feature_problem_shapes_and_validation():
    pre, y = readout.feature_problem(jax.random.key(0), n_examples=32, d_in=4, n_features=8)
    assert pre.shape == (32, 8) and y.shape == (32,)
    with pytest.raises(ValueError, match="d_in"):
        readout.feature_problem(jax.random.key(0), d_in=0)


def test_with_bias_appends_ones():
    a = readout.with_bias(jnp.ones((3, 2)) * 2)
    assert a.dtype == np.float64 and a.shape == (3, 3)
    np.testing.assert_array_equal(a[:, -1], 1.0)
    with pytest.raises(ValueError, match="h must"):
        readout.with_bias(jnp.ones(3))


def test_loss_from_moments_equals_the_mean_squared_error():
    rng = np.random.default_rng(0)
    a = np.concatenate([rng.normal(size=(10, 3)), np.ones((10, 1))], 1)
    y, v = rng.normal(size=10), rng.normal(size=4)
    moments = (a.T @ a / 10, a.T @ y / 10, np.mean(y**2))
    expected = 0.5 * np.mean((a @ v - y) ** 2)
    assert float(readout.readout_loss(v, moments)) == pytest.approx(expected, rel=1e-9)


def test_steps_on_a_perfectly_conditioned_read_out():
    counts, gap = readout.steps_to_target(H_ORTHO, Y, optax.sgd, jnp.array([1.0, 0.5, 3.0]), 20)
    # rate 1: the optimum in one step; rate 0.5: the gap shrinks 4x a step, 0.25^k <= 0.01
    # first at k = 4; rate 3: the error doubles (times -2) each step and never gets there.
    np.testing.assert_array_equal(counts, [[1, 4, 21]])
    assert gap[0, 0] == pytest.approx(0.0, abs=1e-6) and gap[0, 2] > 1
    with pytest.raises(ValueError, match="features"):
        readout.steps_to_target(H_ORTHO[0], Y, optax.sgd, jnp.array([1.0]), 5)
    with pytest.raises(ValueError, match="share"):
        readout.steps_to_target(H_ORTHO, Y, optax.sgd, jnp.array([1.0]), 5, share=1.5)


def test_condition_numbers_known_and_singular():
    h = jnp.stack([2 * H_ORTHO[0], 0.5 * H_ORTHO[0]])  # E[aaᵀ] = diag(4, 1), diag(1/4, 1)
    assert readout.condition_numbers(h) == pytest.approx({"kappa": 4.0, "kappa_span": 4.0})
    f = H_ORTHO[0][:, 0]
    singular = jnp.stack([f, -f], 1)[None]  # features sum to zero: eigenvalues 0, 1, 2
    out = readout.condition_numbers(singular)
    assert out["kappa"] == np.inf and out["kappa_span"] == pytest.approx(2.0)


def test_tune_picks_the_fastest_rate_every_seed_reaches():
    counts = np.array([[5, 3, 11, 2], [7, 4, 11, 11]])
    gap = np.array([[0.0, 0.0, 0.5, 0.0], [0.0, 0.0, 0.4, 0.2]])
    r = readout.tune(counts, gap, 10)
    assert r["tuned"] == 1 and list(r["steps"]) == [3, 4]
    censored = readout.tune(np.full((2, 3), 11), np.array([[0.3, 0.1, 0.2], [0.5, 0.2, 0.1]]), 10)
    assert censored["tuned"] is None and censored["steps"] is None
    assert censored["closest"] == 1 and censored["gap"] == pytest.approx(0.15)
    with pytest.raises(ValueError, match="counts"):
        readout.tune(counts, gap[:, :2], 10)


def test_table_and_figure_show_every_variant(capsys):
    results = {
        "fast": readout.tune(np.array([[30, 40], [50, 40]]), np.zeros((2, 2)), 100)
        | {"kappa": 2.0, "kappa_span": 2.0},
        "never": readout.tune(np.full((2, 2), 101), np.full((2, 2), 0.3), 100)
        | {"kappa": np.inf, "kappa_span": 9.0},
        "partly": readout.tune(np.array([[101, 60], [70, 101]]), np.full((2, 2), 0.1), 100)
        | {"kappa": 5.0, "kappa_span": 5.0},
    }
    readout.print_table(results, jnp.array([0.1, 1.0]), 100)
    out = capsys.readouterr().out
    assert "censored: > 100 for every rate and seed" in out and "∞ (9)" in out
    assert "censored: > 100 for some seed at every rate" in out
    fig = Figure()
    ax = fig.subplots()
    readout.draw_steps(ax, results, 100, {"fast": "C0", "never": "C1", "partly": "C2"})
    assert [t.get_text() for t in ax.get_yticklabels()] == ["fast", "never", "partly"]
    labels = [t.get_text() for t in ax.texts if t.get_text()]  # the arrows have none
    assert labels == ["> 100, every rate and seed", "> 100, some seed at every rate"]
