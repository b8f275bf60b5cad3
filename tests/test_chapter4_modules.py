import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from book import data, nets
from book import output_layers as out


def test_pydoc_text_is_bundled_english_text():
    text = data.load_pydoc_text()
    assert len(text) > 400_000
    assert "the" in text and "function" in text


def test_vocabulary_and_encoding_round_trip_with_unknowns():
    vocab = data.char_vocabulary("aabbbc", min_count=2)
    assert vocab == ["a", "b", "\x00"]
    ids = data.encode_text("abcz", vocab)
    assert ids.tolist() == [0, 1, 2, 2] and ids.dtype == np.int32
    with pytest.raises(ValueError, match="text"):
        data.char_vocabulary("")
    with pytest.raises(ValueError, match="min_count"):
        data.char_vocabulary("abc", min_count=0)


def test_context_windows_pair_each_token_with_its_past():
    x, y = data.context_windows(np.arange(6), 2)
    assert x.tolist()[0] == [0, 1] and y.tolist() == [2, 3, 4, 5]
    with pytest.raises(ValueError, match="context"):
        data.context_windows(np.arange(3), 3)


def test_markov_source_entropy_rate_matches_samples():
    chain = data.markov_source(jax.random.key(0), 5, concentration=1.0)
    p, pi = chain["transitions"], chain["stationary"]
    np.testing.assert_allclose(p.sum(1), 1, rtol=1e-9)
    np.testing.assert_allclose(pi @ p, pi, atol=1e-9)
    seq = data.sample_markov(p, 200_000, seed=1)
    # empirical conditional entropy of the sampled sequence ~ the entropy rate
    counts = np.zeros((5, 5))
    np.add.at(counts, (seq[:-1], seq[1:]), 1)
    cond = counts / counts.sum(1, keepdims=True)
    joint = counts / counts.sum()
    empirical = -(joint * np.log2(np.where(cond > 0, cond, 1))).sum()
    assert abs(empirical - chain["entropy_rate_bits"]) < 0.02
    with pytest.raises(ValueError, match="n_symbols"):
        data.markov_source(jax.random.key(0), 1)
    with pytest.raises(ValueError, match="length"):
        data.sample_markov(p, 0)


def test_losses_match_their_definitions():
    z = jnp.array([[2.0, -1.0, 0.5], [0.0, 0.0, 3.0]])
    y = jnp.array([0, 2])
    ce = -np.mean(
        [np.log(np.exp(2) / np.exp([2, -1, 0.5]).sum()), np.log(np.exp(3) / (2 + np.exp(3)))]
    )
    np.testing.assert_allclose(out.softmax_cross_entropy(z, y), ce, rtol=1e-5)
    s = 1 / (1 + np.exp(-np.asarray(z)))
    t = np.eye(3)[[0, 2]]
    bce = -(t * np.log(s) + (1 - t) * np.log(1 - s)).sum(1).mean()
    np.testing.assert_allclose(out.one_vs_rest_bce(z, y), bce, rtol=1e-5)


@settings(max_examples=40, deadline=None)
@given(scale=st.floats(min_value=0.01, max_value=1e4))
def test_renormalised_sigmoid_is_a_finite_distribution(scale):
    z = scale * jnp.array([[1.0, -2.0, 0.3, -0.7]])
    lp = out.renormalised_sigmoid_log_probs(z)
    assert bool(jnp.all(jnp.isfinite(lp)))
    np.testing.assert_allclose(float(jnp.exp(lp).sum()), 1.0, rtol=1e-5)
    assert np.isfinite(float(out.one_vs_rest_bce(z, jnp.array([1]))))


def test_bits_per_symbol_of_a_uniform_model_is_log2_v():
    lp = jnp.log(jnp.full((10, 8), 1 / 8))
    np.testing.assert_allclose(out.bits_per_symbol(lp, jnp.arange(10) % 8), 3.0, rtol=1e-6)


def test_calibration_of_a_perfectly_calibrated_and_an_overconfident_model():
    key = jax.random.key(0)
    n = 50_000
    conf = jax.random.uniform(key, (n,), minval=0.5, maxval=1.0)
    right = jax.random.uniform(jax.random.key(1), (n,)) < conf
    probs = jnp.stack([conf, 1 - conf], -1)
    labels = jnp.where(right, 0, 1)
    assert float(out.expected_calibration_error(probs, labels)) < 0.01
    overconfident = jnp.stack([jnp.full(n, 0.99), jnp.full(n, 0.01)], -1)
    ece = float(out.expected_calibration_error(overconfident, labels))
    assert ece > 0.2
    with pytest.raises(ValueError, match="n_bins"):
        out.reliability(probs, labels, n_bins=0)


def test_char_mlp_shapes_and_validation():
    p = nets.init_char_mlp(jax.random.key(0), 12, 3, 4, 8)
    logits = nets.char_mlp_logits(p, jnp.zeros((5, 3), jnp.int32))
    assert logits.shape == (5, 12)
    with pytest.raises(ValueError, match="context"):
        nets.init_char_mlp(jax.random.key(0), 12, 0, 4, 8)
