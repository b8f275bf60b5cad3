"""The shared analysis of stored sweeps, on synthetic sweeps whose answer is known."""

import numpy as np
import pytest

from book.results import (
    blocked_anova,
    holm_pairs,
    markdown_table,
    paired_difference,
    tukey_pairs,
    tune_rates,
)
from book.stats import mean_ci


def _sweep(rng, true_means, seeds=3, seed_sd=0.07, noise_sd=0.02):
    """(variants, seeds) losses: a true mean per variant, a seed effect shared by every
    variant (the same data order), and independent noise."""
    shared = rng.normal(0, seed_sd, seeds)
    return (
        np.asarray(true_means)[:, None]
        + shared[None, :]
        + rng.normal(0, noise_sd, (len(true_means), seeds))
    )


def test_a_shared_seed_effect_hides_a_difference_from_unpaired_intervals_only():
    rng = np.random.default_rng(0)
    hidden = paired = 0
    for _ in range(200):
        a, b = _sweep(rng, [3.00, 3.10])
        (ma, ha), (mb, hb) = mean_ci(a), mean_ci(b)
        hidden += ma + ha >= mb - hb  # unpaired intervals overlap
        paired += paired_difference(b, a).separates
    assert hidden > 150  # the seed effect (s.d. 0.07) swamps a 0.1 difference
    assert paired > 120  # seed by seed, the noise is 0.02 · √2: usually detected


def test_no_true_difference_gives_false_separations_at_about_the_nominal_rate():
    rng = np.random.default_rng(1)
    sweeps = [_sweep(rng, [3.0] * 6, seeds=5) for _ in range(400)]
    anova = np.mean([blocked_anova(t).p < 0.05 for t in sweeps])
    names = [f"v{i}" for i in range(6)]
    any_holm = np.mean([any(s for _, s in holm_pairs(t, names).values()) for t in sweeps])
    any_tukey = np.mean([any(s for _, s in tukey_pairs(t, names)[1].values()) for t in sweeps])
    single = np.mean([paired_difference(t[0], t[1]).p < 0.05 for t in sweeps])
    assert 0.02 < anova < 0.09
    assert 0.02 < single < 0.09
    assert any_holm < 0.07  # family-wise: at most alpha over all 15 pairs
    assert 0.02 < any_tukey < 0.09  # family-wise: about alpha over all 15 pairs


def test_blocked_anova_separates_variants_and_measures_the_seed_share():
    rng = np.random.default_rng(2)
    table = _sweep(rng, [3.0, 3.05, 3.10, 3.15], seeds=4, seed_sd=0.1, noise_sd=0.01)
    result = blocked_anova(table)
    assert result.df == (3, 9) and result.p < 1e-4
    assert result.seed_share > 0.9 and 0.003 < result.residual_sd < 0.03
    with pytest.raises(ValueError, match="variants, seeds"):
        blocked_anova(np.ones(3))


def test_paired_difference_matches_a_hand_computation():
    a, b = np.array([1.0, 2.0, 3.0, 5.0]), np.array([0.5, 1.0, 2.5, 3.0])
    d = a - b  # 0.5, 1, 0.5, 2
    result = paired_difference(a, b)
    assert result.mean == pytest.approx(d.mean())
    assert result.half == pytest.approx(3.182446 * d.std(ddof=1) / 2, rel=1e-5)
    assert result.n == 4 and 0 < result.p < 0.1
    assert str(result).startswith("+1.000 ± ")
    same = paired_difference(a, a + 0.0)
    assert same.mean == 0 and same.p == 1.0 and not same.separates
    with pytest.raises(ValueError, match="one per seed"):
        paired_difference([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="finite"):
        paired_difference([1.0, np.nan], [1.0, 2.0])


def test_holm_pairs_finds_the_real_differences():
    rng = np.random.default_rng(3)
    table = _sweep(rng, [3.0, 3.0, 3.3], seeds=5, noise_sd=0.01)
    result = holm_pairs(table, ["a", "b", "c"])
    assert result[("a", "c")][1] and result[("b", "c")][1]
    assert not result[("a", "b")][1]
    with pytest.raises(ValueError, match="one row per name"):
        holm_pairs(table, ["a", "b"])


def _run(variant, lr, seed, val, test):
    return {
        "config": {"ffn": variant, "lr": lr, "seed": seed},
        "final": {"val_loss": val, "test_loss": test},
    }


def test_tune_rates_picks_on_validation_flags_edges_and_skips_diverged_rates():
    runs = []
    for seed in (2, 0, 1):  # stored out of order: values come back in seed order
        runs += [
            _run("a", 0.1, seed, 2.0, 2.1 + seed),
            _run("a", 0.2, seed, 1.0, 1.1 + seed),  # best, inside the grid
            _run("a", 0.4, seed, 1.5, 1.6),
            _run("b", 0.1, seed, 1.2, 1.3),
            _run("b", 0.2, seed, 1.4, 1.5),
            _run("b", 0.4, seed, None if seed == 1 else 0.5, 0.6),  # one run diverged
        ]
    tuned = tune_rates(runs, ("ffn",), "val_loss", "test_loss")
    assert tuned[("a",)].lr == 0.2 and not tuned[("a",)].edge
    assert tuned[("a",)].seeds == (0, 1, 2)
    assert np.allclose(tuned[("a",)].values, [1.1, 2.1, 3.1])
    assert tuned[("b",)].lr == 0.1 and tuned[("b",)].edge  # 0.4 is ruled out
    with pytest.raises(TypeError, match="keys"):
        tune_rates(runs, "ffn", "val_loss", "test_loss")
    with pytest.raises(ValueError, match="empty"):
        tune_rates([], ("ffn",), "val_loss", "test_loss")


def test_markdown_table():
    text = markdown_table(["a", "b"], [[1, "x|y"], [2.5, "z"]])
    assert text.splitlines() == ["| a | b |", "| --- | --- |", "| 1 | x\\|y |", "| 2.5 | z |"]
    with pytest.raises(ValueError, match="2 columns"):
        markdown_table(["a", "b"], [[1]])


def test_tukey_pairs_find_with_three_seeds_what_separate_paired_tests_miss():
    rng = np.random.default_rng(4)
    table = _sweep(rng, [3.0, 3.0, 3.0, 3.0, 3.1, 3.1], seeds=3, noise_sd=0.02)
    names = list("abcdef")
    hsd, pairs = tukey_pairs(table, names)
    holm = holm_pairs(table, names)
    real = [(a, b) for a, b in pairs if (a in "abcd") != (b in "abcd")]
    assert 0.03 < hsd < 0.09
    assert sum(pairs[p][1] for p in real) >= 6  # most of the 8 real differences
    assert sum(holm[p][1] for p in real) < sum(pairs[p][1] for p in real)
    assert not any(pairs[p][1] for p in pairs if p not in real)
    with pytest.raises(ValueError, match="one row per name"):
        tukey_pairs(table, names[:3])
