"""Chapter 4's paired bar chart draws what it is given, where it says."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex

from book.head_plots import paired_bars


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
