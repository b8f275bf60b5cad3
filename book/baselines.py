"""Reference scores chapter 4's heads are judged against.

- :func:`context_count_bits`: bits per character of a table of counts of the next
  character given the previous ``order`` characters (add-``smoothing``), a model that
  needs no training and so tells how hard a split is in itself;
- :func:`calibrated_ece_threshold`: the 95th percentile of the expected calibration error
  that a *perfectly* calibrated model with the same confidences shows on as many
  positions, by simulation: a model's ECE above it is more than sampling noise;
- :func:`ece_and_threshold` and :func:`ece_report`: every seed's ECE beside that threshold;
- :func:`pydoc_topic_at`: which documentation topic a position of the text falls in.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from book.losses import expected_calibration_error
from book.stats import mean_ci

__all__ = [
    "context_count_bits",
    "calibrated_ece_threshold",
    "ece_and_threshold",
    "ece_report",
    "pydoc_topic_at",
]


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


def ece_and_threshold(
    probs_per_seed, labels: jax.Array, key: jax.Array
) -> tuple[np.ndarray, float]:
    """Return each seed's expected calibration error on ``labels`` and the
    :func:`calibrated_ece_threshold` of the first seed's confidences (chapter 4)."""
    probs_per_seed = list(probs_per_seed)
    if not probs_per_seed:
        raise ValueError("probs_per_seed must hold one (positions, classes) array per seed")
    eces = np.array([float(expected_calibration_error(p, labels)) for p in probs_per_seed])
    return eces, calibrated_ece_threshold(probs_per_seed[0], key)


def ece_report(ece: dict, threshold: dict, heads, splits) -> str:
    """Return one line per head: on each split the mean ECE over seeds, its 95% interval
    half-width and the threshold; ``ece`` and ``threshold`` are keyed by (head, split)."""
    heads, splits = list(heads), list(splits)
    missing = [
        (h, s) for h in heads for s in splits if (h, s) not in ece or (h, s) not in threshold
    ]
    if missing:
        raise ValueError(f"ece and threshold must hold every (head, split), missing {missing}")
    return "\n".join(
        f"{head:24s} ECE "
        + "; ".join(
            f"{split} {ece[head, split].mean():.3f} ± {mean_ci(ece[head, split])[1]:.3f} "
            f"(threshold {threshold[head, split]:.3f})"
            for split in splits
        )
        for head in heads
    )


def pydoc_topic_at(position: int) -> str:
    """Return the name of the documentation topic that character ``position`` of
    :func:`book.data.load_pydoc_text` falls in (topics in sorted order; chapter 4)."""
    from pydoc_data.topics import topics

    names = sorted(topics)
    starts = np.cumsum([0] + [len(topics[k]) + 1 for k in names])
    if not isinstance(position, (int, np.integer)) or not 0 <= position < starts[-1] - 1:
        raise ValueError(f"position must be an int in [0, {starts[-1] - 1}), got {position!r}")
    return names[np.searchsorted(starts, position, side="right") - 1]
