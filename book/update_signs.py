"""How often a weight update moves all of a neuron's weights one way (chapter 2).

A neuron whose inputs are all positive (sigmoid outputs) gets per-example weight
gradients ``δ·h`` whose components share the sign of ``δ``: the update can grow all its
weights or shrink them all, never some of each. These functions count such
*sign-uniform* rows, with a relative tolerance, one example at a time and after batch
averaging. Chapter 2 explains them.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from book.activations import display_name

__all__ = [
    "minority_share",
    "median_minority_share",
    "sign_uniform_share",
    "batch_uniform_shares",
    "print_sign_shares",
    "print_batch_table",
]

TOL = 0.01


def _rows(rows: jax.Array) -> jax.Array:
    rows = jnp.asarray(rows)
    if not jnp.issubdtype(rows.dtype, jnp.floating):
        raise TypeError(f"rows must be a floating-point array, got dtype {rows.dtype}")
    if rows.ndim < 1 or rows.shape[-1] < 2:
        raise ValueError(f"rows needs a last axis of at least 2 components, got shape {rows.shape}")
    return rows


def _check_tol(tol: float) -> float:
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < 0.5:
        raise ValueError(f"tol must be a number in [0, 0.5), got {tol!r}")
    return float(tol)


def minority_share(rows: jax.Array) -> jax.Array:
    """Return, per row, the share of its magnitude (L1 norm) carried by its minority sign.

    ``rows`` has shape (..., n): each row is one update of a neuron's n incoming weights.
    The result, shape ``rows.shape[:-1]``, lies in [0, 0.5]: 0 when every component has
    one sign, 0.5 when positive and negative components balance. All-zero rows give 0.
    """
    rows = _rows(rows)
    positive = jnp.sum(jnp.maximum(rows, 0), axis=-1)
    negative = jnp.sum(jnp.maximum(-rows, 0), axis=-1)
    total = positive + negative
    return jnp.minimum(positive, negative) / jnp.where(total > 0, total, 1.0)


def median_minority_share(rows: jax.Array) -> jax.Array:
    """Return the median :func:`minority_share` of the non-zero rows (a scalar).

    All-zero rows move nothing and are left out, as in :func:`sign_uniform_share`; the
    result is NaN when every row is zero. Traceable under ``jit``.
    """
    return _median_minority_share(_rows(rows))


@jax.jit  # one compilation per shape (eager, each operation would compile)
def _median_minority_share(rows: jax.Array) -> jax.Array:
    counted = jnp.any(rows != 0, axis=-1)
    return jnp.nanmedian(jnp.where(counted, minority_share(rows), jnp.nan))


def sign_uniform_share(
    rows: jax.Array, tol: float = TOL, where: jax.Array | None = None
) -> jax.Array:
    """Return the share of non-zero rows that are sign-uniform up to ``tol`` (a scalar).

    A row counts when the components of its minority sign carry at most ``tol`` of its
    L1 norm (:func:`minority_share`): at least ``1 - tol`` of the update then moves every
    weight the same way, whatever the row's scale or length. ``tol=0`` asks for strictly
    one sign (zeros fit either). All-zero rows move nothing and are left out; ``where``
    (broadcastable to ``rows.shape[:-1]``) leaves out more. Traceable under ``jit``.
    """
    return _sign_uniform_share(_rows(rows), _check_tol(tol), where)


@functools.partial(jax.jit, static_argnames="tol")  # one compilation per shape and tol
def _sign_uniform_share(rows: jax.Array, tol: float, where: jax.Array | None) -> jax.Array:
    counted = jnp.any(rows != 0, axis=-1)
    if where is not None:
        counted = counted & jnp.broadcast_to(jnp.asarray(where, bool), counted.shape)
    uniform = (minority_share(rows) <= tol) & counted
    return jnp.sum(uniform) / jnp.maximum(jnp.sum(counted), 1)


def batch_uniform_shares(
    per_example: jax.Array,
    delta: jax.Array,
    inputs: jax.Array,
    batch_weights: jax.Array,
    tol: float = TOL,
) -> tuple[jax.Array, jax.Array]:
    """Return the sign-uniform share of batch-averaged updates, with and without δ̄h̄.

    ``per_example`` (examples, neurons, inputs) holds the per-example gradients δ·h of
    one layer, ``delta`` (examples, neurons) the δ of each neuron and ``inputs``
    (examples, inputs) the h that layer receives. ``batch_weights`` (batches, examples)
    averages examples into batches (1/B on the B examples of a batch, else 0). The
    average update splits as δ̄h̄ + Cov(δ, h); the second share counts the update
    without the mean term δ̄h̄. Traceable under ``jit`` (the batch size may be traced).
    """
    per_example, delta, inputs = (jnp.asarray(a) for a in (per_example, delta, inputs))
    batch_weights = jnp.asarray(batch_weights)
    if per_example.ndim != 3 or delta.shape != per_example.shape[:2]:
        raise ValueError(
            "per_example must be (examples, neurons, inputs) and delta (examples, neurons); "
            f"got {per_example.shape} and {delta.shape}"
        )
    if inputs.shape != (per_example.shape[0], per_example.shape[2]):
        raise ValueError(f"inputs must be (examples, inputs), got {inputs.shape}")
    if batch_weights.ndim != 2 or batch_weights.shape[1] != per_example.shape[0]:
        raise ValueError(f"batch_weights must be (batches, examples), got {batch_weights.shape}")
    update = jnp.einsum("be,eni->bni", batch_weights, per_example)
    mean_term = (batch_weights @ delta)[:, :, None] * (batch_weights @ inputs)[:, None, :]
    return sign_uniform_share(update, tol), sign_uniform_share(update - mean_term, tol)


def print_sign_shares(grads: dict, share: dict, against: dict, tol: float = TOL) -> None:
    """Print, per activation feeding the layer, the share of per-example rows of ``grads``
    (activation: (examples, neurons, inputs)) that are sign-uniform within ``tol`` and
    strictly (``share[name, tol]``, ``share[name, 0.0]``), the median share ``against[name]``
    against the majority sign, and the share of all-zero rows. Chapter 2 explains them."""
    tol = _check_tol(tol)
    if not isinstance(grads, dict) or not grads:
        raise TypeError("grads must be a non-empty dict of per-example gradients by activation")
    for name in grads:
        if (name, tol) not in share or (name, 0.0) not in share or name not in against:
            raise ValueError(f"share and against need entries for {name!r} at tol {tol} and 0")
    first = next(iter(grads.values()))
    rows = first.shape[0] * first.shape[1]
    print(
        f"{rows} (example, neuron) rows each; sign-uniform within {tol:.0%} (strictly); "
        "median share against the majority sign (non-zero rows)"
    )
    for name, g in grads.items():
        zero = float(jnp.all(g == 0, axis=-1).mean())
        print(
            f"{display_name(name):8s} inputs: {100 * share[name, tol]:5.1f}% "
            f"({100 * share[name, 0.0]:5.1f}%)   {100 * against[name]:4.1f}%   "
            f"({100 * zero:4.1f}% of rows all zero, left out)"
        )


def print_batch_table(curves: dict, without_mean: dict, batches: list[int]) -> None:
    """Print the sign-uniform share (%) of batch-averaged updates per batch size of
    ``batches`` for each activation of ``curves`` (one share per batch), and sigmoid's
    share without the mean term δ̄h̄ (``without_mean["sigmoid"]``, one per batch from the
    second on). Chapter 2 explains the table."""
    batches = list(batches)
    if not isinstance(curves, dict) or not curves:
        raise TypeError("curves must be a non-empty dict of shares by activation")
    if any(np.shape(c) != (len(batches),) for c in curves.values()):
        raise ValueError(f"each curve must hold one share per batch size ({len(batches)})")
    if np.shape(without_mean.get("sigmoid")) != (len(batches) - 1,):
        raise ValueError("without_mean['sigmoid'] must hold one share per batch after the first")
    print(
        f"{'sign-uniform updates (%)':26s}"
        + "".join(f"{display_name(n):>9s}" for n in curves)
        + "   sigmoid, no mean term"
    )
    for i, b in enumerate(batches):
        rest = f"{100 * without_mean['sigmoid'][i - 1]:9.1f}" if i else "        –"
        label = "batch 1, every example" if b == 1 else f"batch {b:>3}"
        print(f"{label:26s}" + "".join(f"{100 * curves[n][i]:9.1f}" for n in curves) + "   " + rest)
