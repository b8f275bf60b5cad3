"""Every loss and metric of the book in one place.

- ``cross_entropy`` (also named ``softmax_cross_entropy``) and ``accuracy`` score the
  classifiers of chapters 1 and 2;
- ``one_vs_rest_bce``, ``renormalised_sigmoid_log_probs``, ``bits_per_symbol``,
  ``reliability`` and ``expected_calibration_error`` compare softmax with independent
  sigmoids at the output layer (chapter 4).

Softmax turns logits into one distribution over the classes; independent sigmoids give
one yes/no probability per class, which need not sum to 1.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

__all__ = [
    "cross_entropy",
    "softmax_cross_entropy",
    "accuracy",
    "one_vs_rest_bce",
    "renormalised_sigmoid_log_probs",
    "bits_per_symbol",
    "reliability",
    "expected_calibration_error",
]

LN2 = 0.6931471805599453


def cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """Return the mean softmax cross-entropy (nats) of integer ``labels`` under ``logits``."""
    return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()


softmax_cross_entropy = cross_entropy  # chapter 4's name, beside ``one_vs_rest_bce``


def accuracy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """Return the fraction of rows whose arg-max logit is the label."""
    return (logits.argmax(-1) == labels).mean()


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
