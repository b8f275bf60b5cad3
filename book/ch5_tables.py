"""Chapter 5's results tables: the MoE sweep per router, the attention sweep per variant
and rate, the gated-attention comparison and the SigLIP/CLIP table.

Each function formats numbers the chapter computed from its stored sweeps (through
:mod:`book.results`); the claims that test them stay in the chapter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from book.results import TunedRate, late, markdown_table, mean_interval, paired_difference
from book.stats import mean_ci

__all__ = [
    "mean_final",
    "moe_summary",
    "moe_table",
    "attention_table",
    "norm_at",
    "diagnostics_table",
    "sink_table",
    "gate_table",
    "pair_table",
    "late_by_rate",
    "balance_table",
]


def _check_tuned(t) -> TunedRate:
    if not isinstance(t, TunedRate):
        raise TypeError(f"t must be a TunedRate, got {type(t).__name__}")
    return t


def mean_final(t: TunedRate, field: str, lr: float | None = None) -> float:
    """Return the mean over seeds of the final metric ``field`` of the runs of ``t`` at
    rate ``lr`` (its chosen rate when ``None``), e.g. SigLIP's final bias (chapter 5)."""
    t = _check_tuned(t)
    lr = t.lr if lr is None else lr
    if lr not in t.by_lr:
        raise ValueError(f"lr must be one of the rates {sorted(t.by_lr)}, got {lr!r}")
    return float(np.mean([r["final"][field] for r in t.by_lr[lr]]))


def moe_summary(
    tuned: Mapping[str, TunedRate], by: Mapping[str, Sequence[Mapping]]
) -> dict[str, dict]:
    """Return, per router of ``by`` (in its order), the test loss per seed at its chosen rate
    (``test_raw``), the max/mean expert load per seed averaged over the last 3
    evaluations (``mom_raw``), and ``(mean, half)`` 95% intervals of the test loss
    (``test``), the max/mean load and the dead-expert fraction (``dead``); ``by[router]``:
    the runs at the chosen rate in seed order (chapter 5)."""
    missing = [v for v in by if v not in tuned]
    if missing:
        raise ValueError(f"tuned lacks the routers {missing}")
    out = {}
    for v, runs in by.items():
        t = _check_tuned(tuned[v])
        out[v] = {
            "test_raw": t.values,
            "test": mean_ci(t.values),
            "mom_raw": late(runs, "max_over_mean", n=3),  # mean of the last 3 evaluations
            "max_over_mean": mean_ci(late(runs, "max_over_mean", n=3)),
            "dead": mean_ci(late(runs, "dead_fraction", n=3)),
        }
    return out


def moe_table(tuned: Mapping[str, TunedRate], summary: Mapping[str, Mapping]) -> str:
    """Return chapter 5's text table of the MoE routers (rows in the order of
    ``summary``): chosen rate (``*`` at the grid's edge), test loss, max/mean load and
    dead-expert fraction, each mean ± 95% half-width."""
    missing = [v for v in summary if v not in tuned]
    if missing:
        raise ValueError(f"tuned lacks the routers {missing}")
    lines = [
        f"{'router':14s} {'rate':>6s} {'test loss (nats)':>17s} {'max/mean load':>14s} "
        f"{'dead experts':>13s}"
    ]
    for v, s in summary.items():
        edge = "*" if tuned[v].edge else " "
        lines.append(
            f"{v:14s} {tuned[v].lr:6g}{edge} {s['test'][0]:9.3f} ± {s['test'][1]:.3f} "
            f"{s['max_over_mean'][0]:7.2f} ± {s['max_over_mean'][1]:.2f} "
            f"{s['dead'][0]:7.2f} ± {s['dead'][1]:.2f}"
        )
    lines.append("rate chosen on validation (* at the grid's edge); 3 seeds, 95% intervals")
    return "\n".join(lines)


