import numpy as np
import pytest
from matplotlib.figure import Figure

from book import ch5_figures as f5
from book.plots import series_colour


def test_variants_and_routers_take_the_book_colours():
    assert f5.variant_colour("gated") == series_colour("gated attention")
    assert f5.variant_colour("sigmoid_bias") == series_colour("sigmoid")
    assert f5.variant_colour("softmax_bias") == series_colour("softmax")
    assert len({f5.variant_colour(v) for v in f5.VARIANT_SERIES}) == len(f5.VARIANT_SERIES)
    with pytest.raises(ValueError, match="variant must be one of"):
        f5.variant_colour("linear")


def test_expert_load_draws_one_panel_per_block_and_one_line_per_expert():
    fig = Figure()
    loads = np.ones((4, 2, 8))
    f5.draw_expert_load(fig, loads, {"variant": "sigmoid", "seed": 0}, steps=[0, 1, 2, 3])
    assert len(fig.axes) == 2
    assert len(fig.axes[0].lines) == 8 + 1  # the experts and the fair-share line
    with pytest.raises(ValueError, match="loads must be"):
        f5.draw_expert_load(fig, loads, {"variant": "sigmoid", "seed": 0}, steps=[0, 1])


def test_attention_pattern_plots_the_row_sums_of_the_weights():
    fig = Figure()
    weights = np.tril(np.full((4, 4), 0.5))
    f5.draw_attention_pattern(fig, weights, {"kind": "sigmoid", "bias": 0.0})
    sums = fig.axes[1].lines[0].get_ydata()
    np.testing.assert_allclose(sums, [0.5, 1.0, 1.5, 2.0])
    with pytest.raises(ValueError, match="square"):
        f5.draw_attention_pattern(fig, np.ones((2, 3)), {"kind": "softmax", "bias": 0.0})


def test_attention_dot_plots_has_three_panels_and_checks_its_fields():
    seeds = np.array([1.0, 2.0, 4.0])
    diag = {
        f: {lr: {"softmax": seeds, "gated": seeds} for lr in (0.003, 0.01)}
        for f in ("first_token", "max_activation")
    }
    fig = f5.attention_dot_plots(diag, {"softmax": seeds, "gated": seeds})
    assert len(fig.axes) == 3
    assert fig.axes[0].get_yscale() == "log" and fig.axes[2].get_yscale() == "linear"
    with pytest.raises(ValueError, match="diagnostics must hold"):
        f5.attention_dot_plots({"first_token": diag["first_token"]}, {"softmax": seeds})


def test_gradient_reach_figure_draws_a_solid_and_a_dotted_line_per_bias():
    distance = np.arange(4)[::-1]
    reach = {0.0: np.array([0.1, 0.2, 0.5, 1.0]), 2.0: np.array([2.0, 1.5, 1.2, 1.0])}
    fig, alt = f5.gradient_reach_figure(distance, reach, {0.0: 0.5, 2.0: 1.3})
    ax = fig.axes[0]
    assert len(ax.lines) == 4 and ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.lines[1].get_ydata(), 0.5**distance)  # sigmoid(0)^k
    assert "b_f = 0 fall with distance and those for b_f = 2 rise" in alt
    with pytest.raises(ValueError, match="decay must have"):
        f5.gradient_reach_figure(distance, reach, {0.0: 0.5})
    with pytest.raises(ValueError, match="shape of distance"):
        f5.gradient_reach_figure(distance[:2], reach, {0.0: 0.5, 2.0: 1.3})


def test_draw_reach_and_soft_cap_figure():
    fig = Figure()
    f5.draw_reach(fig, np.ones(3), {"forget_bias": 0.0}, distance=np.arange(3)[::-1])
    np.testing.assert_allclose(fig.axes[0].lines[1].get_ydata(), [0.25, 0.5, 1.0])
    assert fig.axes[0].get_ylim() == pytest.approx((1e-14, 1e2))
    z = np.linspace(-120, 120, 5)
    fig, alt = f5.soft_cap_figure(z, 30 * np.tanh(z / 30), 23 / (1 + np.exp(-(z + 5) / 7.5)))
    assert len(fig.axes[0].lines) == 3 and fig.axes[0].get_xlim() == (-120, 120)
    assert "Gemma 2" in alt
    with pytest.raises(ValueError, match="shape of z"):
        f5.soft_cap_figure(z, z[:2], z)


def test_pair_accuracy_figure_plots_the_mean_per_batch():
    accuracy = {(loss, b): np.array([0.4, 0.6]) for loss in ("siglip", "clip") for b in (4, 8)}
    fig, alt = f5.pair_accuracy_figure(accuracy, [4, 8], {"siglip": "S", "clip": "C"})
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and [t.get_text() for t in ax.get_legend().get_texts()] == [
        "S",
        "C",
    ]
    assert "B=4: 0.500, 0.500" in alt
    with pytest.raises(ValueError, match="accuracy lacks"):
        f5.pair_accuracy_figure(accuracy, [4, 16], {"siglip": "S"})
