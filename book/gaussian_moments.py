"""Means and variances of activations of a standard normal input (chapter 2).

Three independent ways to compute E[f(Z)] and Var f(Z) for Z ~ N(0, 1): float64
adaptive quadrature (:func:`quadrature`), a trapezoid rule on a fine grid that works on
the book's JAX activations (:func:`trapezoid`), and Monte Carlo (done in the chapter).
Chapter 2 compares them and asks how far from zero each activation's mean sits.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from scipy import integrate

from book.activations import display_name

__all__ = ["quadrature", "trapezoid", "print_moments"]


def _check_callable(f: object) -> None:
    if not callable(f):
        raise TypeError(f"f must be a function of an array, got {type(f).__name__}")


def quadrature(f: Callable[[np.ndarray], np.ndarray]) -> tuple[float, float]:
    """Return (E[f(Z)], Var f(Z)) for Z ~ N(0, 1) by float64 adaptive quadrature, each
    integral split at 0 (ReLU's kink). ``f`` takes and returns NumPy values."""
    _check_callable(f)

    def moment(power: int) -> float:
        def integrand(x):
            return f(x) ** power * np.exp(-x * x / 2)

        halves = [
            integrate.quad(integrand, lo, hi, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
            for lo, hi in ((-np.inf, 0.0), (0.0, np.inf))
        ]
        return sum(halves) / np.sqrt(2 * np.pi)

    mean = moment(1)
    return mean, moment(2) - mean**2


def trapezoid(
    f: Callable[[jax.Array], jax.Array], half_width: float = 12.0, points: int = 24_001
) -> tuple[float, float]:
    """Return (E[f(Z)], Var f(Z)) for Z ~ N(0, 1) by the trapezoid rule on ``points``
    nodes over [-half_width, half_width] (the end terms are ~0), weights normalised. A
    mean under 5e-6 in size is returned as 0 (float32 rounding residue)."""
    _check_callable(f)
    if half_width <= 0:
        raise ValueError(f"half_width must be positive, got {half_width}")
    if isinstance(points, bool) or not isinstance(points, int) or points < 3:
        raise ValueError(f"points must be an int of at least 3, got {points!r}")

    @jax.jit  # one compilation per f (eager, each operation would compile)
    def raw_moments():
        nodes = jnp.linspace(-half_width, half_width, points)
        weights = jax.scipy.stats.norm.pdf(nodes)
        weights = weights / weights.sum()
        return weights @ f(nodes), weights @ f(nodes) ** 2

    first, second = (float(m) for m in raw_moments())
    mean = 0.0 if abs(first) < 5e-6 else first
    return mean, second - mean**2


def print_moments(moments: dict, reference: dict) -> None:
    """Print, per activation, the trapezoid mean and variance (``moments[name][:2]``)
    beside Monte Carlo (``moments[name][2:]``) and quadrature (``reference[name]``), and
    the mean in standard deviations."""
    if not isinstance(moments, dict) or not moments:
        raise TypeError("moments must be a non-empty dict of (mean, var, MC mean, MC var)")
    missing = [n for n in moments if n not in reference]
    if missing:
        raise ValueError(f"reference lacks {missing}")
    for name, (mean_q, var_q, mean_mc, var_mc) in moments.items():
        print(
            f"{display_name(name):8s} mean {mean_q:8.5f} (MC {mean_mc:8.5f}, quad "
            f"{abs(reference[name][0]):.5f})   var {var_q:.4f} (MC {var_mc:.4f}, "
            f"quad {reference[name][1]:.4f})   mean/std {mean_q / np.sqrt(var_q):5.2f}"
        )
