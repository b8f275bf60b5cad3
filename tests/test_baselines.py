"""Chapter 4's reference scores, against values worked out by hand."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from book.baselines import calibrated_ece_threshold, context_count_bits

# vocabulary {0, 1}; after a 0 comes a 1 twice, after a 1 comes a 0 once
TRAIN = (np.array([[1, 0], [1, 0], [0, 1]]), np.array([1, 1, 0]))


def test_count_bits_match_the_smoothed_counts():
    k = 0.1
    one_after_zero = context_count_bits(TRAIN, (np.array([[1, 0]]), np.array([1])), 1, 2, k)
    assert one_after_zero == pytest.approx(-np.log2((2 + k) / (2 + 2 * k)))
    frequency = context_count_bits(TRAIN, (np.array([[1, 0]]), np.array([1])), 0, 2, k)
    assert frequency == pytest.approx(-np.log2((2 + k) / (3 + 2 * k)))
    # context (0, 0) was never seen: the smoothed estimate is uniform, 1 bit
    unseen = context_count_bits(TRAIN, (np.array([[0, 0]]), np.array([0])), 2, 2, k)
    assert unseen == pytest.approx(1.0)
    both = context_count_bits(TRAIN, (np.array([[1, 0], [1, 0]]), np.array([1, 0])), 1, 2, k)
    assert both == pytest.approx(-np.log2([(2 + k) / (2 + 2 * k), k / (2 + 2 * k)]).mean())


def test_count_bits_check_their_arguments():
    evaluate = (np.array([[1, 0]]), np.array([1]))
    with pytest.raises(ValueError, match="order"):
        context_count_bits(TRAIN, evaluate, 3, 2)
    with pytest.raises(ValueError, match="smoothing"):
        context_count_bits(TRAIN, evaluate, 1, 2, smoothing=0.0)
    with pytest.raises(ValueError, match=r"symbols must lie in \[0, 2\)"):
        context_count_bits(TRAIN, (np.array([[1, 2]]), np.array([1])), 1, 2)
    with pytest.raises(ValueError, match="as wide"):
        context_count_bits(TRAIN, (np.array([[1]]), np.array([1])), 1, 2)


def test_a_certain_model_is_never_miscalibrated():
    probs = jnp.tile(jnp.array([[1.0, 0.0]]), (100, 1))
    assert calibrated_ece_threshold(probs, jax.random.key(0)) == 0.0


def test_the_threshold_is_the_sampling_noise_of_a_fair_coin():
    # confidence 0.5 everywhere: one bin, ECE = |share right - 0.5| with s.d. 0.5 / sqrt(n);
    # the 95th percentile of |N(0, s)| is 1.96 s = 0.0098 for n = 10,000
    probs = jnp.full((10_000, 2), 0.5)
    threshold = calibrated_ece_threshold(probs, jax.random.key(1), draws=2000)
    assert 0.0085 < threshold < 0.0112
    assert calibrated_ece_threshold(probs, jax.random.key(1), level=50.0) < threshold


def test_the_threshold_checks_its_arguments():
    with pytest.raises(ValueError, match="positions, classes"):
        calibrated_ece_threshold(jnp.ones(3), jax.random.key(0))
    with pytest.raises(ValueError, match="draws and n_bins"):
        calibrated_ece_threshold(jnp.ones((3, 2)) / 2, jax.random.key(0), draws=0)
    with pytest.raises(ValueError, match="level"):
        calibrated_ece_threshold(jnp.ones((3, 2)) / 2, jax.random.key(0), level=100.0)


def test_ece_and_threshold_score_each_seed_and_report_every_head():
    from book.baselines import ece_and_threshold, ece_report

    # seed 0: confidence 0.9, right on 1 of 2 positions: ECE |0.5 - 0.9| = 0.4
    # seed 1: confidence 0.6, right on both: ECE 0.4 too; seed 2: right on neither, 0.6
    labels = jnp.array([0, 1])
    seeds = [
        jnp.array([[0.9, 0.1], [0.9, 0.1]]),
        jnp.array([[0.6, 0.4], [0.4, 0.6]]),
        jnp.array([[0.4, 0.6], [0.6, 0.4]]),
    ]
    eces, threshold = ece_and_threshold(seeds, labels, jax.random.key(0))
    np.testing.assert_allclose(eces, [0.4, 0.4, 0.6], atol=1e-6)
    assert threshold == calibrated_ece_threshold(seeds[0], jax.random.key(0))
    report = ece_report({("h", "test"): eces}, {("h", "test"): 0.25}, ["h"], ["test"])
    assert report.startswith("h" + " " * 23 + " ECE test 0.467 ± ")
    assert report.endswith("(threshold 0.250)")
    with pytest.raises(ValueError, match="probs_per_seed"):
        ece_and_threshold([], labels, jax.random.key(0))
    with pytest.raises(ValueError, match="missing"):
        ece_report({("h", "test"): eces}, {}, ["h"], ["test"])


def test_pydoc_topic_at_names_the_topic_around_a_position():
    from pydoc_data.topics import topics

    from book.baselines import pydoc_topic_at

    first, second = sorted(topics)[:2]
    assert pydoc_topic_at(0) == first
    assert pydoc_topic_at(len(topics[first]) - 1) == first
    assert pydoc_topic_at(len(topics[first]) + 1) == second  # after the newline
    with pytest.raises(ValueError, match="position"):
        pydoc_topic_at(-1)
