"""Chapter 5's closing table: each published use of the sigmoid beside what the chapter
measured, with the verdict the row's own numbers support.

Each function returns rows ``(experiment, papers, ours, verdict)`` for
:func:`book.results.papers_table`, from numbers the chapter computed; the claims that
test those numbers stay in the chapter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from book.results import PairedDifference, agrees, paired_difference, to_within

__all__ = ["exact_rows", "moe_rows", "attention_rows", "siglip_row"]

Row = tuple[str, str, str, str]


def _check_difference(**named) -> None:
    for name, d in named.items():
        if not isinstance(d, PairedDifference):
            raise TypeError(f"{name} must be a PairedDifference, got {type(d).__name__}")


def exact_rows(
    *,
    per_token: int,
    hidden: int,
    glu_gap: float,
    gtu_ratio: float,
    far_ratio: float,
    best_acc: Mapping[float, np.ndarray],
    cosine: float,
    softmax_gap: float,
    flops_ratio: float,
    n_capped: int,
    cap_max: float,
    same_top: bool,
) -> list[Row]:
    """Return the closing table's rows for the exact and small checks of chapter 5:
    SwiGLU's sigmoids per token (``per_token`` for ``hidden`` units), the GLU gradient
    (``glu_gap``, ``gtu_ratio``), the LSTM forget-gate bias (``far_ratio``, recall
    accuracy per seed ``best_acc[b_f]`` for b_f 0 and 1), Bradley-Terry (``cosine``,
    ``softmax_gap``), negative sampling (``flops_ratio``) and soft-capping (``n_capped``
    logits, largest ``cap_max``, arg-max kept: ``same_top``)."""
    if set(best_acc) != {0.0, 1.0}:
        raise ValueError("best_acc must hold the forget-gate biases 0.0 and 1.0")
    b0, b1 = np.asarray(best_acc[0.0]), np.asarray(best_acc[1.0])
    lstm_result = (
        f"{far_ratio:,.0f}x more gradient 39 steps back; recall accuracy of the best "
        f"b_f = 0 seed {b0.max():.2f} vs the worst b_f = 1 seed "
        f"{b1.min():.2f} (median {np.median(b1):.2f}), {b1.size} seeds"
    )
    return [
        (
            "SwiGLU: sigmoids per token",
            "one SiLU gate per hidden unit (Shazeer 2020)",
            f"{per_token:,} for {hidden:,} hidden units",
            agrees(per_token == hidden, "exact", "differs"),
        ),
        (
            "GLU gradient path",
            "the linear path's gradient is scaled only by the gate (Dauphin et al. 2017)",
            f"∂h/∂a = σ(g) {to_within(glu_gap)}; a tanh path keeps a median {gtu_ratio:.2f} "
            "of it (inputs of scale 3)",
            agrees(glu_gap < 1e-6, "exact", "differs"),
        ),
        (
            "LSTM forget-gate bias",
            "the forget gate (Gers et al. 2000); initialise b_f = 1 (Jozefowicz et al. 2015)",
            lstm_result,
            agrees(bool(b1.min() > b0.max()), "agrees", "not separated"),
        ),
        (
            "Bradley–Terry reward model",
            "trains the reward model with −log σ(r_w − r_l) (Ouyang et al. 2022)",
            f"cosine {cosine:.3f} to the hidden reward; equals a two-class softmax "
            f"{to_within(softmax_gap)}",
            agrees(cosine > 0.95, "works as used", "weak recovery")
            + "; identity "
            + agrees(softmax_gap < 1e-6, "exact", "differs"),
        ),
        (
            "Negative sampling",
            "k + 1 logistic regressions replace a V-way softmax (Mikolov et al. 2013)",
            f"{flops_ratio:,.0f}x fewer FLOPs per step (XLA's count)",
            agrees(flops_ratio > 1000, "agrees", "smaller saving"),
        ),
        (
            "Soft-capping",
            "bounds the logits and keeps their order (Gemma Team 2024)",
            f"{n_capped:,} capped logits, largest |value| {cap_max:.4f}; arg-max kept in "
            f"{'every' if same_top else 'not every'} row",
            agrees(cap_max < 30 and same_top, "exact", "differs"),
        ),
    ]


def moe_rows(
    summary: Mapping[str, Mapping],
    *,
    closer: int,
    n_draws: int,
    good: Mapping[str, int],
    balance_gap: PairedDifference,
    vs_soft: Mapping[str, PairedDifference],
) -> list[Row]:
    """Return the closing table's two MoE rows: the selection-only bias (max/mean load
    per seed ``summary[router]["mom_raw"]``, with and without ``_bias``) and sigmoid
    against softmax routing (frozen router: ``closer`` of ``n_draws`` draws, ``good``
    step sizes per router; in training: ``balance_gap`` and the test-loss differences
    ``vs_soft``)."""
    _check_difference(balance_gap=balance_gap, **{f"vs_soft[{v!r}]": d for v, d in vs_soft.items()})
    routers = ("softmax", "sigmoid")
    missing = [v for r in routers for v in (r, f"{r}_bias") if v not in summary]
    if missing:
        raise ValueError(f"summary lacks the routers {missing}")
    mom = {v: np.asarray(s["mom_raw"]) for v, s in summary.items()}
    balanced = all(mom[f"{r}_bias"].max() < mom[r].min() for r in routers)
    frozen = agrees(
        closer >= n_draws - 1 and good["sigmoid"] > good["softmax"],
        "sigmoid easier to balance frozen",
        "frozen: sigmoid not clearly easier",
    )
    trained = agrees(
        balance_gap.separates,
        f"{'sigmoid' if balance_gap.mean < 0 else 'softmax'} balances better in training",
        "not separated in training",
    )
    return [
        (
            "MoE: selection-only bias",
            "balances the load without an auxiliary loss (Wang et al. 2024)",
            "max/mean load "
            + ", ".join(f"{v} {s['max_over_mean'][0]:.2f}" for v, s in summary.items()),
            agrees(bool(balanced), "agrees, for either router", "not reproduced"),
        ),
        (
            "MoE: sigmoid vs softmax router",
            "DeepSeek-V3 uses sigmoid scores; no ablation published (DeepSeek-AI 2024)",
            f"frozen router: sigmoid closer to a fair share on {closer} of {n_draws} draws, "
            f"within 20% at {good['sigmoid']} vs {good['softmax']} step sizes; in training, "
            f"sigmoid − softmax (both with bias) {balance_gap}; test loss "
            + agrees(any(d.separates for d in vs_soft.values()), "separated", "not separated"),
            f"{frozen}; {trained}",
        ),
    ]


def attention_rows(
    *,
    tuned_gap: PairedDifference,
    gated_test: np.ndarray,
    soft_test: np.ndarray,
    soft_lr: float,
    hi: float,
    gated_at_hi: PairedDifference | None,
    mean_val: Mapping[tuple[str, float], float],
    high_rate_ok: bool,
    ratios: Mapping[float, tuple[float, float]],
    no_sink: bool,
) -> list[Row]:
    """Return the closing table's attention rows: sigmoid attention (``tuned_gap``, test
    loss sigmoid minus softmax at their own rates), gated attention's loss (test loss per
    seed ``gated_test`` and ``soft_test``; at rate ``hi`` the paired ``gated_at_hi`` and
    the validation losses ``mean_val[(variant, lr)]`` at ``soft_lr`` and ``hi``;
    ``high_rate_ok``) and the sink (gated over softmax ``ratios[lr]`` of first-token
    weight and largest activation; ``no_sink``: softmax below uniform attention)."""
    _check_difference(tuned_gap=tuned_gap)
    gated_test, soft_test = np.asarray(gated_test), np.asarray(soft_test)

    def val_change(variant):
        return mean_val[(variant, hi)] - mean_val[(variant, soft_lr)]

    return [
        (
            "Sigmoid attention, b = −log n",
            "matches softmax (Ramapuram et al. 2024)",
            f"test loss sigmoid − softmax {tuned_gap} nats, each at its own rate",
            agrees(not tuned_gap.separates, "consistent (not separated)", "differs"),
        ),
        (
            "Gated attention: loss",
            "lower loss, stable at higher rates (Qiu et al. 2025)",
            f"gated − softmax {paired_difference(gated_test, soft_test)} nats at their "
            f"own rates; at {hi:g}, ten times softmax's best: {gated_at_hi}; "
            f"validation loss from {soft_lr:g} to {hi:g}: softmax "
            f"{val_change('softmax'):+.3f}, gated {val_change('gated'):+.3f}",
            agrees(
                bool(gated_test.max() < soft_test.min()) and high_rate_ok,
                "agrees in direction",
                "not both reproduced",
            ),
        ),
        (
            "Gated attention: sink",
            "first-token weight 0.467 → 0.048, largest activation 1053 → 94 (Qiu et al. "
            "2025, a 15B MoE)",
            "gated over softmax: first-token weight "
            + ", ".join(f"×{f:.2f} (lr {lr:g})" for lr, (f, _) in ratios.items())
            + "; largest activation "
            + ", ".join(f"×{a:.2f} (lr {lr:g})" for lr, (_, a) in ratios.items())
            + "; softmax's first-token weight "
            + agrees(no_sink, "below", "above")
            + " uniform attention's",
            agrees(no_sink, "not testable: no sink formed", "sink forms"),
        ),
    ]


def siglip_row(vs_clip: Mapping[int, PairedDifference], batches: Sequence[int]) -> Row:
    """Return the closing table's SigLIP/CLIP row: the range of SigLIP minus CLIP test
    accuracy over the batch sizes (``vs_clip[batch]``, paired by seed) and where each loss
    is ahead beyond the paired interval; ``batches``: the sweep's batch sizes."""
    _check_difference(**{f"vs_clip[{b}]": d for b, d in vs_clip.items()})
    if not batches:
        raise ValueError("batches must not be empty")
    ahead = {}  # where each loss is ahead beyond the paired interval
    for name, sign in (("SigLIP", 1), ("CLIP", -1)):
        bs = [str(b) for b, d in vs_clip.items() if d.separates and sign * d.mean > 0]
        ahead[name] = "B = " + ", ".join(bs) if bs else "no batch"
    return (
        "SigLIP vs CLIP",
        "sigmoid loss ahead below 16k pairs per batch (Zhai et al. 2023)",
        f"SigLIP − CLIP accuracy {min(d.mean for d in vs_clip.values()):+.3f} to "
        f"{max(d.mean for d in vs_clip.values()):+.3f}; beyond the paired interval, SigLIP "
        f"ahead at {ahead['SigLIP']}, CLIP at {ahead['CLIP']}",
        f"not a test: linear encoders on digits, batches {batches[0]}–"
        f"{batches[-1]} (paper: deep encoders, web-scale data, batches in the "
        "thousands)",
    )
