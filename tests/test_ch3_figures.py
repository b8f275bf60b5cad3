"""Chapter 3's figures: what each one draws, and the arguments it refuses."""

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from book import ch3_figures as figs
from book.results import PairedDifference, TunedRate


@pytest.fixture
def drawn(monkeypatch):
    """Make the figure functions return (figure, alt) instead of the rendered image."""
    monkeypatch.setattr(figs, "show", lambda fig, alt: (fig, alt))


def _tuned(values):
    return TunedRate(lr=0.1, edge=False, seeds=(0, 1, 2), values=np.array(values), by_lr={})


def test_bits_and_labels():
    assert math.isclose(figs.BITS, 1.4426950408889634)
    assert figs.label("swiglu") == "SwiGLU"
    with pytest.raises(ValueError, match="ffn"):
        figs.label("softmax")


def test_mlp_error_figure_draws_one_bar_per_setting_best_first(drawn):
    mlp = {
        ("sigmoid", "standard"): _tuned([0.9, 0.9, 0.9]),
        ("tanh", "glorot"): _tuned([0.1, 0.1, 0.1]),
        ("tanh", "standard"): _tuned([0.2, 0.3, 0.4]),
    }
    fig, alt = figs.mlp_error_figure(mlp)
    ax = fig.axes[0]
    assert len(ax.patches) == 3
    assert [t.get_text() for t in ax.get_yticklabels()] == ["tanh N", "tanh std", "sigmoid std"]
    assert ax.get_title() == "Sigmoid MLPs stay far behind the rest (10-30% error)"
    assert "at most 30.0 percent" in alt
    with pytest.raises(ValueError, match="init"):
        figs.mlp_error_figure({("tanh", "he"): _tuned([0.1, 0.2, 0.3])})
    with pytest.raises(TypeError, match="mlp"):
        figs.mlp_error_figure({})


def test_lm_loss_figure_puts_the_given_order_top_to_bottom(drawn):
    lm = {"relu": _tuned([math.log(2)] * 3), "sigmoid": _tuned([2 * math.log(2)] * 3)}
    fig, alt = figs.lm_loss_figure(lm, ["relu", "sigmoid"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["ReLU", "sigmoid"]
    assert alt.endswith("ReLU 1.00, sigmoid 2.00.")
    with pytest.raises(ValueError, match="ranked"):
        figs.lm_loss_figure(lm, ["gelu"])


def test_gap_figure_skips_the_initial_step_and_draws_zero(drawn):
    d = [PairedDifference(x, 0.1, 0.5, 3, 0.95) for x in (5.0, 1.0, 0.5)]
    fig, alt = figs.gap_figure({"sigmoid": d}, [0, 10, 20], title="T", alt="some alt text")
    ax = fig.axes[0]
    assert alt == "some alt text" and ax.get_title() == "T"
    curve, zero = ax.lines
    np.testing.assert_array_equal(curve.get_xdata(), [10, 20])
    np.testing.assert_array_equal(curve.get_ydata(), [1.0, 0.5])
    assert list(zero.get_ydata()) == [0, 0]
    with pytest.raises(ValueError, match="steps"):
        figs.gap_figure({"sigmoid": d}, [0, 10], title="T", alt="some alt text")


def test_inside_figure_draws_three_panels_per_variant(drawn):
    panels = {v: (np.zeros(4), np.full(4, 0.5), np.ones(4)) for v in ("sigmoid", "gelu")}
    fig, alt = figs.inside_figure(panels, [0, 1, 2, 3], (0.4, 0.55))
    assert len(fig.axes) == 3
    assert len(fig.axes[0].lines) == 2 and len(fig.axes[1].lines) == 3  # + the zero line
    assert "between 0.40 and 0.55" in alt and "stays above 1.00" in alt
    with pytest.raises(ValueError, match="panels"):
        figs.inside_figure({"gelu": panels["gelu"]}, [0, 1, 2, 3], (0.4, 0.55))


def test_preactivation_figure_marks_the_saturation_threshold(drawn):
    x = np.ones((3, 5, 2))
    pre = {v: {"ffn_pre_std": x, "ffn_pre_p99": 2 * x} for v in ("sigmoid", "gelu")}
    fig, alt = figs.preactivation_figure(pre, np.arange(5), 4.6)
    left, right = fig.axes
    assert right.get_ylim() == (0, 5)
    assert list(right.lines[-1].get_ydata()) == [4.6, 4.6]
    np.testing.assert_array_equal(left.lines[0].get_ydata(), np.ones(5))
    assert "start at 1.00 and 2.00" in alt
    with pytest.raises(ValueError, match="steps"):
        figs.preactivation_figure(pre, np.arange(4), 4.6)


def test_widget_drawers_draw_both_variants_and_check_arguments():
    fig = Figure()
    vals = np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 2.0]])  # (rates, seeds)
    figs.sensitivity_drawer([0.01, 0.1], (0.0, 4.0))(fig, (vals, vals), {"variant": "gelu"})
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and len(ax.collections) == 6  # means; seeds
    assert ax.get_ylim() == (0.0, 4.0) and ax.get_xscale() == "log"
    fig = Figure()
    curves = np.array([[3.0, 2.0], [5.0, 4.0]])  # (seeds, steps)
    figs.curves_drawer([0, 100], (0.0, 6.0))(fig, (curves, curves, 1), {"variant": "gelu"})
    assert fig.axes[0].get_title(loc="left") == "step 100: GELU 3.00 vs sigmoid 3.00 bits/char"
    with pytest.raises(ValueError, match="rates"):
        figs.sensitivity_drawer([0.1], (0.0, 1.0))
    with pytest.raises(ValueError, match="limits"):
        figs.curves_drawer([0, 1], (1.0, 0.0))


