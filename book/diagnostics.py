"""Measurements of gradient flow and saturation (chapter 1) and of update signs (chapter 2).

Every pathology in the book is shown as a measured number before it is fixed;
these functions return those numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp

from book import activations

__all__ = [
    "derivative",
    "saturated_fraction",
    "scaled_norm",
    "gradient_norm_per_layer",
    "activation_stats",
    "steps_to_reach",
]


def derivative(name: str):
    """Return the elementwise derivative f'(x) of activation ``name``, via ``vmap(grad(f))``."""
    fn = activations.get(name).fn
    scalar = jax.grad(lambda z: fn(z))

    def d(x):
        x = jnp.asarray(x, jnp.float32)
        return jax.vmap(scalar)(x.ravel()).reshape(x.shape)

    return d


def saturated_fraction(name: str, preactivations: jax.Array, threshold: float = 0.01) -> jax.Array:
    """Return the fraction of ``preactivations`` where |f'(z)| < ``threshold`` (a scalar).

    For sigmoid, f'(z) < 0.01 means |z| > 4.6: the unit passes back under 1% of the
    gradient it receives. Chapter 1 plots this against the pre-activation scale.
    """
    if not threshold > 0:
        raise ValueError(f"threshold must be positive, got {threshold!r}")
    return (jnp.abs(derivative(name)(preactivations)) < threshold).mean()


def scaled_norm(x: jax.Array, axis: int | tuple[int, ...] | None = None) -> jax.Array:
    """Return the Euclidean (Frobenius) norm of ``x`` over ``axis``, safe from underflow.

    ``sqrt(sum(x**2))`` in float32 loses every entry below about 1e-19, whose square is
    under float32's smallest normal number (about 1.2e-38), and reports 0 for a layer
    whose gradients are tiny but not zero. Dividing by ``m = max|x|`` first,
    ``m * sqrt(sum((x / m)**2))``, keeps the squares near 1. Chapter 1 measures
    gradients this small.
    """
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        raise TypeError(f"x must be a floating-point array, got dtype {x.dtype}")
    m = jnp.max(jnp.abs(x), axis=axis, keepdims=True)
    safe = jnp.where(m > 0, m, 1.0)
    norm = safe * jnp.sqrt(jnp.sum((x / safe) ** 2, axis=axis, keepdims=True))
    norm = jnp.where(m > 0, norm, 0.0)
    return jnp.squeeze(norm, axis=axis) if axis is not None else norm.reshape(())


def gradient_norm_per_layer(grads: dict | Sequence[dict]) -> jax.Array:
    """Return ``||dL/dW||`` (Frobenius, by :func:`scaled_norm`) of every layer, input first.

    ``grads`` is the gradient pytree of a network's parameters, as ``jax.grad`` returns
    it: either an MLP's list of layers ``[{"W", "b"}, ...]`` (``book.nets.init_mlp``),
    giving one norm per layer, output layer last; or a deep stack ``{"first", "hidden",
    "out"}`` (``book.nets.init_deep_stack``), giving first, each hidden layer, then out
    (``max_depth + 1`` norms). Biases are ignored. Chapter 1 explains it.
    """
    if isinstance(grads, dict):
        if set(grads) != {"first", "hidden", "out"}:
            raise ValueError(
                "grads must be a deep stack with keys first, hidden, out, or a list of "
                f"layers; got keys {sorted(grads)}"
            )
        hidden = scaled_norm(grads["hidden"]["W"], axis=(1, 2))
        first = scaled_norm(grads["first"]["W"])[None]
        out = scaled_norm(grads["out"]["W"])[None]
        return jnp.concatenate([first, hidden, out])
    if (
        isinstance(grads, (list, tuple))
        and grads
        and all(isinstance(layer, dict) and "W" in layer for layer in grads)
    ):
        return jnp.stack([scaled_norm(layer["W"]) for layer in grads])
    raise TypeError(
        "grads must be a deep stack {first, hidden, out} or a non-empty list of layers "
        f"{{'W', 'b'}}; got {type(grads).__name__}"
    )


def activation_stats(hidden: Sequence[jax.Array]) -> dict[str, jax.Array]:
    """Return per-layer ``mean`` and ``std`` of activations (over examples and units)."""
    return {
        "mean": jnp.stack([h.mean() for h in hidden]),
        "std": jnp.stack([h.std() for h in hidden]),
    }


def steps_to_reach(losses: jax.Array, target: jax.Array | float) -> jax.Array:
    """Return the first step index at which ``losses`` (..., steps) falls to ``target``.

    Runs that never reach it get the number of steps (a censored count: "at least").
    """
    losses = jnp.asarray(losses)
    below = losses <= jnp.asarray(target)[..., None]
    return jnp.where(below.any(-1), below.argmax(-1), losses.shape[-1])
