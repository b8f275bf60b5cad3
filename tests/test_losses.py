import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from book import losses


def test_losses_match_their_definitions():
    z = jnp.array([[2.0, -1.0, 0.5], [0.0, 0.0, 3.0]])
    y = jnp.array([0, 2])
    ce = -np.mean(
        [np.log(np.exp(2) / np.exp([2, -1, 0.5]).sum()), np.log(np.exp(3) / (2 + np.exp(3)))]
    )
    np.testing.assert_allclose(losses.softmax_cross_entropy(z, y), ce, rtol=1e-5)
    s = 1 / (1 + np.exp(-np.asarray(z)))
    t = np.eye(3)[[0, 2]]
    bce = -(t * np.log(s) + (1 - t) * np.log(1 - s)).sum(1).mean()
    np.testing.assert_allclose(losses.one_vs_rest_bce(z, y), bce, rtol=1e-5)


@settings(max_examples=40, deadline=None)
@given(scale=st.floats(min_value=0.01, max_value=1e4))
def test_renormalised_sigmoid_is_a_finite_distribution(scale):
    z = scale * jnp.array([[1.0, -2.0, 0.3, -0.7]])
    lp = losses.renormalised_sigmoid_log_probs(z)
    assert bool(jnp.all(jnp.isfinite(lp)))
    np.testing.assert_allclose(float(jnp.exp(lp).sum()), 1.0, rtol=1e-5)
    assert np.isfinite(float(losses.one_vs_rest_bce(z, jnp.array([1]))))


def test_bits_per_symbol_of_a_uniform_model_is_log2_v():
    lp = jnp.log(jnp.full((10, 8), 1 / 8))
    np.testing.assert_allclose(losses.bits_per_symbol(lp, jnp.arange(10) % 8), 3.0, rtol=1e-6)


def test_calibration_of_a_perfectly_calibrated_and_an_overconfident_model():
    key = jax.random.key(0)
    n = 50_000
    conf = jax.random.uniform(key, (n,), minval=0.5, maxval=1.0)
    right = jax.random.uniform(jax.random.key(1), (n,)) < conf
    probs = jnp.stack([conf, 1 - conf], -1)
    labels = jnp.where(right, 0, 1)
    assert float(losses.expected_calibration_error(probs, labels)) < 0.01
    overconfident = jnp.stack([jnp.full(n, 0.99), jnp.full(n, 0.01)], -1)
    ece = float(losses.expected_calibration_error(overconfident, labels))
    assert ece > 0.2
    with pytest.raises(ValueError, match="n_bins"):
        losses.reliability(probs, labels, n_bins=0)
