"""Tests of book.saturation_plots: chapter 1's figures, drawn from known inputs."""

from types import SimpleNamespace

import numpy as np
import pytest
from matplotlib.figure import Figure

from book import saturation_plots as sp
from book.activations import display_name

NAMES = ["sigmoid", "tanh"]


def _norms():
    # 2 activations, depths (2, 3), 3 layers; layer values chosen so ratios are known
    norms = np.ones((2, 2, 3))
    norms[0, 0, :2] = [1e-3, 1.0]  # sigmoid, depth 2: ratio 1e-3
    norms[0, 1] = [1e-6, 1e-3, 1.0]  # sigmoid, depth 3: ratio 1e-6
    norms[1, 1] = [2.0, 1.0, 1.0]  # tanh, depth 3: ratio 2
    return norms


def test_first_to_last_divides_layer_one_by_the_last_layer_of_that_depth():
    norms = _norms()
    assert sp.first_to_last(norms, [2, 3], 0, 2) == pytest.approx(1e-3)
    assert sp.first_to_last(norms, [2, 3], 0, 3) == pytest.approx(1e-6)
    assert sp.first_to_last(norms, [2, 3], 1, 3) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="depth must be one of depths"):
        sp.first_to_last(norms, [2, 3], 0, 5)
    with pytest.raises(ValueError, match="norms must be a 3-D array"):
        sp.first_to_last(norms[0], [2, 3], 0, 2)


def test_activation_figure_draws_each_function_and_its_derivative():
    xs = np.linspace(-6.0, 6.0, 601)
    fig, alt = sp.activation_figure(NAMES, xs)
    ax_f, ax_d = fig.axes
    assert len(ax_f.lines) == 2 and len(ax_d.lines) == 3  # two derivatives + the 1/4 line
    assert ax_f.get_ylim() == (-2, 3)
    assert [t.get_text() for t in ax_f.get_legend().get_texts()] == [display_name(n) for n in NAMES]
    assert np.max(ax_d.lines[0].get_ydata()) == pytest.approx(0.25, abs=1e-6)  # sigmoid'
    assert np.max(ax_d.lines[1].get_ydata()) == pytest.approx(1.0, abs=1e-6)  # tanh'
    assert "1/4" in alt
    with pytest.raises(TypeError, match="names"):
        sp.activation_figure("sigmoid", xs)


def test_saturation_curves_are_percentages_on_a_log_axis():
    scales = np.array([0.1, 1.0, 10.0])
    fig, _ = sp.saturation_curves_figure(scales, {"relu": np.array([0.5, 0.5, 0.5])})
    (ax,) = fig.axes
    assert ax.get_xscale() == "log"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [50, 50, 50])
    with pytest.raises(ValueError, match="one value per scale"):
        sp.saturation_curves_figure(scales, {"relu": np.array([0.5, 0.5])})
    with pytest.raises(TypeError, match="saturated"):
        sp.saturation_curves_figure(scales, {})


def test_slope_histogram_titles_the_saturated_share():
    bins = np.linspace(-0.2, 1.2, 5)
    fig = Figure()
    result = {"fraction": np.array([0.25, 0.5, 0.25, 0.0]), "saturated": 0.25}
    sp.draw_slope_histogram(fig, result, {"activation": "tanh", "scale": 2.0}, bins)
    (ax,) = fig.axes
    assert ax.get_title() == "tanh, scale 2: 25% of units saturated (f' < 0.01)"
    assert ax.get_ylim() == (0, 100)
    with pytest.raises(ValueError, match="bins"):
        sp.draw_slope_histogram(Figure(), result, {"activation": "tanh", "scale": 1}, bins[:3])


def test_gradient_profiles_drop_zero_norms_and_name_the_depth():
    norms = _norms()
    norms[0, -1, 0] = 0.0  # an exact zero: underflow, not drawn
    fig, alt = sp.gradient_profiles_figure(norms, _norms(), NAMES)
    left, right = fig.axes
    assert len(left.lines) == len(right.lines) == 2
    assert np.isnan(left.lines[0].get_ydata()[0]) and not np.isnan(right.lines[0].get_ydata()[0])
    assert left.get_title() == "3 layers, U[±1/√n] for all init"
    assert left.get_yscale() == "log" and "50-layer" in alt
    with pytest.raises(ValueError, match="one row per name"):
        sp.gradient_profiles_figure(norms, norms, ["sigmoid"])


def test_depth_ratio_figure_plots_first_to_last_per_depth():
    fig, _ = sp.depth_ratio_figure(_norms(), [2, 3], NAMES)
    (ax,) = fig.axes
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1e-3, 1e-6])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [1.0, 2.0])
    with pytest.raises(ValueError, match="shape"):
        sp.depth_ratio_figure(_norms(), [2, 3, 5], NAMES)


def test_depth_profile_shows_log10_norms_and_the_ratio():
    fig = Figure()
    values = {"depth": 3, "activation": "sigmoid", "weight_scale": 1.0}
    sp.draw_depth_profile(fig, np.array([1e-2, 1e-1, 1.0, 5.0]), values, 4)
    (ax,) = fig.axes
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [-2, -1, 0])
    assert ax.get_title().endswith("layer 1 / layer 3 = 1.0e-02")
    assert ax.get_xlim() == (0.5, 4.5)
    fig = Figure()
    sp.draw_depth_profile(fig, np.array([0.0, 0.0, 0.0]), values, 4)
    assert fig.axes[0].get_title().endswith("= undefined")
    with pytest.raises(ValueError, match="max_depth"):
        sp.draw_depth_profile(Figure(), np.ones(4), values, 2)


def test_widget_alt_texts_quote_the_settings():
    assert "of tanh for pre-activations of scale 4.0" in sp.slope_histogram_alt(
        {"activation": "tanh", "scale": 4.0}
    )
    alt = sp.depth_profile_alt({"activation": "gelu", "depth": 20, "weight_scale": 0.5})
    assert "a 20-layer gelu network with weights scaled by 0.5" in alt
    with pytest.raises(ValueError, match="values must hold"):
        sp.depth_profile_alt({"depth": 20})
    with pytest.raises(ValueError, match="values must hold"):
        sp.slope_histogram_alt({"scale": 1.0})


def _run(seeds=2, records=5, layers=4):
    steps = np.arange(records) * 10
    rec = {
        "mean": np.full((seeds, records, layers), 0.5),
        "std": np.full((seeds, records, layers), 0.1),
        "accuracy": np.linspace(0.1, 0.9, records)[None].repeat(seeds, 0),
    }
    return SimpleNamespace(record_steps=steps, records=rec)


def test_glorot_figure2_draws_layers_and_one_accuracy_line_per_seed():
    fig, alt = sp.glorot_figure2({"sigmoid": _run(), "tanh": _run()}, 40)
    left, middle, right = fig.axes
    assert len(left.lines) == len(middle.lines) == 4  # one per hidden layer
    assert len(right.lines) == 4  # 2 seeds x 2 activations
    assert right.get_title() == "Accuracy, 2 seeds each"
    np.testing.assert_allclose(right.lines[0].get_ydata(), [10, 30, 50, 70, 90])
    labels = [t.get_text() for t in right.get_legend().get_texts()]
    assert labels == [display_name("sigmoid"), display_name("tanh")]
    assert "by step 40" in alt
    with pytest.raises(ValueError, match="runs must map"):
        sp.glorot_figure2({"sigmoid": _run()}, 40)
