"""Count models of text: the baselines a language model must beat (chapter 3).

An order-``n`` model predicts the next symbol from the ``n - 1`` before it, with
probabilities from counts on the training split smoothed by adding ``k`` to every
count: ``p(y | c) = (count(c, y) + k) / (count(c) + k V)``. Order 1 is the unigram
model (symbol frequencies: what a transformer's output bias alone can learn), order 2
the bigram, order 3 the trigram. Scored on the same windows as the transformer: every
symbol of a window after the first, each from the window's own preceding symbols (at
the start of a window, where fewer are available, the next lower order is used).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["CountModel", "fit_count_model", "window_bits", "tune_smoothing"]

SMOOTHING_GRID = (1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)


@dataclass(frozen=True)
class CountModel:
    """Counts of every order up to ``order`` over a vocabulary of ``vocab_size``;
    ``counts[m - 1]`` has ``m`` axes (context symbols, then the next symbol)."""

    order: int
    vocab_size: int
    counts: tuple[np.ndarray, ...]


def _check_tokens(tokens, vocab_size: int, name: str) -> np.ndarray:
    x = np.asarray(tokens)
    if not np.issubdtype(x.dtype, np.integer):
        raise TypeError(f"{name} must hold integer symbols, got dtype {x.dtype}")
    if x.size and (x.min() < 0 or x.max() >= vocab_size):
        raise ValueError(f"{name} must hold symbols in [0, {vocab_size}), got {x.min()}..{x.max()}")
    return x.astype(np.int64)


def fit_count_model(tokens, order: int, vocab_size: int) -> CountModel:
    """Return the :class:`CountModel` of orders 1 to ``order`` (1-3) counted on the 1-D
    ``tokens`` of the training split."""
    if not isinstance(order, int) or not 1 <= order <= 3:
        raise ValueError(f"order must be 1, 2 or 3, got {order!r}")
    if not isinstance(vocab_size, int) or vocab_size < 2:
        raise ValueError(f"vocab_size must be an int >= 2, got {vocab_size!r}")
    x = _check_tokens(tokens, vocab_size, "tokens")
    if x.ndim != 1 or x.size < order:
        raise ValueError(f"tokens must be 1-D with at least {order} symbols")
    counts = []
    for m in range(1, order + 1):
        flat = np.zeros(vocab_size**m, dtype=np.int64)
        index = np.zeros(x.size - m + 1, dtype=np.int64)
        for j in range(m):
            index = index * vocab_size + x[j : x.size - m + 1 + j]
        np.add.at(flat, index, 1)
        counts.append(flat.reshape((vocab_size,) * m))
    return CountModel(order, vocab_size, tuple(counts))


def window_bits(model: CountModel, windows, k: float) -> float:
    """Return the mean bits per symbol of ``model`` with add-``k`` smoothing over every
    symbol after the first of each row of ``windows`` (shape (n, length))."""
    if not isinstance(model, CountModel):
        raise TypeError(f"model must be a CountModel, got {type(model).__name__}")
    if not k > 0:
        raise ValueError(f"k must be positive, got {k!r}")
    w = _check_tokens(windows, model.vocab_size, "windows")
    if w.ndim != 2 or w.shape[1] < 2:
        raise ValueError(f"windows must be (n, length >= 2), got shape {w.shape}")
    V, total, count = model.vocab_size, 0.0, 0
    for t in range(1, w.shape[1]):  # predict w[:, t] from w[:, :t]
        m = min(model.order, t + 1)  # context of m - 1 symbols
        joint = model.counts[m - 1]
        context = model.counts[m - 2].reshape(-1) if m > 1 else None
        index = np.zeros(w.shape[0], dtype=np.int64)
        for j in range(t - m + 1, t):
            index = index * V + w[:, j]
        c_joint = joint.reshape(-1)[index * V + w[:, t]]
        c_context = context[index] if context is not None else joint.sum()
        p = (c_joint + k) / (c_context + k * V)
        total += -np.log2(p).sum()
        count += w.shape[0]
    return float(total / count)


def tune_smoothing(
    model: CountModel, val_windows, grid: Sequence[float] = SMOOTHING_GRID
) -> tuple[float, bool]:
    """Return ``(k, edge)``: the smoothing of ``grid`` with the lowest bits on the
    validation windows, and whether it is at the grid's edge."""
    if len(grid) < 2 or any(not g > 0 for g in grid):
        raise ValueError(f"grid must hold 2+ positive values, got {grid!r}")
    bits = [window_bits(model, val_windows, k) for k in grid]
    best = int(np.argmin(bits))
    if not all(math.isfinite(b) for b in bits):
        raise ValueError("a smoothing of the grid gave non-finite bits")
    return float(grid[best]), best in (0, len(grid) - 1)
