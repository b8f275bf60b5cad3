import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from book import pairwise_losses as pl

KEY = jax.random.key(0)


def _unit(z):
    return z / np.linalg.norm(z, axis=-1, keepdims=True)


def test_siglip_loss_is_a_sum_of_independent_logistic_regressions():
    a = _unit(np.random.default_rng(0).normal(size=(3, 4)))
    b = _unit(np.random.default_rng(1).normal(size=(3, 4)))
    t, bias = 10.0, -10.0
    expected = 0.0
    for i, j in itertools.product(range(3), range(3)):
        z = 1.0 if i == j else -1.0
        expected -= math.log(1 / (1 + math.exp(-z * (t * a[i] @ b[j] + bias))))
    got = pl.siglip_loss(jnp.asarray(a), jnp.asarray(b), jnp.log(t), jnp.asarray(bias))
    np.testing.assert_allclose(float(got), expected / 3, rtol=1e-5)


def test_clip_loss_matches_a_hand_computed_infonce():
    a = _unit(np.random.default_rng(2).normal(size=(4, 5)))
    b = _unit(np.random.default_rng(3).normal(size=(4, 5)))
    s = 7.0 * a @ b.T
    rows = -np.mean([s[i, i] - np.log(np.exp(s[i]).sum()) for i in range(4)])
    cols = -np.mean([s[i, i] - np.log(np.exp(s[:, i]).sum()) for i in range(4)])
    got = pl.clip_loss(jnp.asarray(a), jnp.asarray(b), jnp.log(7.0), 3.0)
    np.testing.assert_allclose(float(got), (rows + cols) / 2, rtol=1e-5)
    with pytest.raises(ValueError, match="embeddings"):
        pl.clip_loss(jnp.zeros((2, 3)), jnp.zeros((3, 3)), 0.0)


def test_bradley_terry_equals_two_class_softmax_and_dpo_reduces_to_it():
    rw, rl = jnp.array([1.0, -2.0, 0.3]), jnp.array([0.5, 1.0, 0.3])
    softmax_ce = -np.mean(np.log(np.exp(rw) / (np.exp(rw) + np.exp(rl))))
    np.testing.assert_allclose(float(pl.bradley_terry_loss(rw, rl)), softmax_ce, rtol=1e-6)
    # With a reference of zero log-probabilities, DPO is Bradley-Terry on beta log pi.
    zero = jnp.zeros(3)
    np.testing.assert_allclose(
        float(pl.dpo_loss(rw, rl, zero, zero, beta=0.5)),
        float(pl.bradley_terry_loss(0.5 * rw, 0.5 * rl)),
        rtol=1e-6,
    )
    with pytest.raises(ValueError, match="beta"):
        pl.dpo_loss(rw, rl, zero, zero, beta=0.0)
    with pytest.raises(ValueError, match="shape"):
        pl.bradley_terry_loss(rw, rl[:2])


def test_negative_sampling_touches_only_k_plus_one_output_rows():
    V, d, k = 50, 6, 3
    out = jax.random.normal(KEY, (V, d))
    center = jax.random.normal(jax.random.key(1), (1, d))
    context, negatives = jnp.array([7]), jnp.array([[1, 2, 3]])
    g = jax.grad(lambda o: pl.negative_sampling_loss(center, o, context, negatives))(out)
    touched = set(np.nonzero(np.abs(np.asarray(g)).sum(1))[0].tolist())
    assert touched == {1, 2, 3, 7}
    g_full = jax.grad(lambda o: pl.full_softmax_loss(center, o, context))(out)
    assert np.count_nonzero(np.abs(np.asarray(g_full)).sum(1)) == V
    # the loss is k + 1 binary cross-entropies, labels 1 then 0s
    z = np.asarray(out)[[7, 1, 2, 3]] @ np.asarray(center[0])
    bce = np.log1p(np.exp(-z[0])) + np.log1p(np.exp(z[1:])).sum()
    np.testing.assert_allclose(
        float(pl.negative_sampling_loss(center, out, context, negatives)), bce, rtol=1e-5
    )
    assert k == negatives.shape[1]


def test_pair_encoders_and_retrieval():
    p = pl.init_pair_encoders(KEY, 5, 5, 4, "siglip")
    np.testing.assert_allclose(float(p["log_t"]), math.log(10.0))
    assert float(p["bias"]) == -10.0
    # identical views through identical encoders retrieve every pair
    p["B"] = p["A"]
    x = jax.random.normal(jax.random.key(3), (20, 5))
    assert float(pl.retrieval_accuracy(p, x, x)) == 1.0
    with pytest.raises(ValueError, match="loss must be one of"):
        pl.init_pair_encoders(KEY, 5, 5, 4, "triplet")


def test_prior_bias_makes_every_pair_as_likely_as_the_share_of_matches():
    for batch in (2, 4, 128, 22_027):
        p = float(jax.nn.sigmoid(pl.prior_bias(batch)))
        assert p == pytest.approx(1 / batch, rel=1e-6)
    assert pl.prior_bias(22_027) == pytest.approx(-10.0, abs=1e-3)  # SigLIP's constant
    with pytest.raises(ValueError, match="batch must be at least 2"):
        pl.prior_bias(1)
    with pytest.raises(TypeError, match="batch must be an int"):
        pl.prior_bias(4.0)
