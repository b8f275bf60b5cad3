"""Output layers compared: softmax cross-entropy vs one-vs-rest sigmoid (chapter 4).

Softmax turns logits into one distribution over the vocabulary; independent sigmoids
give one yes/no probability per token, which need not sum to 1. This module holds the
two losses, the renormalisation that lets the sigmoid model be scored in bits per
character, and calibration measurements.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

__all__ = [
    "softmax_cross_entropy",
    "one_vs_rest_bce",
    "renormalised_sigmoid_log_probs",
    "bits_per_symbol",
    "reliability",
    "expected_calibration_error",
]

LN2 = 0.6931471805599453


def softmax_cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """Return the mean softmax cross-entropy (nats) of integer ``labels``."""
    return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()


def one_vs_rest_bce(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """Return the mean over examples of the summed per-token binary cross-entropies (nats).

    Each vocabulary entry is an independent yes/no classifier: target 1 for the true
    token, 0 for every other. Computed with ``log_sigmoid`` so no logit overflows.
    """
    targets = jax.nn.one_hot(labels, logits.shape[-1], dtype=logits.dtype)
    return optax.sigmoid_binary_cross_entropy(logits, targets).sum(-1).mean()


def renormalised_sigmoid_log_probs(logits: jax.Array) -> jax.Array:
    """Return log(sigmoid(z_i) / sum_j sigmoid(z_j)): the sigmoid model made a distribution."""
    log_s = jax.nn.log_sigmoid(logits)
    return log_s - jax.nn.logsumexp(log_s, axis=-1, keepdims=True)


def bits_per_symbol(log_probs: jax.Array, labels: jax.Array) -> jax.Array:
    """Return the mean negative log2-probability of ``labels`` under ``log_probs`` (nats)."""
    picked = jnp.take_along_axis(log_probs, labels[..., None], axis=-1)[..., 0]
    return -picked.mean() / LN2


def reliability(probs: jax.Array, labels: jax.Array, n_bins: int = 15) -> dict[str, jax.Array]:
    """Return per-bin ``confidence``, ``accuracy`` and ``count`` of the top-1 predictions.

    Bins split the top-1 probability in [0, 1] into ``n_bins`` equal intervals.
    """
    if not isinstance(n_bins, int) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive int, got {n_bins!r}")
    confidence = probs.max(-1)
    correct = (probs.argmax(-1) == labels).astype(jnp.float32)
    bins = jnp.clip((confidence * n_bins).astype(jnp.int32), 0, n_bins - 1)
    count = jax.ops.segment_sum(jnp.ones_like(confidence), bins, n_bins)
    conf_sum = jax.ops.segment_sum(confidence, bins, n_bins)
    acc_sum = jax.ops.segment_sum(correct, bins, n_bins)
    safe = jnp.maximum(count, 1.0)
    return {"confidence": conf_sum / safe, "accuracy": acc_sum / safe, "count": count}


def expected_calibration_error(probs: jax.Array, labels: jax.Array, n_bins: int = 15) -> jax.Array:
    """Return the ECE: the count-weighted mean |accuracy - confidence| over top-1 bins."""
    r = reliability(probs, labels, n_bins)
    return jnp.sum(r["count"] * jnp.abs(r["accuracy"] - r["confidence"])) / jnp.sum(r["count"])
