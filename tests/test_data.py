import jax
import numpy as np
import pytest

from book import data


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


def test_digits_split_is_standardised_and_disjoint():
    d = data.load_digits_split(test_fraction=0.25, seed=3)
    assert d["x_train"].shape[1] == 64 and d["x_train"].dtype == np.float32
    assert len(d["y_train"]) + len(d["y_test"]) == 1797
    np.testing.assert_allclose(d["x_train"].mean(0), 0, atol=1e-5)
    assert np.all(np.isfinite(d["x_test"]))
    with pytest.raises(ValueError, match="test_fraction"):
        data.load_digits_split(test_fraction=1.0)
