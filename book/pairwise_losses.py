"""Losses built from independent sigmoids of pairs (chapter 5).

Each loss here is a sum of binary logistic regressions, ``-log sigmoid(+-score)``, with
no normalisation over a batch or a vocabulary: SigLIP's image-text loss (compared with
CLIP's softmax contrastive loss), the Bradley-Terry reward-model loss and DPO, and
word2vec's negative sampling (compared with a full softmax over the vocabulary), and
two linear encoders of paired views with their retrieval accuracy.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import optax

__all__ = [
    "siglip_loss",
    "clip_loss",
    "bradley_terry_loss",
    "dpo_loss",
    "negative_sampling_loss",
    "full_softmax_loss",
    "prior_bias",
    "init_pair_encoders",
    "encode_pair",
    "retrieval_accuracy",
    "CONTRASTIVE_LOSSES",
]


def _check_pair(a: jax.Array, b: jax.Array) -> None:
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"embeddings must both be (batch, dim), got {a.shape} and {b.shape}")


def siglip_loss(a: jax.Array, b: jax.Array, log_t: jax.Array, bias: jax.Array) -> jax.Array:
    """Return SigLIP's pairwise sigmoid loss (Zhai et al. 2023) of matched rows.

    ``a`` and ``b`` are L2-normalised embeddings (batch, dim), row i of each a pair.
    Loss = -(1/batch) sum_ij log sigmoid(z_ij (t a_i.b_j + bias)), z_ii = +1 and
    z_ij = -1 otherwise, t = exp(log_t). Every pair is its own yes/no question: no
    normalisation over the batch. SigLIP initialises log_t = log 10 and bias = -10.
    """
    _check_pair(a, b)
    logits = jnp.exp(log_t) * a @ b.T + bias
    signs = 2.0 * jnp.eye(a.shape[0], dtype=logits.dtype) - 1.0
    return -jax.nn.log_sigmoid(signs * logits).sum() / a.shape[0]


def clip_loss(a: jax.Array, b: jax.Array, log_t: jax.Array, bias: jax.Array = 0.0) -> jax.Array:
    """Return CLIP's symmetric softmax contrastive loss (InfoNCE both ways) of matched rows.

    Each row of ``t a b^T`` is a softmax over the batch whose target is the diagonal;
    likewise each column. ``bias`` is accepted (and ignored: a softmax is unchanged by
    a constant) so both losses share one signature. CLIP initialises t = 1/0.07.
    """
    _check_pair(a, b)
    logits = jnp.exp(log_t) * a @ b.T
    labels = jnp.arange(a.shape[0])
    ce = optax.softmax_cross_entropy_with_integer_labels
    return 0.5 * (ce(logits, labels).mean() + ce(logits.T, labels).mean())


CONTRASTIVE_LOSSES = {"siglip": siglip_loss, "clip": clip_loss}
# Initial (log t, bias) of each loss, from the papers (SigLIP Sec. 3.2; CLIP's t = 1/0.07).
CONTRASTIVE_INIT = {"siglip": (math.log(10.0), -10.0), "clip": (math.log(1 / 0.07), 0.0)}


def bradley_terry_loss(r_chosen: jax.Array, r_rejected: jax.Array) -> jax.Array:
    """Return the mean reward-model loss -log sigmoid(r_w - r_l) (Bradley-Terry; InstructGPT).

    Equal to a two-class softmax cross-entropy over (r_w, r_l) with target "chosen".
    """
    if jnp.shape(r_chosen) != jnp.shape(r_rejected):
        raise ValueError("r_chosen and r_rejected must have the same shape")
    return -jax.nn.log_sigmoid(r_chosen - r_rejected).mean()


def dpo_loss(
    logp_chosen: jax.Array,
    logp_rejected: jax.Array,
    ref_logp_chosen: jax.Array,
    ref_logp_rejected: jax.Array,
    beta: float = 0.1,
) -> jax.Array:
    """Return the mean DPO loss (Rafailov et al. 2023) from sequence log-probabilities.

    -log sigmoid(beta [(log pi - log pi_ref)(y_w) - (log pi - log pi_ref)(y_l)]): the
    Bradley-Terry loss of the implicit rewards beta log(pi / pi_ref).
    """
    if not beta > 0:
        raise ValueError(f"beta must be positive, got {beta!r}")
    margin = (logp_chosen - ref_logp_chosen) - (logp_rejected - ref_logp_rejected)
    return -jax.nn.log_sigmoid(beta * margin).mean()


def negative_sampling_loss(
    center: jax.Array, out_embed: jax.Array, context: jax.Array, negatives: jax.Array
) -> jax.Array:
    """Return word2vec's negative-sampling loss (Mikolov et al. 2013, Eq. 4), batch mean.

    ``center`` (batch, d) input vectors; ``out_embed`` (vocab, d) output vectors;
    ``context`` (batch,) the true word; ``negatives`` (batch, k) noise words. Loss =
    -log sigmoid(v'_o . v_i) - sum_n log sigmoid(-v'_n . v_i): k + 1 logistic
    regressions that touch only k + 1 rows of ``out_embed``.
    """
    pos = jnp.einsum("bd,bd->b", center, out_embed[context])
    neg = jnp.einsum("bd,bkd->bk", center, out_embed[negatives])
    return -(jax.nn.log_sigmoid(pos) + jax.nn.log_sigmoid(-neg).sum(-1)).mean()


def full_softmax_loss(center: jax.Array, out_embed: jax.Array, context: jax.Array) -> jax.Array:
    """Return the full softmax cross-entropy over the whole vocabulary, batch mean."""
    logits = center @ out_embed.T
    return optax.softmax_cross_entropy_with_integer_labels(logits, context).mean()


# ------------------------------------------------------------------- two-view encoders


def prior_bias(batch: int) -> float:
    """Return ``-log(batch - 1)``: the bias at which SigLIP's sigmoid gives every pair of a
    batch the probability ``1/batch`` of matching, the fraction of its pairs that do.

    It is chapter 4's prior bias ``b = -log(V - 1)`` with the batch in place of the
    vocabulary (chapter 5). SigLIP's constant -10 is this bias for a batch of about 22,000,
    the scale of its own batches.
    """
    if isinstance(batch, bool) or not isinstance(batch, int):
        raise TypeError(f"batch must be an int, got {type(batch).__name__}")
    if batch < 2:
        raise ValueError(f"batch must be at least 2 (a pair and a mismatch), got {batch}")
    return -math.log(batch - 1)


def init_pair_encoders(
    key: jax.Array, n_a: int, n_b: int, dim: int, loss: str, bias: float | None = None
) -> dict:
    """Return two linear encoders (``A`` n_a x dim, ``B`` n_b x dim) and the loss's t, bias.

    ``loss`` is ``"siglip"`` or ``"clip"`` and chooses the papers' initial log t and bias;
    ``bias``, when given, replaces the initial bias (e.g. :func:`prior_bias`).
    """
    if loss not in CONTRASTIVE_LOSSES:
        raise ValueError(f"loss must be one of {', '.join(CONTRASTIVE_LOSSES)}; got {loss!r}")
    k_a, k_b = jax.random.split(key)
    log_t, bias = CONTRASTIVE_INIT[loss][0], CONTRASTIVE_INIT[loss][1] if bias is None else bias
    return {
        "A": jax.random.normal(k_a, (n_a, dim)) / jnp.sqrt(n_a),
        "B": jax.random.normal(k_b, (n_b, dim)) / jnp.sqrt(n_b),
        "log_t": jnp.asarray(log_t),
        "bias": jnp.asarray(bias),
    }


def encode_pair(params: dict, xa: jax.Array, xb: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Return the L2-normalised embeddings of both views."""

    def unit(z):
        return z / jnp.linalg.norm(z, axis=-1, keepdims=True).clip(1e-6)

    return unit(xa @ params["A"]), unit(xb @ params["B"])


def retrieval_accuracy(params: dict, xa: jax.Array, xb: jax.Array) -> jax.Array:
    """Return the fraction of rows of ``xa`` whose most similar row of ``xb`` is their pair."""
    a, b = encode_pair(params, xa, xb)
    return (jnp.argmax(a @ b.T, axis=1) == jnp.arange(a.shape[0])).mean()
