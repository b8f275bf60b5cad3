"""Summaries of repeated runs: means with confidence intervals (chapter 2 on).

A single seed cannot carry a conclusion; every comparison in the book reports the mean
over seeds with a Student-t confidence interval.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as _stats

__all__ = ["mean_ci"]


def mean_ci(samples, level: float = 0.95) -> tuple[float, float]:
    """Return ``(mean, half_width)`` of the Student-t confidence interval of ``samples``.

    ``samples`` is a 1-D sequence of at least two finite numbers (one per seed).
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"samples must be 1-D with at least 2 values, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("samples must be finite")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    half = _stats.t.ppf(0.5 + level / 2, df=x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
    return float(x.mean()), float(half)
