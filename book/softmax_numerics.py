"""Where a naive softmax or log-sigmoid stops being finite, dtype by dtype (chapter 4).

Chapter 4 scans logits of growing size through a naive and a stable cross-entropy in
float16, bfloat16 and float32. :func:`first_nonfinite` finds where a scan first fails;
:func:`two_logit_scan` runs chapter 4's two scans (equal logits, and a growing gap) for
every dtype; :func:`scan_report` prints what they found.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["first_nonfinite", "two_logit_scan", "scan_report"]


def first_nonfinite(values: jax.Array, positions: jax.Array) -> float | None:
    """Return ``positions[i]`` for the first ``i`` at which ``values`` (any float dtype,
    read as float32) is infinite or NaN, or ``None`` if every value is finite. Checked in
    NumPy: no compilation per dtype and length."""
    values, positions = np.asarray(values), np.asarray(positions)
    if values.ndim != 1 or values.shape != positions.shape:
        raise ValueError(
            f"values and positions must be 1-D and as long, got shapes {values.shape} "
            f"and {positions.shape}"
        )
    bad = ~np.isfinite(values.astype(np.float32))
    return float(positions[np.argmax(bad)]) if bad.any() else None


def two_logit_scan(
    naive: Callable[[jax.Array], jax.Array],
    stable: Callable[[jax.Array], jax.Array],
    scan: jax.Array,
    dtypes: Mapping[str, object],
) -> tuple[dict, dict, dict]:
    """Run two-logit cross-entropies over ``scan`` in each of ``dtypes`` (name -> dtype).

    The logits are ``(s, s)`` (equal, growing) and ``(0, -g)`` (a growing gap) for each
    value of ``scan``. Returns three dicts keyed by dtype name: where ``naive`` first fails
    on equal logits, where it first fails on the gap (:func:`first_nonfinite`, ``None``
    if never), and whether ``stable`` stayed finite on both scans.
    """
    if not callable(naive) or not callable(stable):
        raise TypeError("naive and stable must be callables taking (n, 2) logits")
    scan = np.asarray(scan, np.float32)
    if scan.ndim != 1 or scan.size == 0:
        raise ValueError(f"scan must be a non-empty 1-D array, got shape {scan.shape}")
    if not dtypes:
        raise ValueError("dtypes must name at least one dtype")
    equal_fail, gap_fail, stable_ok = {}, {}, {}
    for name, dtype in dtypes.items():
        equal = jnp.asarray(np.stack([scan, scan], -1)).astype(dtype)
        gapped = jnp.asarray(np.stack([np.zeros_like(scan), -scan], -1)).astype(dtype)
        equal_fail[name] = first_nonfinite(naive(equal), scan)
        gap_fail[name] = first_nonfinite(naive(gapped), scan)
        stable_ok[name] = all(
            bool(np.isfinite(np.asarray(stable(z)).astype(np.float32)).all())
            for z in (equal, gapped)
        )
    return equal_fail, gap_fail, stable_ok


def scan_report(equal_fail: Mapping, gap_fail: Mapping, stable_ok: Mapping) -> str:
    """Return one line per dtype of :func:`two_logit_scan`'s results (chapter 4)."""
    if not set(equal_fail) == set(gap_fail) == set(stable_ok):
        raise ValueError("equal_fail, gap_fail and stable_ok must name the same dtypes")
    return "\n".join(
        f"{name:9s} naive fails at equal logits s = {equal_fail[name]:6.2f}, at gap g "
        f"= {gap_fail[name]:6.2f}; log_softmax always finite: {stable_ok[name]}"
        for name in equal_fail
    )
