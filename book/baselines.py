"""Reference scores chapter 4's heads are judged against.

- :func:`context_count_bits`: bits per character of a table of counts of the next
  character given the previous ``order`` characters (add-``smoothing``), a model that
  needs no training and so tells how hard a split is in itself;
- :func:`calibrated_ece_threshold`: the 95th percentile of the expected calibration error
  that a *perfectly* calibrated model with the same confidences shows on as many
  positions, by simulation: a model's ECE above it is more than sampling noise.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["context_count_bits", "calibrated_ece_threshold"]


def _context_index(contexts: np.ndarray, order: int, vocab_size: int) -> np.ndarray:
    index = np.zeros(contexts.shape[0], dtype=np.int64)
    for j in range(contexts.shape[1] - order, contexts.shape[1]):
        index = index * vocab_size + contexts[:, j]
    return index


def _counts_of(keys: np.ndarray, counted: np.ndarray) -> np.ndarray:
    unique, counts = np.unique(counted, return_counts=True)
    pos = np.clip(np.searchsorted(unique, keys), 0, max(unique.size - 1, 0))
    return np.where(unique[pos] == keys, counts[pos], 0)


def context_count_bits(
    train: tuple[np.ndarray, np.ndarray],
    evaluate: tuple[np.ndarray, np.ndarray],
    order: int,
    vocab_size: int,
    smoothing: float = 0.1,
) -> float:
    """Return the mean bits per symbol on ``evaluate`` of a count model fitted on ``train``.

    Each is ``(contexts, targets)``: contexts (n, context) of integer symbols, the next
    symbol after each. The model predicts ``(count(c, y) + k) / (count(c) + k V)`` from the
    last ``order`` symbols ``c`` of the context (order 0: symbol frequencies). Chapter 4.
    """
    (xt, yt), (xe, ye) = (
        tuple(np.asarray(a).astype(np.int64) for a in pair) for pair in (train, evaluate)
    )
    if xt.ndim != 2 or xe.ndim != 2 or xt.shape[1] != xe.shape[1]:
        raise ValueError(f"contexts must be 2-D and as wide, got {xt.shape} and {xe.shape}")
    if xt.shape[0] != yt.shape[0] or xe.shape[0] != ye.shape[0] or yt.size == 0:
        raise ValueError("each split needs one target per context, and train at least one")
    if not isinstance(order, int) or not 0 <= order <= xt.shape[1]:
        raise ValueError(f"order must be an int in [0, {xt.shape[1]}], got {order!r}")
    if not smoothing > 0:
        raise ValueError(f"smoothing must be positive, got {smoothing!r}")
    for name, a in (
        ("train", np.concatenate([xt.ravel(), yt])),
        ("evaluate", np.r_[xe.ravel(), ye]),
    ):
        if a.size and (a.min() < 0 or a.max() >= vocab_size):
            raise ValueError(f"{name} symbols must lie in [0, {vocab_size})")
    ct, ce = (_context_index(x, order, vocab_size) for x in (xt, xe))
    joint = _counts_of(ce * vocab_size + ye, ct * vocab_size + yt)
    context = _counts_of(ce, ct)
    p = (joint + smoothing) / (context + smoothing * vocab_size)
    return float(-np.log2(p).mean())


def calibrated_ece_threshold(
    probs: jax.Array, key: jax.Array, draws: int = 400, n_bins: int = 15, level: float = 95.0
) -> float:
    """Return the ``level`` percentile of the ECE (``n_bins`` top-1 bins) of a perfectly
    calibrated model with the top-1 confidences of ``probs`` (positions, classes): each
    position is right with probability equal to its confidence, ``draws`` times."""
    if probs.ndim != 2:
        raise ValueError(f"probs must be (positions, classes), got shape {probs.shape}")
    if not isinstance(draws, int) or draws < 1 or not isinstance(n_bins, int) or n_bins < 1:
        raise ValueError(f"draws and n_bins must be positive ints, got {draws!r}, {n_bins!r}")
    if not 0 < level < 100:
        raise ValueError(f"level must be a percentile in (0, 100), got {level!r}")
    conf = probs.max(-1)
    bins = jnp.clip((conf * n_bins).astype(jnp.int32), 0, n_bins - 1)
    count = jax.ops.segment_sum(jnp.ones_like(conf), bins, n_bins)
    conf_sum = jax.ops.segment_sum(conf, bins, n_bins)

    def one_draw(k):
        right = (jax.random.uniform(k, conf.shape) < conf).astype(jnp.float32)
        acc_sum = jax.ops.segment_sum(right, bins, n_bins)
        return jnp.abs(acc_sum - conf_sum).sum() / count.sum()

    eces = jax.vmap(one_draw)(jax.random.split(key, draws))
    return float(jnp.percentile(eces, level))
