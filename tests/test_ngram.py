"""Count-model baselines, checked on a Markov source whose entropy rate is known."""

import numpy as np
import pytest

from book.ngram import fit_count_model, tune_smoothing, window_bits


def _markov(n, seed=0, vocab=6):
    rng = np.random.default_rng(seed)
    transition = rng.dirichlet(np.full(vocab, 0.3), size=vocab)
    x = np.zeros(n, dtype=np.int64)
    for t in range(1, n):
        x[t] = rng.choice(vocab, p=transition[x[t - 1]])
    # entropy rate: stationary average of each row's entropy
    evals, evecs = np.linalg.eig(transition.T)
    pi = np.real(evecs[:, np.argmin(np.abs(evals - 1))])
    pi /= pi.sum()
    rate = -(pi[:, None] * transition * np.log2(transition)).sum()
    return x, rate


def test_a_bigram_model_reaches_the_entropy_rate_of_a_markov_source():
    x, rate = _markov(60_000)
    train, held = x[:50_000], x[50_000:]
    windows = held[: 160 * 60].reshape(160, 60)
    bits = {}
    for order in (1, 2, 3):
        model = fit_count_model(train, order, 6)
        k, _ = tune_smoothing(model, windows)
        bits[order] = window_bits(model, windows, k)
    assert bits[2] == pytest.approx(rate, abs=0.03)
    assert bits[1] > bits[2] + 0.2  # the source has memory: counts of pairs help
    assert bits[3] == pytest.approx(bits[2], abs=0.03)  # ...and only one step of it


def test_counts_and_smoothing():
    model = fit_count_model(np.array([0, 1, 0, 1, 0]), 2, 3)
    assert model.counts[0].tolist() == [3, 2, 0]
    assert model.counts[1][0, 1] == 2 and model.counts[1][1, 0] == 2
    # symbol 2 never seen: a tiny k gives it almost no probability, a large k some
    windows = np.array([[0, 1, 0, 1]])
    assert window_bits(model, windows, 1e-3) < window_bits(model, windows, 1.0)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="order"):
        fit_count_model(np.arange(5), 4, 5)
    with pytest.raises(TypeError, match="integer"):
        fit_count_model(np.linspace(0, 1, 5), 2, 5)
    with pytest.raises(ValueError, match="symbols in"):
        fit_count_model(np.array([0, 7]), 1, 5)
    model = fit_count_model(np.arange(5), 2, 5)
    with pytest.raises(ValueError, match="k must be positive"):
        window_bits(model, np.zeros((2, 3), dtype=int), 0.0)
    with pytest.raises(ValueError, match="windows"):
        window_bits(model, np.zeros(3, dtype=int), 1.0)
    with pytest.raises(TypeError, match="CountModel"):
        window_bits("model", np.zeros((2, 3), dtype=int), 1.0)
