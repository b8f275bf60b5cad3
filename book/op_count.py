"""Counting primitive operations in a function's jaxpr (chapter 5 counts sigmoids).

``jax.make_jaxpr`` traces a function into its primitive operations without running it,
so abstract arrays (``jax.ShapeDtypeStruct``) of any size cost no memory.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import numpy as np

__all__ = ["count_sigmoids"]


def _count_in_jaxpr(jaxpr, primitive: str) -> int:
    total = 0
    for eqn in jaxpr.eqns:
        if eqn.primitive.name == primitive:
            total += sum(int(np.prod(v.aval.shape)) for v in eqn.outvars)
        for param in eqn.params.values():
            for inner in param if isinstance(param, (tuple, list)) else (param,):
                if hasattr(inner, "jaxpr") and hasattr(inner.jaxpr, "eqns"):
                    total += _count_in_jaxpr(inner.jaxpr, primitive)  # ClosedJaxpr
                elif hasattr(inner, "eqns"):
                    total += _count_in_jaxpr(inner, primitive)  # Jaxpr
    return total


def count_sigmoids(fn: Callable, *args) -> int:
    """Return how many sigmoids (XLA's ``logistic``) one call ``fn(*args)`` evaluates.

    ``args`` may be arrays or ``jax.ShapeDtypeStruct`` (nothing is computed: the count
    is read from the traced program, including nested jitted calls). Loops (``scan``,
    ``while``) are counted once per body, not per iteration. Chapter 5.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    closed = jax.make_jaxpr(fn)(*args)
    return _count_in_jaxpr(closed.jaxpr, "logistic")


# ----------------------------------------------------------------------------- the LSTM
