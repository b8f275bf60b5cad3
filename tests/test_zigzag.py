"""Tests of book.zigzag: the two-weight problem, its descent paths and its figures."""

import jax.numpy as jnp
import numpy as np
import pytest
from matplotlib.figure import Figure

from book import zigzag

# Two examples with E[xxᵀ] = I: gradient descent at rate 1 reaches the optimum in one step.
ORTHO = jnp.sqrt(2.0) * jnp.eye(2)


def test_inputs_lie_where_the_offset_puts_them():
    pos, cen = zigzag.two_weight_inputs(0, 0.5), zigzag.two_weight_inputs(0, 0.0)
    assert pos.shape == (256, 2) and bool(jnp.all((pos > 0) & (pos < 1)))
    np.testing.assert_allclose(np.asarray(pos - cen), 0.5, atol=1e-6)
    with pytest.raises(ValueError, match="n must"):
        zigzag.two_weight_inputs(0, 0.5, n=1)


def test_loss_is_zero_at_the_optimum_and_matches_numpy_elsewhere():
    xs = zigzag.two_weight_inputs(1, 0.5, n=16)
    assert float(zigzag.two_weight_loss(zigzag.W_STAR, xs)) == pytest.approx(0.0, abs=1e-12)
    x = np.asarray(xs, np.float64)
    expected = 0.5 * np.mean((x @ np.array([1.0, -1.0])) ** 2)  # loss at w = 0
    assert float(zigzag.two_weight_loss(jnp.zeros(2), xs)) == pytest.approx(expected, rel=1e-5)


def test_curvature_is_the_spectrum_of_the_second_moment():
    xs = zigzag.two_weight_inputs(2, 0.5, n=32)
    x = np.asarray(xs, np.float64)
    np.testing.assert_allclose(
        np.asarray(zigzag.curvature(xs)), np.linalg.eigvalsh(x.T @ x / 32), rtol=1e-5
    )
    with pytest.raises(ValueError, match="xs"):
        zigzag.curvature(jnp.ones(3))


def test_descent_path_takes_the_gradient_step_and_heavy_ball_adds_momentum():
    xs = zigzag.two_weight_inputs(3, 0.5, n=8)
    x = np.asarray(xs, np.float64)
    h = x.T @ x / 8
    w1 = 0.3 * h @ np.array([1.0, -1.0])  # first step from 0: -lr·H(0 - w*)
    w2 = w1 - 0.3 * (h @ (w1 - [1.0, -1.0]) + 0.5 * (-h @ [1.0, -1.0]))  # β = 0.5
    out = zigzag.descent_path(xs, jnp.float32(0.3), 2, momentum=0.5)
    assert out["path"].shape == (3, 2) and out["losses"].shape == (2,)
    np.testing.assert_allclose(np.asarray(out["path"]), [[0, 0], w1, w2], rtol=1e-4, atol=1e-6)


def test_sgd_path_steps_along_one_example_at_a_time():
    xs = zigzag.two_weight_inputs(4, 0.5, n=8)
    x0 = np.asarray(xs[0], np.float64)
    path = zigzag.sgd_path(xs, 0.5, 3)
    assert path.shape == (4, 2)
    np.testing.assert_allclose(np.asarray(path[1]), 0.5 * (x0 @ [1.0, -1.0]) * x0, rtol=1e-5)
    with pytest.raises(ValueError, match="steps"):
        zigzag.sgd_path(xs, 0.5, 9)


def test_steps_to_target_on_a_perfectly_conditioned_problem():
    assert zigzag.steps_to_target(ORTHO, 1.0) == 1
    # rate 0.5 halves the error, quarters the loss: 0.25^k <= 1e-4 first at k = 7
    assert zigzag.steps_to_target(ORTHO, 0.5) == 7
    assert zigzag.steps_to_target(ORTHO, 0.01, steps=5) == 6  # never: steps + 1


