"""Measuring a compiled JAX function: its best wall-clock time and XLA's count of its
floating-point operations (chapter 5 compares a negative-sampling step with a full
softmax step this way)."""

from __future__ import annotations

import time
from collections.abc import Callable

import jax

__all__ = ["best_time", "xla_flops"]


def best_time(fn: Callable, *args, repeats: int = 5) -> float:
    """Return the shortest of ``repeats`` wall-clock times (seconds) of ``fn(*args)``,
    after one call that compiles and warms up (chapter 5)."""
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive int, got {repeats!r}")
    jax.block_until_ready(fn(*args))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - t0)
    return min(times)


def xla_flops(fn: Callable, *args) -> float:
    """Return the FLOP count that XLA's cost analysis gives for the compiled
    ``fn(*args)``; ``fn`` must be jitted (chapter 5)."""
    if not hasattr(fn, "lower"):
        raise TypeError("fn must be a jitted function (jax.jit(...)), which has .lower")
    cost = fn.lower(*args).compile().cost_analysis()
    return float((cost[0] if isinstance(cost, list) else cost)["flops"])
