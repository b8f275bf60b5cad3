"""Chapter 4's bar charts: a softmax output beside a sigmoid output, token by token.

Chapter 4 compares the two output layers on the same tokens twice: their outputs as the
logits are scaled, and the gradient each loss puts on the logits. :func:`paired_bars`
draws both in the book's series colours; :func:`draw_scaled_outputs` and
:func:`gradient_figure` use it. The chapter's other figures: :func:`budget_figure`
(training curves and the gap to softmax by budget), :func:`reliability_figure`, and
:func:`next_char_drawer` (the sampling explorer's bars and sample line). Each head keeps
one colour and line style, :data:`HEAD_STYLE`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from book.char_heads import HEADS, BudgetGap, RateGrid
from book.losses import reliability
from book.plots import FigureImage, new_figure, series_colour, show

__all__ = [
    "paired_bars",
    "HEAD_STYLE",
    "draw_scaled_outputs",
    "budget_figure",
    "reliability_figure",
    "gradient_figure",
    "next_char_drawer",
]

#: colour and line style of each of chapter 4's heads (:data:`book.char_heads.HEADS`)
HEAD_STYLE = {
    HEADS[0]: (series_colour("softmax"), "-"),
    HEADS[1]: (series_colour("one-vs-rest sigmoid"), "--"),
    HEADS[2]: (series_colour("one-vs-rest sigmoid"), "-"),
}
_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 10: "ten", 12: "twelve", 20: "twenty"}
_GREY = "#444444"


def _count_words(n: int) -> str:
    return _WORDS.get(n, str(n))


def _char_label(char: str) -> str:
    return repr(char)[1:-1] or "␣"


def paired_bars(
    ax: Axes,
    softmax_values,
    sigmoid_values,
    *,
    softmax_label: str,
    sigmoid_label: str,
    width: float = 0.4,
) -> np.ndarray:
    """Draw, for each token, softmax's bar (left) beside the sigmoid output's bar (right)
    on ``ax``, with one x tick per token; return the token positions."""
    a, b = np.asarray(softmax_values, float), np.asarray(sigmoid_values, float)
    if a.ndim != 1 or a.shape != b.shape or a.size == 0:
        raise ValueError(
            f"softmax_values and sigmoid_values must be 1-D, non-empty and as long, got "
            f"shapes {a.shape} and {b.shape}"
        )
    if not 0 < width <= 0.5:
        raise ValueError(f"width must be in (0, 0.5] so the bars do not overlap, got {width!r}")
    positions = np.arange(a.size)
    ax.bar(
        positions - width / 2, a, width=width, color=series_colour("softmax"), label=softmax_label
    )
    ax.bar(
        positions + width / 2,
        b,
        width=width,
        color=series_colour("one-vs-rest sigmoid"),
        label=sigmoid_label,
    )
    ax.set_xticks(positions)
    return positions


def draw_scaled_outputs(fig: Figure, outputs: Mapping, values: Mapping) -> None:
    """Draw ``outputs["softmax"]`` beside ``outputs["sigmoid"]`` (one bar pair per token,
    the legend giving each sum) at logit scale ``values["scale"]`` on ``fig``: the
    ``draw`` of chapter 4's logit-scale explorer (:func:`book.explore.explore`)."""
    if "softmax" not in outputs or "sigmoid" not in outputs or "scale" not in values:
        raise ValueError("outputs needs 'softmax' and 'sigmoid', values needs 'scale'")
    ax = fig.subplots()
    soft, sig = outputs["softmax"], outputs["sigmoid"]
    paired_bars(
        ax,
        soft,
        sig,
        softmax_label=f"softmax (sum {float(soft.sum()):.2f})",
        sigmoid_label=f"independent sigmoids (sum {float(sig.sum()):.2f})",
    )
    ax.set(
        ylim=(0, 1.05),
        xlabel="token (logits in decreasing order)",
        ylabel="output",
        title=f"logits × {values['scale']:g}",
    )
    ax.legend(loc="upper right")