def test_live_runs_figure_draws_band_markers_and_dashed_seed(drawn):
    stored = {"sigmoid": np.array([[5.0, 3.0, 2.0], [5.0, 4.0, 2.5]]), "relu": np.full((2, 3), 6.0)}
    live = {"sigmoid": np.array([5.0, 3.0, 2.0])}
    fig, alt = figs.live_runs_figure([0, 1, 2], live, stored, {"sigmoid": 0})
    ax = fig.axes[0]
    markers, dashed = ax.lines
    assert markers.get_linestyle() == "None" and dashed.get_linestyle() == "--"
    np.testing.assert_array_equal(dashed.get_ydata(), [5.0, 3.0, 2.0])
    assert ax.get_ylim()[1] == pytest.approx(6.3)  # every stored variant sets the top
    assert alt.startswith("Validation loss over training of 1 live runs (sigmoid)")
    with pytest.raises(ValueError, match="seed0"):
        figs.live_runs_figure([0, 1, 2], live, stored, {})


def test_z_histogram_figure_draws_densities_and_reports_the_tail(drawn):
    edges = np.linspace(-6.0, 6.0, 61)
    hist = np.zeros(60)
    hist[0], hist[30] = 0.25, 0.75  # a quarter of z in the leftmost bin, beyond 4.6
    run = {"steps": [0, 200], "z_hist": [hist, hist]}
    fig, alt = figs.z_histogram_figure({"sigmoid": run}, edges, (0, 200), 4.6)
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and ax.get_xlim() == (-6.0, 6.0)
    assert ax.lines[0].get_ydata()[30] == pytest.approx(0.75 / 0.2)  # density per unit z
    assert "sigmoid 25.00% of z there at step 200" in alt
    with pytest.raises(ValueError, match="hist_steps"):
        figs.z_histogram_figure({"sigmoid": run}, edges, (0, 50), 4.6)
    with pytest.raises(ValueError, match="edges"):
        figs.z_histogram_figure({"sigmoid": run}, edges[::-1], (0, 200), 4.6)
