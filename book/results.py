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


# ---------------------------------------------------------------- reading runs (chapter 5)


def group_runs(runs: Iterable[Mapping], keys: Sequence[str]) -> dict[tuple, list]:
    """Return ``{(config values of keys): runs}`` with each list in seed order.

    Chapter 5 reads its attention sweep this way: ``group_runs(runs, ("variant", "lr"))``.
    """
    if isinstance(keys, str) or not keys or not all(isinstance(k, str) for k in keys):
        raise TypeError("keys must be a non-empty sequence of config field names")
    out: dict[tuple, list] = {}
    for r in runs:
        out.setdefault(tuple(r["config"][k] for k in keys), []).append(r)
    if not out:
        raise ValueError("runs is empty")
    return {g: sorted(rs, key=lambda r: r["config"]["seed"]) for g, rs in out.items()}


def late(runs: Sequence[Mapping], field: str, n: int = 1) -> np.ndarray:
    """Return one value per run: the mean of the last ``n`` recorded values of ``field``
    (a history recorded during training); ``n = 1`` gives the value at the end of
    training (chapter 5)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if not runs:
        raise ValueError("runs is empty")
    if any(field not in r for r in runs):
        raise ValueError(f"field {field!r} is not recorded in every run")
    return np.array([np.mean(r[field][-n:]) for r in runs], dtype=float)


def final(runs: Sequence[Mapping], field: str) -> np.ndarray:
    """Return one value per run of the final metric ``field``, NaN where the run diverged
    (stored as ``None``) (chapter 5)."""
    if not runs:
        raise ValueError("runs is empty")
    if any(field not in r["final"] for r in runs):
        raise ValueError(f"field {field!r} is not a final metric of every run")
    return np.array(
        [np.nan if r["final"][field] is None else r["final"][field] for r in runs], dtype=float
    )


def paired_if_finite(a, b, level: float = 0.95) -> PairedDifference | None:
    """Return :func:`paired_difference` of ``a - b``, or ``None`` when a value of either is
    not finite (a diverged run) (chapter 5)."""
    if not (
        np.all(np.isfinite(np.asarray(a, float))) and np.all(np.isfinite(np.asarray(b, float)))
    ):
        return None
    return paired_difference(a, b, level)


def geometric_ci(values, level: float = 0.95) -> tuple[float, float, float]:
    """Return ``(geometric mean, low, high)`` of positive ``values``: a Student-t interval
    of the logs, mapped back, so the interval of a positive quantity stays positive
    (chapter 5's attention-sink and activation plots)."""
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size < 2 or not np.all(np.isfinite(x)) or np.any(x <= 0):
        raise ValueError("values must be 1-D, at least 2, finite and positive")
    from book.stats import mean_ci

    m, h = mean_ci(np.log(x), level)
    return float(np.exp(m)), float(np.exp(m - h)), float(np.exp(m + h))


def agrees(holds: bool, yes: str, no: str) -> str:
    """Return the verdict ``yes`` when ``holds`` is true, else ``no``: the verdict a row's
    own numbers support (chapter 5's closing table)."""
    if not isinstance(holds, (bool, np.bool_)):
        raise TypeError(f"holds must be a bool, got {type(holds).__name__}")
    return yes if holds else no


def to_within(gap: float) -> str:
    """Return ``"exactly"`` for a zero ``gap``, else ``"to within 1e-07"`` and the like."""
    if not math.isfinite(gap) or gap < 0:
        raise ValueError(f"gap must be finite and >= 0, got {gap!r}")
    return "exactly" if gap == 0 else f"to within {gap:.0e}"


def papers_table(rows: Iterable[Sequence[object]]) -> str:
    """Return the Markdown table of results beside the papers: one row per
    ``(experiment, papers, ours, verdict)`` (chapter 5's closing note)."""
    return markdown_table(["experiment", "papers", "ours", "verdict"], rows)


# Reading a sweep in chapter 3: tuned variants as table rows, ranks, curves, shares.
__all__ += [
    "tune_rates_by",
    "rate_label",
    "mean_interval",
    "tuned_rows",
    "intervals_separate",
    "ranks",
    "all_rates_above",
    "seed_array",
    "tuned_curves",
    "paired_gaps",
    "share_closed",
]


def tune_rates_by(
    runs: Iterable[Mapping], key: str, select: str, report: str
) -> dict[object, TunedRate]:
    """Return ``{value of config[key]: TunedRate}``: :func:`tune_rates` grouped by one
    config field (chapter 3), checked to be paired.

    Raises ``TypeError`` when ``key`` is not a string and ``ValueError`` when the groups
    were not all run with the same seeds (then they cannot be compared seed by seed).
    """
    if not isinstance(key, str):
        raise TypeError(f"key must be a config field name (str), got {type(key).__name__}")
    tuned = {g[0]: t for g, t in tune_rates(runs, (key,), select, report).items()}
    seeds = {t.seeds for t in tuned.values()}
    if len(seeds) != 1:
        raise ValueError(f"the groups of {key!r} were run with different seeds: {seeds}")
    return tuned


def rate_label(tuned: TunedRate) -> str:
    """Return the chosen rate of ``tuned`` as text, marked ``(edge)`` when it is the
    smallest or largest rate of the grid (chapter 3's tables)."""
    if not isinstance(tuned, TunedRate):
        raise TypeError(f"tuned must be a TunedRate, got {type(tuned).__name__}")
    return f"{tuned.lr:g}" + (" (edge)" if tuned.edge else "")


def mean_interval(samples, digits: int = 3, level: float = 0.95) -> str:
    """Return ``"mean ± half"`` of the Student-t interval of ``samples`` (one value per
    seed), each with ``digits`` decimals (chapter 3's tables)."""
    from book.stats import mean_ci

    if not isinstance(digits, int) or digits < 0:
        raise ValueError(f"digits must be a non-negative int, got {digits!r}")
    m, h = mean_ci(samples, level)
    return f"{m:.{digits}f} ± {h:.{digits}f}"


def tuned_rows(
    tuned: Mapping[object, TunedRate],
    values: Mapping[object, np.ndarray],
    order: Sequence,
    label=str,
    reference=None,
) -> list[list[str]]:
    """Return one table row per variant of ``order``: ``label(variant)``, its tuned rate
    (:func:`rate_label`), the mean of ``values[variant]`` (one per seed) with its 95%
    interval and, when ``reference`` is given, its :func:`paired_difference` to
    ``values[reference]`` ("—" on the reference's own row). Explained in chapter 3.

    Raises ``ValueError`` when a variant of ``order`` (or ``reference``) is missing from
    ``tuned`` or ``values``.
    """
    wanted = list(order) + ([] if reference is None else [reference])
    missing = [v for v in wanted if v not in values or (v in order and v not in tuned)]
    if missing:
        raise ValueError(f"order and reference must name tuned variants; missing {missing}")
    rows = []
    for v in order:
        row = [label(v), rate_label(tuned[v]), mean_interval(values[v])]
        if reference is not None:
            row.append(
                "—" if v == reference else str(paired_difference(values[v], values[reference]))
            )
        rows.append(row)
    return rows


def intervals_separate(a, b, level: float = 0.95) -> bool:
    """Return whether the separate (unpaired) Student-t intervals of ``a`` and ``b`` do
    not overlap: the comparison that ignores the seed pairing (chapter 3)."""
    from book.stats import mean_ci

    (ma, ha), (mb, hb) = mean_ci(a, level), mean_ci(b, level)
    return ma + ha < mb - hb or mb + hb < ma - ha


def ranks(values: Mapping[object, float], among: Iterable | None = None) -> dict:
    """Return ``{name: rank}``, 1 for the lowest value; tied values share the best rank
    (1 + how many are strictly lower). ``among`` keeps only those names (chapter 3)."""
    keep = {k: values[k] for k in (values if among is None else among) if k in values}
    if any(not isinstance(x, (int, float, np.floating, np.integer)) for x in keep.values()):
        raise TypeError("values must map names to numbers")
    return {k: 1 + sum(y < x for y in keep.values()) for k, x in keep.items()}


def all_rates_above(tuned: TunedRate, metric: str, threshold: float) -> bool:
    """Return whether the mean final ``metric`` exceeds ``threshold`` at every rate of
    ``tuned``: e.g. every rate leaves a network at chance, so the "tuned" rate is a pick
    among noise (chapter 3)."""
    if not isinstance(tuned, TunedRate):
        raise TypeError(f"tuned must be a TunedRate, got {type(tuned).__name__}")
    return all(np.mean([r["final"][metric] for r in rs]) > threshold for rs in tuned.by_lr.values())


def seed_array(
    runs: Iterable[Mapping],
    key: str,
    names: Sequence,
    rates: Sequence[float],
    seeds: Sequence[int],
    metric: str,
) -> np.ndarray:
    """Return the final ``metric`` of every run as an array (names, rates, seeds), where
    ``names`` are values of ``config[key]``; NaN where no run finished (diverged or not
    stored). Runs outside the grid are ignored. Explained in chapter 3."""
    if isinstance(names, str) or not len(names) or not len(rates) or not len(seeds):
        raise ValueError("names, rates and seeds must be non-empty sequences")
    out = np.full((len(names), len(rates), len(seeds)), np.nan)
    index = [{x: i for i, x in enumerate(axis)} for axis in (names, rates, seeds)]
    for r in runs:
        c, value = r["config"], r["final"].get(metric)
        at = (index[0].get(c[key]), index[1].get(c["lr"]), index[2].get(c["seed"]))
        if value is not None and None not in at:
            out[at] = value
    return out


def tuned_curves(tuned: TunedRate, metric: str = "val_loss") -> np.ndarray:
    """Return the recorded ``metric`` of the runs at the tuned rate, shape (seeds,
    steps), in seed order (chapter 3)."""
    if not isinstance(tuned, TunedRate):
        raise TypeError(f"tuned must be a TunedRate, got {type(tuned).__name__}")
    runs = sorted(tuned.by_lr[tuned.lr], key=lambda r: r["config"]["seed"])
    return np.array([r[metric] for r in runs], dtype=float)


def paired_gaps(curves, reference) -> list[PairedDifference]:
    """Return, step by step, the :func:`paired_difference` of ``curves`` minus
    ``reference``: two arrays (seeds, steps) in the same seed order (chapter 3)."""
    a, b = np.asarray(curves, dtype=float), np.asarray(reference, dtype=float)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(
            f"curves and reference must be (seeds, steps) arrays of one shape, got {a.shape} and {b.shape}"
        )
    return [paired_difference(a[:, s], b[:, s]) for s in range(a.shape[1])]


def share_closed(before, after, worse, better, level: float = 0.95) -> tuple[float, float]:
    """Return ``(mean, half)`` over seeds of ``(before - after) / (worse - better)``: the
    share of the gap from ``worse`` to ``better`` that the step from ``before`` to
    ``after`` closes, seed by seed, with its Student-t interval (chapter 3's ablation).
    Each argument holds one value per seed, in the same seed order."""
    from book.stats import mean_ci

    x = [_seed_table(v) for v in (before, after, worse, better)]
    if any(v.ndim != 1 or v.shape != x[0].shape for v in x):
        raise ValueError("before, after, worse and better must be 1-D, one value per seed")
    if np.any(x[2] == x[3]):
        raise ValueError("worse and better must differ on every seed (the gap divides)")
    return mean_ci((x[0] - x[1]) / (x[2] - x[3]), level)