def budget_figure(
    runs: Mapping[str, RateGrid],
    rates: Mapping[str, float],
    gaps: Mapping[str, Sequence[BudgetGap]],
    tested_from: int,
) -> FigureImage:
    """Return chapter 4's training figure with its alt text. Left: validation bits of every
    seed of each head of ``runs`` at its rate in ``rates``; right: each head of ``gaps``
    (:func:`book.char_heads.gaps_by_budget`) minus softmax by budget, with 95% bands; the
    alt text quotes the gaps from ``tested_from`` steps on."""
    if set(runs) - set(HEAD_STYLE) or set(runs) - set(rates) or set(gaps) - set(runs):
        raise ValueError(
            f"runs must be keyed by heads of {HEADS}, rates must hold each of them and "
            "gaps only heads of runs"
        )
    if set(gaps) != set(HEADS[1:]):
        raise ValueError(
            f"gaps must hold the two one-vs-rest heads {HEADS[1:]}, got {sorted(gaps)}"
        )
    budgets = np.array([g.steps for g in gaps[HEADS[2]]])
    tested = budgets >= tested_from
    if not tested.any():
        raise ValueError(f"tested_from must be at most the last budget, got {tested_from!r}")
    fig, (ax_curve, ax_gap) = new_figure(2, width=10.0, height=3.8)
    for head in runs:
        c, ls = HEAD_STYLE[head]
        grid = runs[head]
        for s in range(grid.seeds):
            curve = grid.curve("validation", rates[head], s)
            label = None if s else head
            ax_curve.plot(grid.record_steps, curve, color=c, ls=ls, alpha=0.8, label=label)
        if head in gaps:
            m = np.array([g.gap.mean for g in gaps[head]])
            h = np.array([g.gap.half for g in gaps[head]])
            ax_gap.plot(budgets, m, color=c, ls=ls, marker="o", label=head)
            ax_gap.fill_between(budgets, m - h, m + h, color=c, alpha=0.15)
    ax_curve.set(ylim=(2, 4), xlabel="Adam step", ylabel="validation bits per character")
    last = int(next(iter(runs.values())).record_steps[-1])
    ax_curve.set_title(f"Still falling at {last:,} steps")
    ax_gap.axhline(0, color=_GREY, lw=0.8)
    ax_gap.set(xlabel="training budget (Adam steps)", ylabel="test bits/char minus softmax's")
    ax_gap.set_title("The prior bias closes most of the gap")
    ax_curve.legend()
    ax_gap.legend()
    zero, prior = (np.array([g.gap.mean for g in gaps[h]])[tested] for h in HEADS[1:])
    seeds = next(iter(runs.values())).seeds
    return show(
        fig,
        "Left: validation bits per character during training at each head's tuned rate, "
        f"{_count_words(seeds)} seeds each; every curve is still falling at {last:,} "
        "steps. Right: the test gap to softmax at each "
        f"training budget with 95% confidence bands; from {budgets[tested][0]} steps on "
        f"the mean gap is {zero.min():.2f} to {zero.max():.2f} bits for the one-vs-rest "
        f"head with zero bias and at most {np.abs(prior).max():.3f} bits in size with the "
        "prior bias.",
    )


def reliability_figure(
    probs: Mapping[str, object],
    labels,
    ece: Mapping[str, float],
    threshold: Mapping[str, float],
) -> FigureImage:
    """Return chapter 4's reliability diagram with its alt text: top-1 accuracy against
    top-1 probability (bins of over 50 positions) of each head's ``probs`` on ``labels``,
    the legend giving each head's ``ece``; the alt text compares it with ``threshold``."""
    if not probs or set(probs) - set(HEAD_STYLE):
        raise ValueError(f"probs must be keyed by heads of {HEADS}, got {sorted(probs)}")
    if set(probs) - set(ece) or set(probs) - set(threshold):
        raise ValueError("ece and threshold must hold every head of probs")
    fig, ax = new_figure(width=6.4, height=3.8)
    largest_miss = 0.0  # largest |accuracy - confidence| of a plotted bin
    for head, head_probs in probs.items():
        c, ls = HEAD_STYLE[head]
        rel = reliability(head_probs, labels)
        used = np.asarray(rel["count"]) > 50
        conf = np.asarray(rel["confidence"])[used]
        acc = np.asarray(rel["accuracy"])[used]
        largest_miss = max(largest_miss, float(np.abs(acc - conf).max()))
        ax.plot(conf, acc, "o", ls=ls, color=c, label=f"{head} (seed-0 ECE {ece[head]:.3f})")
    ax.plot([0, 1], [0, 1], ":", color=_GREY, label="perfect calibration")
    ax.set(
        xlabel="top-1 probability",
        ylabel="top-1 accuracy",
        title="Test split (seed 0): no head within sampling noise of the diagonal",
    )
    ax.legend()
    ratio = [ece[h] / threshold[h] for h in probs]
    return show(
        fig,
        "Reliability diagram on the test split, seed 0: top-1 accuracy against top-1 "
        f"probability for the {_count_words(len(probs))} heads, close to each other; "
        f"plotted bins lie up to {largest_miss:.2f} from the diagonal, and each head's "
        f"expected calibration error (legend) is {min(ratio):.1f} to {max(ratio):.1f} "
        "times that of a perfectly calibrated model with the same confidences.",
    )


