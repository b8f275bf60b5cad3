"""Chapter 4's figures draw what they are given, where they say."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from book import head_plots
from book.char_heads import HEADS, BudgetGap, RateGrid
from book.head_plots import paired_bars
from book.results import paired_difference
from book.train import TrainResult


def test_each_token_gets_a_softmax_bar_left_and_a_sigmoid_bar_right():
    fig, ax = plt.subplots()
    positions = paired_bars(
        ax, [0.7, 0.2, 0.1], [0.9, -0.5, 0.3], softmax_label="soft", sigmoid_label="sig"
    )
    np.testing.assert_array_equal(positions, [0, 1, 2])
    soft, sig = ax.containers
    assert [r.get_height() for r in soft] == pytest.approx([0.7, 0.2, 0.1])
    assert [r.get_height() for r in sig] == pytest.approx([0.9, -0.5, 0.3])  # bar from 0 down
    centres = [r.get_x() + r.get_width() / 2 for r in soft]
    assert centres == pytest.approx([-0.2, 0.8, 1.8])
    assert to_hex(soft[0].get_facecolor()) != to_hex(sig[0].get_facecolor())
    assert [soft.get_label(), sig.get_label()] == ["soft", "sig"]
    np.testing.assert_array_equal(ax.get_xticks(), [0, 1, 2])
    plt.close(fig)


def test_paired_bars_checks_its_arguments():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="as long"):
        paired_bars(ax, [1.0, 2.0], [1.0], softmax_label="a", sigmoid_label="b")
    with pytest.raises(ValueError, match="width"):
        paired_bars(ax, [1.0], [1.0], softmax_label="a", sigmoid_label="b", width=0.8)
    plt.close(fig)


# --- chapter 4's figures: what they draw, with show() replaced to hand back the figure


@pytest.fixture
def shown(monkeypatch):
    """Make the figure functions return (figure, alt text) instead of an image."""
    monkeypatch.setattr(head_plots, "show", lambda fig, alt: (fig, alt))


def _grid(head, curves, rates=(0.1,), seeds=2):
    curves = np.asarray(curves, float)
    result = TrainResult(
        params={"w": np.zeros((curves.shape[0], 1))},
        losses=np.zeros((curves.shape[0], curves.shape[1] - 1)),
        records={"validation": curves, "test": curves},
        record_steps=np.arange(curves.shape[1]) * 200,
    )
    return RateGrid(head, rates, seeds, result)


def _gaps(means):
    gaps = []
    for i, m in enumerate(means, start=1):
        gap = paired_difference(np.array([m + 0.01, m - 0.01]), np.zeros(2))
        gaps.append(BudgetGap(200 * i, gap, 0.1, False, 0.1, False))
    return gaps


def test_scaled_outputs_are_drawn_with_their_sums_in_the_legend():
    fig = Figure()
    outputs = {"softmax": np.array([0.75, 0.25]), "sigmoid": np.array([0.9, 0.6])}
    head_plots.draw_scaled_outputs(fig, outputs, {"scale": 2.0})
    (ax,) = fig.axes
    assert ax.get_title() == "logits × 2" and ax.get_ylim() == (0, 1.05)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["softmax (sum 1.00)", "independent sigmoids (sum 1.50)"]
    with pytest.raises(ValueError, match="scale"):
        head_plots.draw_scaled_outputs(Figure(), outputs, {})


def test_budget_figure_draws_every_seed_and_each_gap_with_its_band(shown):
    runs = {h: _grid(h, [[4, 3, 2.5, 2.2]] * 2) for h in HEADS}
    gaps = {HEADS[1]: _gaps([0.3, 0.2, 0.15]), HEADS[2]: _gaps([0.05, -0.02, 0.01])}
    fig, alt = head_plots.budget_figure(runs, {h: 0.1 for h in HEADS}, gaps, tested_from=400)
    curves, gap_ax = fig.axes
    assert len(curves.lines) == 3 * 2  # three heads, two seeds each
    assert curves.get_ylim() == (2, 4) and curves.get_title() == "Still falling at 600 steps"
    assert len(gap_ax.lines) == 2 + 1 and len(gap_ax.collections) == 2  # gaps, zero; bands
    np.testing.assert_allclose(gap_ax.lines[0].get_ydata(), [0.3, 0.2, 0.15])
    assert "two seeds each" in alt and "from 400 steps on the mean gap is 0.15 to 0.20" in alt
    assert "at most 0.020 bits" in alt
    with pytest.raises(ValueError, match="one-vs-rest"):
        head_plots.budget_figure(runs, {h: 0.1 for h in HEADS}, {HEADS[1]: gaps[HEADS[1]]}, 400)
    with pytest.raises(ValueError, match="tested_from"):
        head_plots.budget_figure(runs, {h: 0.1 for h in HEADS}, gaps, tested_from=5000)


def test_reliability_figure_plots_each_head_against_the_diagonal(shown):
    # 100 positions, all predicting class 0 with 0.8; 60 are right: one bin (0.8, 0.6)
    probs = np.tile([0.8, 0.2], (100, 1))
    labels = np.r_[np.zeros(60, int), np.ones(40, int)]
    fig, alt = head_plots.reliability_figure(
        {"softmax": probs}, labels, {"softmax": 0.2}, {"softmax": 0.05}
    )
    (ax,) = fig.axes
    head_line, diagonal = ax.lines
    np.testing.assert_allclose(head_line.get_xdata(), [0.8], atol=1e-6)
    np.testing.assert_allclose(head_line.get_ydata(), [0.6], atol=1e-6)
    np.testing.assert_array_equal(diagonal.get_xdata(), [0, 1])
    assert head_line.get_label() == "softmax (seed-0 ECE 0.200)"
    assert "bins lie up to 0.20 from the diagonal" in alt and "is 4.0 to 4.0 times" in alt
    with pytest.raises(ValueError, match="probs"):
        head_plots.reliability_figure({"tanh": probs}, labels, {}, {})
    with pytest.raises(ValueError, match="threshold"):
        head_plots.reliability_figure({"softmax": probs}, labels, {"softmax": 0.2}, {})


def test_gradient_figure_shows_the_largest_softmax_gradients(shown):
    vocab = ["a", " ", "\n", "b"]
    g_soft, g_sig = np.array([0.1, -0.9, 0.5, 0.0]), np.array([1.0, 2.0, 3.0, 4.0])
    fig, alt = head_plots.gradient_figure(g_soft, g_sig, vocab, "ab", n_shown=3)
    (ax,) = fig.axes
    soft, sig = ax.containers
    assert [r.get_height() for r in soft] == pytest.approx([-0.9, 0.5, 0.1])
    assert [r.get_height() for r in sig] == pytest.approx([2.0, 3.0, 1.0])
    assert [t.get_text() for t in ax.get_xticklabels()] == [" ", "\\n", "a"]
    assert ax.get_title() == "Gradient on the logits after 'ab'" and "the three tokens" in alt
    with pytest.raises(ValueError, match="n_shown"):
        head_plots.gradient_figure(g_soft, g_sig, vocab, "ab", n_shown=5)
    with pytest.raises(ValueError, match="shape"):
        head_plots.gradient_figure(g_soft[:3], g_sig, vocab, "ab")


def test_next_char_drawer_draws_the_likeliest_characters_and_the_sample():
    draw = head_plots.next_char_drawer(["a", "b", "c", ""], "Th", shown=2)
    fig = Figure(layout="constrained")
    draw(
        fig,
        {"probs": np.array([0.1, 0.6, 0.3, 0.0]), "ids": np.array([0, 2])},
        {
            "temperature": 0.5,
            "top_k": 3,
        },
    )
    (ax,) = fig.axes
    assert [r.get_height() for r in ax.patches] == pytest.approx([0.6, 0.3])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["b", "c"]
    assert ax.get_title() == "τ = 0.5, top-k = 3" and ax.get_ylim() == (0, 1)
    assert [t.get_text() for t in fig.texts] == ["sample: Thac"]
    with pytest.raises(ValueError, match="shown"):
        head_plots.next_char_drawer(["a"], "Th", shown=2)
    with pytest.raises(TypeError, match="prompt"):
        head_plots.next_char_drawer(["a"], 3)
