"""Measurements of gradient flow and saturation (chapter 1) and of update signs (chapter 2).

Every pathology in the book is shown as a measured number before it is fixed;
these functions return those numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp

from book import activations
from book.nets import deep_stack_forward
from book.train import cross_entropy

__all__ = [
    "derivative",
    "saturated_fraction",
    "gradient_norm_per_layer",
    "activation_stats",
    "sign_uniform_fraction",
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


def gradient_norm_per_layer(
    params: dict,
    x: jax.Array,
    y: jax.Array,
    depth: jax.Array | int,
    activation_index: jax.Array | int,
    selection: Sequence[str],
    *,
    weight_scale: jax.Array | float = 1.0,
    residual: bool = False,
) -> jax.Array:
    """Return ||dL/dW_l|| (Frobenius) for hidden layers l = 1..max_depth of a deep stack.

    ``L`` is the softmax cross-entropy of labels ``y``. Entries past ``depth`` are
    zero (those layers are masked out). All of ``depth``, ``activation_index`` and
    ``weight_scale`` may be traced: one compilation serves every setting.
    """

    def loss(p):
        logits = deep_stack_forward(
            p, x, depth, activation_index, selection, weight_scale=weight_scale, residual=residual
        )
        return cross_entropy(logits, y)

    grads = jax.grad(loss)(params)
    first = jnp.linalg.norm(grads["first"]["W"])[None]
    hidden = jnp.sqrt((grads["hidden"]["W"] ** 2).sum(axis=(1, 2)))
    return jnp.concatenate([first, hidden])


def activation_stats(hidden: Sequence[jax.Array]) -> dict[str, jax.Array]:
    """Return per-layer ``mean`` and ``std`` of activations (over examples and units)."""
    return {
        "mean": jnp.stack([h.mean() for h in hidden]),
        "std": jnp.stack([h.std() for h in hidden]),
    }


def sign_uniform_fraction(gradients: jax.Array, where: jax.Array | None = None) -> jax.Array:
    """Return the fraction of weight-gradient rows whose entries all share one sign.

    ``gradients`` has shape (..., n_inputs): each row is the gradient of one neuron's
    incoming weights. A row counts when all entries are >= 0 or all are <= 0: the update
    can then only move the weight vector within one orthant (chapter 2). ``where``
    (broadcastable to the row shape ``gradients.shape[:-1]``) restricts the count to
    some rows, so a traced batch size can mask out incomplete batches.
    """
    gradients = jnp.asarray(gradients)
    if gradients.ndim < 1 or gradients.shape[-1] < 2:
        raise ValueError("gradients needs a last axis of at least 2 inputs")
    uniform = jnp.all(gradients >= 0, axis=-1) | jnp.all(gradients <= 0, axis=-1)
    if where is None:
        return uniform.mean()
    weights = jnp.broadcast_to(jnp.asarray(where, jnp.float32), uniform.shape)
    return jnp.sum(uniform * weights) / jnp.sum(weights)


def steps_to_reach(losses: jax.Array, target: jax.Array | float) -> jax.Array:
    """Return the first step index at which ``losses`` (..., steps) falls to ``target``.

    Runs that never reach it get the number of steps (a censored count: "at least").
    """
    losses = jnp.asarray(losses)
    below = losses <= jnp.asarray(target)[..., None]
    return jnp.where(below.any(-1), below.argmax(-1), losses.shape[-1])
