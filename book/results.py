"""Analysis of stored sweeps that the chapters share (chapter 3 explains it).

A sweep trains every variant at every learning rate with the same seeds, and the same
seed gives every variant the same data order and initial draw. So results are *paired*:
the seed effect is shared, and comparing two variants seed by seed removes it. This
module holds:

- :func:`tune_rates`: each variant's learning rate chosen on validation, the reported
  metric at that rate (one value per seed, in seed order) and a flag when the chosen
  rate is at the edge of the grid (then the best rate may lie outside it);
- :func:`paired_difference`: the mean difference of two variants over shared seeds, with
  its Student-t interval and p-value;
- :func:`blocked_anova`: do several variants differ at all? A two-way analysis of
  variance with seed as the block (no replication);
- :func:`tukey_pairs`: every pair of variants compared at once against the noise left
  after the blocked analysis (Tukey's honestly significant difference): the chance of
  any false separation stays at ``alpha``, with more power than separate paired tests
  when seeds are few;
- :func:`holm_pairs`: every pair of variants compared by its own paired t-test, with
  Holm's correction (no assumption that every variant is equally noisy);
- :func:`markdown_table`: rows formatted as a table the book renders.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as _stats

__all__ = [
    "TunedRate",
    "tune_rates",
    "PairedDifference",
    "paired_difference",
    "BlockedAnova",
    "blocked_anova",
    "tukey_pairs",
    "holm_pairs",
    "markdown_table",
]


@dataclass(frozen=True)
class TunedRate:
    """One variant's rate chosen on validation.

    ``lr``: the chosen rate; ``edge``: whether it is the smallest or largest rate of the
    grid; ``seeds`` and ``values``: the reported metric at that rate, one per seed, in
    seed order; ``by_lr``: every run of the variant, grouped by rate.
    """

    lr: float
    edge: bool
    seeds: tuple
    values: np.ndarray
    by_lr: dict


def tune_rates(
    runs: Iterable[Mapping],
    keys: Sequence[str],
    select: str,
    report: str,
) -> dict[tuple, TunedRate]:
    """Return ``{group: TunedRate}``, grouping ``runs`` by the config fields ``keys``.

    Each run is a stored record (``run["config"]`` with ``lr`` and ``seed``,
    ``run["final"]`` with the metrics). Per group the rate with the lowest mean
    ``select`` (e.g. the validation loss) wins; a rate where any run has no value
    (diverged) is ruled out. ``values`` holds ``report`` (e.g. the test loss) at that
    rate. Raises ``ValueError`` when a group has no rate where every run finished.
    """
    if isinstance(keys, str) or not all(isinstance(k, str) for k in keys):
        raise TypeError("keys must be a sequence of config field names")
    groups: dict[tuple, dict[float, list]] = {}
    for r in runs:
        g = tuple(r["config"][k] for k in keys)
        groups.setdefault(g, {}).setdefault(r["config"]["lr"], []).append(r)
    if not groups:
        raise ValueError("runs is empty")
    out = {}
    for g, by_lr in groups.items():
        means = {
            lr: np.mean([x["final"][select] for x in rs])
            for lr, rs in by_lr.items()
            if all(x["final"].get(select) is not None for x in rs)
        }
        if not means:
            raise ValueError(f"group {g}: every rate has a run without {select!r}")
        best = min(means, key=means.get)
        chosen = sorted(by_lr[best], key=lambda x: x["config"]["seed"])
        rates = sorted(by_lr)
        out[g] = TunedRate(
            lr=best,
            edge=best in (rates[0], rates[-1]),
            seeds=tuple(x["config"]["seed"] for x in chosen),
            values=np.array([x["final"][report] for x in chosen], dtype=float),
            by_lr=by_lr,
        )
    return out


def _seed_table(samples) -> np.ndarray:
    x = np.asarray(samples, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("samples must be finite")
    return x


@dataclass(frozen=True)
class PairedDifference:
    """``mean`` of ``a - b`` over shared seeds, the ``half`` width of its Student-t
    interval at ``level``, the two-sided ``p`` value of "no difference", ``n`` seeds."""

    mean: float
    half: float
    p: float
    n: int
    level: float

    @property
    def separates(self) -> bool:
        """Whether the interval excludes zero."""
        return abs(self.mean) > self.half

    def __str__(self) -> str:
        return f"{self.mean:+.3f} ± {self.half:.3f}"


def paired_difference(a, b, level: float = 0.95) -> PairedDifference:
    """Return the :class:`PairedDifference` of ``a - b``: two 1-D arrays of one value
    per seed, in the same seed order (at least two seeds)."""
    a, b = _seed_table(a), _seed_table(b)
    if a.ndim != 1 or a.shape != b.shape or a.size < 2:
        raise ValueError(
            f"a and b must be 1-D with the same length >= 2 (one per seed), got {a.shape} "
            f"and {b.shape}"
        )
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    d = a - b
    n = d.size
    se = d.std(ddof=1) / math.sqrt(n)
    half = _stats.t.ppf(0.5 + level / 2, df=n - 1) * se
    if se > 0:
        p = float(2 * _stats.t.sf(abs(d.mean()) / se, df=n - 1))
    else:  # every seed gives the same difference
        p = 1.0 if d.mean() == 0 else 0.0
    return PairedDifference(float(d.mean()), float(half), p, n, level)


@dataclass(frozen=True)
class BlockedAnova:
    """Two-way analysis of variance without replication, seed as the block.

    ``f``, ``df`` (variants, residual) and ``p`` test "every variant has the same mean";
    ``residual_sd`` is the spread left once variant and seed effects are removed (the
    noise a paired comparison sees); ``seed_share`` the share of the variance within
    variants that the shared seed effect explains.
    """

    f: float
    df: tuple[int, int]
    p: float
    residual_sd: float
    seed_share: float


def blocked_anova(table) -> BlockedAnova:
    """Return the :class:`BlockedAnova` of ``table``: shape (variants, seeds), one value
    per variant and seed, at least two of each."""
    x = _seed_table(table)
    if x.ndim != 2 or min(x.shape) < 2:
        raise ValueError(f"table must be (variants, seeds) with 2+ of each, got {x.shape}")
    k, n = x.shape
    grand = x.mean()
    variant_effect = x.mean(1, keepdims=True) - grand
    seed_effect = x.mean(0, keepdims=True) - grand
    residual = x - grand - variant_effect - seed_effect
    ss_variant = n * float((variant_effect**2).sum())
    ss_seed = k * float((seed_effect**2).sum())
    ss_residual = float((residual**2).sum())
    df_v, df_r = k - 1, (k - 1) * (n - 1)
    ms_residual = ss_residual / df_r
    f = (ss_variant / df_v) / ms_residual if ms_residual > 0 else math.inf
    p = float(_stats.f.sf(f, df_v, df_r)) if math.isfinite(f) else 0.0
    within = ss_seed + ss_residual
    return BlockedAnova(
        f=float(f),
        df=(df_v, df_r),
        p=p,
        residual_sd=math.sqrt(ms_residual),
        seed_share=ss_seed / within if within > 0 else 0.0,
    )


@functools.cache
def _studentized_range_quantile(level: float, k: int, df: int) -> float:
    return float(_stats.studentized_range.ppf(level, k, df))  # slow: cached


def tukey_pairs(
    table, names: Sequence[str], alpha: float = 0.05
) -> tuple[float, dict[tuple[str, str], tuple[float, bool]]]:
    """Compare every pair of rows of ``table`` (variants, seeds) with Tukey's HSD in the
    blocked design (the residual noise of :func:`blocked_anova`, seed as block).

    Returns ``(hsd, {(a, b): (mean of a - b, separates)})``: a pair separates when its
    mean difference exceeds ``hsd``, so that over all pairs the chance of declaring any
    difference that is not there is ``alpha`` (assuming equal noise across variants).
    """
    x = _seed_table(table)
    if x.ndim != 2 or x.shape[0] != len(names) or min(x.shape) < 2:
        raise ValueError(
            f"table must be (variants, seeds) with one row per name and 2+ of each, got "
            f"{x.shape} for {len(names)} names"
        )
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    anova = blocked_anova(x)
    k, n = x.shape
    q = _studentized_range_quantile(1 - alpha, k, anova.df[1])
    hsd = q * anova.residual_sd / math.sqrt(n)
    means = x.mean(1)
    pairs = {
        (names[i], names[j]): (float(means[i] - means[j]), abs(means[i] - means[j]) > hsd)
        for i, j in itertools.combinations(range(k), 2)
    }
    return hsd, pairs


def holm_pairs(
    table, names: Sequence[str], alpha: float = 0.05
) -> dict[tuple[str, str], tuple[PairedDifference, bool]]:
    """Compare every pair of rows of ``table`` (variants, seeds) by a paired t-test.

    Returns ``{(a, b): (difference a - b, separates)}``; ``separates`` applies Holm's
    step-down correction, so over all pairs the chance of declaring any difference
    that is not there stays at most ``alpha``.
    """
    x = _seed_table(table)
    if x.ndim != 2 or x.shape[0] != len(names) or x.shape[1] < 2:
        raise ValueError(
            f"table must be (variants, seeds) with one row per name and 2+ seeds, got "
            f"{x.shape} for {len(names)} names"
        )
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    pairs = list(itertools.combinations(range(len(names)), 2))
    diffs = {(i, j): paired_difference(x[i], x[j]) for i, j in pairs}
    order = sorted(pairs, key=lambda ij: diffs[ij].p)
    separated = set()
    for rank, ij in enumerate(order):
        if diffs[ij].p > alpha / (len(order) - rank):
            break  # Holm: stop at the first test that fails its threshold
        separated.add(ij)
    return {(names[i], names[j]): (diffs[(i, j)], (i, j) in separated) for i, j in pairs}


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Return a Markdown table (rendered as a table by the book) of ``rows`` under
    ``header``; cells are converted with ``str``."""
    header = [str(h) for h in header]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for row in rows:
        cells = [str(c).replace("|", "\\|") for c in row]
        if len(cells) != len(header):
            raise ValueError(f"row {cells} has {len(cells)} cells for {len(header)} columns")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
