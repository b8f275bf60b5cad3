"""Tests of book.ch2_figures: what each figure of chapter 2 draws, and its argument checks."""

import jax.numpy as jnp
import numpy as np
import pytest
from matplotlib.colors import to_hex

from book import ch2_figures, readout, zigzag
from book.activations import colour


def test_gradient_scatter_draws_one_panel_per_activation():
    g = jnp.zeros((3, 2, 4)).at[:, 0, 0].set(jnp.array([1.0, 2.0, 3.0]))
    fig, alt = ch2_figures.gradient_scatter({"sigmoid": g, "tanh": -g})
    assert [ax.get_title() for ax in fig.axes] == ["inputs from sigmoid", "inputs from tanh"]
    points = fig.axes[1].collections[0].get_offsets()
    np.testing.assert_allclose(points, [[-1, 0], [-2, 0], [-3, 0]])
    assert to_hex(fig.axes[0].collections[0].get_facecolor()[0]) == colour("sigmoid").lower()
    assert alt.startswith("Four scatter plots")
    with pytest.raises(ValueError, match="grads\\['sigmoid'\\]"):
        ch2_figures.gradient_scatter({"sigmoid": jnp.zeros((3, 4))})
    with pytest.raises(TypeError, match="grads"):
        ch2_figures.gradient_scatter({})


def test_two_weight_paths_report_the_condition_numbers():
    xs_pos, xs_cen = (
        zigzag.two_weight_inputs(0, 0.5, n=128),
        zigzag.two_weight_inputs(0, 0.0, n=128),
    )
    fig, alt = ch2_figures.two_weight_paths(xs_pos, xs_cen)
    assert [ax.get_title() for ax in fig.axes] == [
        "inputs in (0, 1): zig-zag",
        "centred inputs: straight",
    ]
    assert all(len(ax.lines) == 3 for ax in fig.axes)  # the optimum, SGD, full batch
    x = np.asarray(xs_pos, np.float64)
    lam = np.linalg.eigvalsh(x.T @ x / len(x))
    assert f"condition number {lam[1] / lam[0]:.1f})" in alt
    with pytest.raises(ValueError, match="xs_cen"):
        ch2_figures.two_weight_paths(xs_pos, jnp.zeros((4, 3)))


def test_path_explorers_draw_the_path_and_the_loss():
    xs = zigzag.two_weight_inputs(0, 0.0, n=32)
    for explorer, names in (
        (ch2_figures.path_explorer(xs, [0.0, 0.5], [0.5, 0.9]), ["offset", "step_fraction"]),
        (ch2_figures.momentum_explorer(xs, [0.0, 0.9], [0.5]), ["momentum", "step_fraction"]),
    ):
        assert [s.name for s in explorer.sliders] == names
        fig = explorer.draw_frame(*explorer._compute_at(explorer.default_indices))
        assert len(fig.axes) == 2 and fig.axes[1].get_yscale() == "log"
    fig = ch2_figures.path_explorer(xs, [0.0, 0.5], [0.5, 0.9])
    result, shown = fig._compute_at(fig.indices({"offset": 0.0, "step_fraction": 0.5}))
    assert result["path"].shape[1] == 2 and shown == {"offset": 0.0, "step_fraction": 0.5}
    with pytest.raises(TypeError, match="offsets"):
        ch2_figures.path_explorer(xs, [], [0.5])
    with pytest.raises(TypeError, match="momenta"):
        ch2_figures.momentum_explorer(xs, 0.9, [0.5])


def test_conditioning_draws_the_closed_form_and_the_predicted_steps():
    means = np.array([0.0, 0.5, 1.0])
    kappa = np.array([1.0, 2.0, 5.0])
    fig, alt = ch2_figures.conditioning(means, kappa, kappa * 1.1, 4, 0.2)
    ax, ax_steps = fig.axes
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [1.1, 2.2, 5.5])
    np.testing.assert_allclose(ax_steps.lines[0].get_ydata(), kappa / 2 * 9.210340372, rtol=1e-9)
    assert ax.get_title() == "d = 4 inputs with σ = 0.2" and ax.get_yscale() == "log"
    assert "condition number" in alt
    with pytest.raises(ValueError, match="kappa_measured"):
        ch2_figures.conditioning(means, kappa, kappa[:2], 4, 0.2)


def test_batch_explorer_finds_where_relu_falls_below_sigmoid():
    curves = {
        "sigmoid": np.array([1.0, 0.8, 0.6, 0.5]),
        "relu": np.array([1.0, 0.9, 0.4, 0.2]),
    }
    explorer = ch2_figures.batch_explorer(curves, [1, 2, 4, 8])
    alt = explorer._alt({"batch": 2})
    assert "crosses below sigmoid's at batch 4 and ends at 20 percent, sigmoid's at 50" in alt
    result, shown = explorer._compute_at(explorer.indices({"batch": 4}))
    assert float(result["relu"]) == pytest.approx(0.4) and shown == {"batch": 4}
    fig = explorer.draw_frame(result, shown)
    assert len(fig.axes[0].lines) == 4 and fig.axes[0].get_ylim() == (-5, 105)
    with pytest.raises(ValueError, match="'sigmoid' and 'relu'"):
        ch2_figures.batch_explorer({"tanh": np.zeros(4)}, [1, 2, 4, 8])
    with pytest.raises(ValueError, match="one share per batch size"):
        ch2_figures.batch_explorer(curves, [1, 2])


def test_readout_steps_colours_tanh_apart():
    results = {
        "sigmoid": readout.tune(np.full((2, 2), 101), np.full((2, 2), 0.3), 100),
        "tanh": readout.tune(np.array([[30, 40], [50, 40]]), np.zeros((2, 2)), 100),
    }
    fig, alt = ch2_figures.readout_steps(results, 100)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["sigmoid", "tanh"]
    assert ax.get_title() == "Every fix helps sigmoid; none catches plain tanh"
    assert "100-step budget" in alt
    with pytest.raises(ValueError, match="steps"):
        ch2_figures.readout_steps(results, 0)
    with pytest.raises(TypeError, match="results"):
        ch2_figures.readout_steps([], 100)