def gradient_figure(
    g_softmax, g_sigmoid, vocab: Sequence[str], context_text: str, n_shown: int = 12
) -> FigureImage:
    """Return chapter 4's bar chart of the gradient on the logits, softmax's beside
    one-vs-rest's, for the ``n_shown`` tokens of ``vocab`` with the largest softmax
    gradient after ``context_text``, with its alt text."""
    g_softmax, g_sigmoid = np.asarray(g_softmax), np.asarray(g_sigmoid)
    if g_softmax.shape != (len(vocab),) or g_sigmoid.shape != (len(vocab),):
        raise ValueError(f"g_softmax and g_sigmoid must both have shape ({len(vocab)},)")
    if not isinstance(n_shown, int) or not 1 <= n_shown <= len(vocab):
        raise ValueError(f"n_shown must be an int in [1, {len(vocab)}], got {n_shown!r}")
    shown = np.argsort(-np.abs(g_softmax))[:n_shown]
    fig, ax = new_figure(width=8.0, height=3.4)
    paired_bars(
        ax,
        g_softmax[shown],
        g_sigmoid[shown],
        softmax_label="softmax: p − y",
        sigmoid_label="one-vs-rest: σ(z) − y",
    )
    ax.axhline(0, color=_GREY, lw=0.8)
    ax.set(
        xticklabels=[_char_label(vocab[t]) for t in shown],
        xlabel="token",
        ylabel="∂L/∂z (gradient descent moves against it)",
        title=f"Gradient on the logits after {context_text!r}",
    )
    ax.legend()
    return show(
        fig,
        f"Bar chart of the gradient on the logits of the {_count_words(n_shown)} tokens "
        "with the largest softmax gradient for one test position, softmax's bars beside "
        "one-vs-rest's.",
    )


def next_char_drawer(
    vocab: Sequence[str], prompt: str, shown: int = 20
) -> Callable[[Figure, Mapping, Mapping], None]:
    """Return the ``draw`` of chapter 4's sampling explorer (:func:`book.explore.explore`):
    the ``shown`` likeliest next characters of ``result["probs"]`` after ``prompt`` as
    bars, titled with ``values["temperature"]`` and ``values["top_k"]``, and the sampled
    continuation ``result["ids"]`` (indices into ``vocab``) on a line below."""
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a str, got {type(prompt).__name__}")
    if not isinstance(shown, int) or not 1 <= shown <= len(vocab):
        raise ValueError(f"shown must be an int in [1, {len(vocab)}], got {shown!r}")

    def draw(fig: Figure, result: Mapping, values: Mapping) -> None:
        ax = fig.subplots()
        probs = np.asarray(result["probs"])
        top = np.argsort(-probs)[:shown]
        ax.bar(np.arange(shown), probs[top], color=series_colour("softmax"))
        ax.set(
            xticks=np.arange(shown),
            xticklabels=[_char_label(vocab[t]) for t in top],
            ylim=(0, 1),
            xlabel=f"next character after {prompt!r} ({shown} likeliest)",
            ylabel="probability",
            title=f"τ = {values['temperature']:g}, top-k = {values['top_k']}",
        )
        sample = prompt + "".join(vocab[t] for t in np.asarray(result["ids"]))
        fig.text(
            0.01, 0.0, "sample: " + repr(sample)[1:-1], fontsize=8, family="monospace", va="bottom"
        )
        # room for the sample line: the layout is computed once, on the default frame;
        # later frames keep those axes positions (no layout engine to set)
        if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
            fig.get_layout_engine().set(rect=(0, 0.08, 1, 0.92))

    return draw
