"""Chapter 4's bar charts: a softmax output beside a sigmoid output, token by token.

Chapter 4 compares the two output layers on the same tokens twice: their outputs as the
logits are scaled, and the gradient each loss puts on the logits. :func:`paired_bars`
draws both in the book's series colours.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from book.plots import series_colour

__all__ = ["paired_bars"]


def paired_bars(
    ax: Axes,
    softmax_values,
    sigmoid_values,
    *,
    softmax_label: str,
    sigmoid_label: str,
    width: float = 0.4,
) -> np.ndarray:
    """Draw, for each token, softmax's bar (left) beside the sigmoid output's bar (right)
    on ``ax``, with one x tick per token; return the token positions."""
    a, b = np.asarray(softmax_values, float), np.asarray(sigmoid_values, float)
    if a.ndim != 1 or a.shape != b.shape or a.size == 0:
        raise ValueError(
            f"softmax_values and sigmoid_values must be 1-D, non-empty and as long, got "
            f"shapes {a.shape} and {b.shape}"
        )
    if not 0 < width <= 0.5:
        raise ValueError(f"width must be in (0, 0.5] so the bars do not overlap, got {width!r}")
    positions = np.arange(a.size)
    ax.bar(
        positions - width / 2, a, width=width, color=series_colour("softmax"), label=softmax_label
    )
    ax.bar(
        positions + width / 2,
        b,
        width=width,
        color=series_colour("one-vs-rest sigmoid"),
        label=sigmoid_label,
    )
    ax.set_xticks(positions)
    return positions