def test_best_steps_picks_the_fastest_rate_of_the_grid():
    rates = jnp.array([0.1, 0.5, 1.0, 1.5])
    counts, best = zigzag.best_steps(0.0, rates, [100, 101])
    for seed, count, index in zip([100, 101], counts, best, strict=True):
        xs = zigzag.two_weight_inputs(seed, 0.0)
        per_rate = [zigzag.steps_to_target(xs, float(r)) for r in rates]
        assert count == min(per_rate) and per_rate[index] == count
    with pytest.raises(ValueError, match="rates"):
        zigzag.best_steps(0.0, jnp.array([0.1, 1.0]), [100])


def test_loss_surface_covers_the_window():
    xs = zigzag.two_weight_inputs(5, 0.5, n=16)
    w1, w2, loss = zigzag.loss_surface(xs, points=5)
    assert w1.shape == w2.shape == loss.shape == (5, 5)
    assert (float(w1.min()), float(w1.max())) == pytest.approx(zigzag.LIMITS[:2])
    i, j = 2, 3
    expected = zigzag.two_weight_loss(jnp.array([w1[i, j], w2[i, j]]), xs)
    assert float(loss[i, j]) == pytest.approx(float(expected), rel=1e-5)


def test_figures_draw_their_paths():
    xs = zigzag.two_weight_inputs(6, 0.5)
    fig = Figure()
    ax = fig.subplots()
    path = zigzag.draw_paths(ax, xs, 1.0, "paths", "sigmoid")
    assert ax.get_title() == "paths" and len(ax.lines) == 3  # SGD, full batch, optimum
    np.testing.assert_allclose(path, ax.lines[-1].get_xydata(), rtol=1e-6)
    assert path.shape == (26, 2)
    result = zigzag.descent_path(xs, jnp.float32(1.0), 10) | {"surface": zigzag.loss_surface(xs)}
    fig = Figure()
    zigzag.draw_path_and_loss(fig, result, "left", "right")
    left, right = fig.axes
    assert (left.get_title(), right.get_title()) == ("left", "right")
    assert right.lines[0].get_ydata().size == 10


def test_cross_valley_measures_along_the_steep_direction():
    # E[xxᵀ] = diag(4, 1): the steep direction is w₁, the valley floor the line w₁ = 1.
    xs = jnp.array([[2.0, 1.0], [-2.0, -1.0], [2.0, -1.0], [-2.0, 1.0]])
    path = np.array([[0.0, 0.0], [1.5, -0.2], [1.0, 3.0]])
    np.testing.assert_allclose(np.abs(zigzag.cross_valley(xs, path)), [1.0, 0.5, 0.0], atol=1e-6)
    with pytest.raises(ValueError, match="path"):
        zigzag.cross_valley(xs, np.zeros(3))
    with pytest.raises(ValueError, match="xs"):
        zigzag.cross_valley(jnp.ones((4, 3)), path)


def test_momentum_steps_tables_steps_by_momentum_and_step_size(capsys):
    # E[xxᵀ] = I: λmax = 1, so fraction 0.5 is rate 1 (one step) and 0.25 is rate 0.5 (7 steps)
    table = zigzag.momentum_steps(ORTHO, [0.5, 0.25], [0.0, 0.5])
    assert list(table) == [(0.0, 0.5), (0.5, 0.5), (0.0, 0.25), (0.5, 0.25)]
    assert table[0.0, 0.5] == 1 and table[0.0, 0.25] == 7
    zigzag.print_momentum_steps({(0.0, 0.5): 1, (0.9, 0.5): 12}, 42.4)
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "condition number 42; steps to 1e-4 of the initial loss:",
        "  step 0.5 × 2/λmax: β=0: 1, β=0.9: 12",
    ]
    with pytest.raises(ValueError, match="fractions"):
        zigzag.momentum_steps(ORTHO, [1.5], [0.0])
    with pytest.raises(ValueError, match="momenta"):
        zigzag.momentum_steps(ORTHO, [0.5], [1.0])
    with pytest.raises(TypeError, match="to_target"):
        zigzag.print_momentum_steps({}, 1.0)
