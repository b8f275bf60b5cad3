"""Chapter 3's count baselines on a text whose answers are known, and its family task."""

import jax
import numpy as np
import pytest

from book import ch3_experiments as ch3
from book import ngram


def test_count_baselines_on_an_alternating_text():
    train = np.tile([0, 1], 200)
    windows = np.tile([0, 1], (4, 4))  # 4 windows of 8 alternating symbols
    count = ch3.count_baselines(train, 2, windows, windows)
    assert list(count) == ["unigram", "bigram", "trigram"]
    # equal symbol counts: the unigram predicts 1/2 whatever the smoothing, 1 bit each
    assert count["unigram"]["test"] == pytest.approx(1.0)
    assert count["unigram"]["spread"] == pytest.approx(0.0, abs=1e-12)
    # the next symbol is determined: the least smoothing is best, at the grid's edge
    for name in ("bigram", "trigram"):
        assert count[name]["k"] == min(ngram.SMOOTHING_GRID) and count[name]["edge"]
        assert count[name]["test"] < 0.2
        assert count[name]["spread"] > 0.001  # more smoothing costs bits


def test_count_baselines_checks_the_vocabulary_size():
    with pytest.raises(ValueError, match="vocab_size"):
        ch3.count_baselines(np.zeros(10, dtype=int), 1, np.zeros((2, 3), dtype=int), None)


def test_the_family_task_computes_each_ffns_loss_and_refuses_mixed_gating():
    key = jax.random.key(0)
    ffns = ("sigmoid", "gelu")
    for member, ffn in enumerate(ffns):
        alone, family = ch3.lm_task({"ffn": ffn}), ch3.lm_family_task(member, ffns)
        params, batch = alone.init(key), alone.sample_batch(key)
        np.testing.assert_allclose(
            jax.jit(family.loss)(params, batch), jax.jit(alone.loss)(params, batch), rtol=1e-6
        )
    with pytest.raises(ValueError, match="all gated or all ungated"):
        ch3.ffn_switch(0, ("gelu", "swiglu"))