def attention_table(tuned: Mapping[tuple, TunedRate], summary: Mapping[str, Mapping]) -> str:
    """Return chapter 5's text table of the attention variants (rows in the order of
    ``summary``, each with ``val`` and ``test`` per seed): chosen rate (``*`` at the
    edge), validation and test loss as mean ± 95% half-width."""
    missing = [v for v in summary if (v,) not in tuned]
    if missing:
        raise ValueError(f"tuned lacks the variants {missing}")
    lines = [f"{'variant':12s} {'rate':>6s} {'val loss':>16s} {'test loss (nats)':>17s}"]
    for v, s in summary.items():
        t = tuned[(v,)]
        edge = "*" if t.edge else " "
        lines.append(
            f"{v:12s} {t.lr:6.0e}{edge} {mean_interval(s['val']):>16s} "
            f"{mean_interval(s['test']):>17s}"
        )
    lines.append("rate chosen on the validation loss; * at the edge of the grid; 3 seeds, 95% CI")
    return "\n".join(lines)


def norm_at(runs: Sequence[Mapping], index: int = 1) -> np.ndarray:
    """Return per run the attention-output norm per token at evaluation ``index``
    (step 50 for index 1 in chapter 5's sweep), averaged over blocks."""
    if isinstance(index, bool) or not isinstance(index, int):
        raise TypeError(f"index must be an int, got {type(index).__name__}")
    if not runs:
        raise ValueError("runs is empty")
    return np.array([np.mean(r["attention_norm"][index]) for r in runs])


def diagnostics_table(
    by: Mapping[tuple, Sequence[Mapping]], rates: Sequence[float], variants: Sequence[str]
) -> str:
    """Return chapter 5's text table of the attention diagnostics per variant at each of
    ``rates`` (``by[(variant, lr)]``: runs in seed order): the norm at step 50, the
    first-token weight (mean ± 95% half-width) and the largest activation (geometric mean
    and seed range)."""
    missing = [(v, lr) for lr in rates for v in variants if (v, lr) not in by]
    if missing:
        raise ValueError(f"by lacks the groups {missing}")
    lines = [
        f"at equal rates: {'norm@50':>8s} {'first-token weight':>19s} "
        f"{'max |activation|: geometric mean (seed range)':>17s}"
    ]
    for lr in rates:
        for v in variants:
            first = late(by[(v, lr)], "first_token")
            act = late(by[(v, lr)], "max_activation")
            lines.append(
                f"{v:12s} {lr:6.0e} {norm_at(by[(v, lr)]).mean():8.2f} "
                f"{mean_interval(first):>19s} "
                f"{np.exp(np.log(act).mean()):8.1f} ({act.min():.1f}-{act.max():.1f})"
            )
    lines.append("norm@50: mean attention-output norm per token at step 50")
    return "\n".join(lines)


def sink_table(
    by: Mapping[tuple, Sequence[Mapping]],
    rates: Sequence[float],
    summary: Mapping[str, Mapping],
    variants: Sequence[str] = ("softmax", "gated", "gated_dense"),
) -> str:
    """Return chapter 5's text of the first-token weight and largest activation of
    ``variants`` at each of ``rates`` (mean ± 95% half-width), then each one's test loss
    at its best rate (``summary[v]`` with ``test`` and ``lr``)."""
    missing = [v for v in variants if v not in summary]
    if missing:
        raise ValueError(f"summary lacks the variants {missing}")
    lines = []
    for lr in rates:
        lines.append(f"at rate {lr:g}:")
        for v in variants:
            lines.append(
                f"  {v:12s} first-token weight "
                f"{mean_interval(late(by[(v, lr)], 'first_token'))}, largest activation "
                f"{mean_interval(late(by[(v, lr)], 'max_activation'))}"
            )
    lines.append("test loss at each variant's best rate (of five, chosen on validation):")
    for v in variants:
        lines.append(f"  {v:12s} {mean_interval(summary[v]['test'])} (lr {summary[v]['lr']:g})")
    return "\n".join(lines)


