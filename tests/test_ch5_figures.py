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