def gate_table(
    vs_softmax: Callable[[str, float], object],
    rates: Sequence[float],
    summary: Mapping[str, Mapping],
    gates: Sequence[str] = ("gated", "gated_dense"),
) -> str:
    """Return chapter 5's Markdown table of each gated variant's test loss minus
    softmax's, paired by seed: one row per rate of ``rates`` (``vs_softmax(variant, lr)``,
    ``None`` where a run diverged) and a last row with each at its own best rate
    (``summary[v]["test"]``)."""
    if not callable(vs_softmax):
        raise TypeError("vs_softmax must be callable (variant, lr) -> difference or None")
    rows = [[f"{lr:g}", *(str(vs_softmax(v, lr) or "diverged") for v in gates)] for lr in rates]
    rows.append(
        [
            "each at its own best rate (different rates)",
            *(
                str(paired_difference(summary[v]["test"], summary["softmax"]["test"]))
                for v in gates
            ),
        ]
    )
    header = [
        "rate",
        "gated − softmax (test nats)",
        "control 0.5 + 0.5σ − softmax (test nats)",
    ]
    return markdown_table(header, rows)


def pair_table(
    pair: Mapping[tuple[str, int], TunedRate],
    vs_clip: Mapping[int, object],
    start: Mapping[int, object],
    labels: Mapping[str, str],
) -> str:
    """Return chapter 5's Markdown table of SigLIP and CLIP per batch size (the batches of
    ``vs_clip``): each loss of ``labels``' test accuracy (mean ± 95% half-width, chosen
    rate, ``edge``), SigLIP minus CLIP and prior minus -10 start (paired differences),
    and SigLIP's final bias from either start."""
    batches = list(vs_clip)
    if list(start) != batches:
        raise ValueError("start and vs_clip must hold the same batch sizes")
    missing = [(loss, b) for loss in labels for b in batches if (loss, b) not in pair]
    if missing:
        raise ValueError(f"pair lacks the (loss, batch) groups {missing}")

    def acc_cell(loss, b):
        t = pair[(loss, b)]
        return f"{mean_interval(t.values)} ({t.lr:g}{', edge' if t.edge else ''})"

    rows = [
        [
            str(b),
            *(acc_cell(loss, b) for loss in labels),
            str(vs_clip[b]),
            str(start[b]),
            f"{mean_final(pair[('siglip', b)], 'bias'):.1f} / "
            f"{mean_final(pair[('siglip_b10', b)], 'bias'):.1f}",
        ]
        for b in batches
    ]
    header = [
        "batch",
        *(f"{labels[loss]}: test accuracy (rate)" for loss in labels),
        "SigLIP (prior) − CLIP",
        "prior − (−10) start",
        "final bias, prior / −10 start",
    ]
    return markdown_table(header, rows)


def late_by_rate(
    by: Mapping[tuple, Sequence[Mapping]],
    rates: Sequence[float],
    variants: Sequence[str],
    fields: Sequence[str] = ("first_token", "max_activation"),
) -> dict[str, dict[float, dict[str, np.ndarray]]]:
    """Return ``{field: {lr: {variant: values}}}``: each field's value at the end of
    training, one per seed, for ``by[(variant, lr)]`` (the input of
    :func:`book.ch5_figures.attention_dot_plots`, chapter 5)."""
    missing = [(v, lr) for lr in rates for v in variants if (v, lr) not in by]
    if missing:
        raise ValueError(f"by lacks the groups {missing}")
    return {
        field: {lr: {v: late(by[(v, lr)], field) for v in variants} for lr in rates}
        for field in fields
    }


def balance_table(
    before: Mapping[str, np.ndarray],
    after: Mapping[str, np.ndarray],
    spread: Mapping[str, float],
    gammas: Sequence[float],
) -> str:
    """Return chapter 5's text rows of the frozen-router balancing, one per router:
    max/mean load before balancing (``before[router]``, one per draw), a token's score
    spread, and the max/mean load after balancing at each step size of ``gammas``
    (``after[router]``: (draw, step size)), each a mean over the draws."""
    lines = []
    for r in before:
        a = np.asarray(after[r])
        if a.ndim != 2 or a.shape[1] != len(gammas):
            raise ValueError(f"after[{r!r}] must be (draws, len(gammas)), got {a.shape}")
        lines.append(
            f"  {r:7s} (before: {np.mean(before[r]):.2f}; a token's scores spread "
            f"{spread[r]:.3f}): "
            + ", ".join(f"γ={float(g):g}: {m:.2f}" for g, m in zip(gammas, a.mean(0), strict=True))
        )
    return "\n".join(lines)
