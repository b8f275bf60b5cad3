"""Chapter 5's figures: the colours of the attention variants, the expert loads of the
MoE sweep, the sigmoid-attention pattern and the attention-sink dot plots.

Each draw function takes a figure (or makes one with :func:`book.plots.new_figure`) and
the numbers the chapter computed; nothing here computes a result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from book.plots import new_figure, series_colour
from book.results import geometric_ci
from book.stats import mean_ci

__all__ = [
    "VARIANT_SERIES",
    "variant_colour",
    "draw_expert_load",
    "draw_attention_pattern",
    "attention_dot_plots",
]

# chapter 5's attention variants -> the series name that fixes their colour book-wide
VARIANT_SERIES = {
    "softmax": "softmax",
    "sigmoid": "sigmoid",
    "sigmoid_b0": "sigmoid attention, b = 0",
    "gated": "gated attention",
    "gated_dense": "gated attention, dense gate",
}
GREY = "#444444"
RATE_MARKERS = ("o", "s")  # filled: the lower rate; open: the higher


def variant_colour(variant: str) -> str:
    """Return the colour of attention variant or router ``variant`` (chapter 5): a
    router is coloured as its gate, e.g. ``"sigmoid_bias"`` as sigmoid."""
    if not isinstance(variant, str):
        raise TypeError(f"variant must be a string, got {type(variant).__name__}")
    if variant in VARIANT_SERIES:
        return series_colour(VARIANT_SERIES[variant])
    if variant.startswith(("softmax", "sigmoid")):
        return series_colour("sigmoid" if variant.startswith("sigmoid") else "softmax")
    raise ValueError(f"variant must be one of {', '.join(VARIANT_SERIES)} or a router name")


def draw_expert_load(fig: Figure, loads, values: Mapping, *, steps: Sequence[int]) -> None:
    """Draw each expert's load over training, one panel per block, on ``fig``.

    ``loads``: (evaluation, block, expert) loads relative to a fair share, recorded at
    ``steps``; ``values``: the explorer's ``variant`` (router) and ``seed``.
    """
    loads = np.asarray(loads)
    if loads.ndim != 3 or loads.shape[0] != len(steps):
        raise ValueError(f"loads must be (len(steps), blocks, experts), got {loads.shape}")
    axes = fig.subplots(1, loads.shape[1], sharey=True, squeeze=False)[0]
    for block, ax in enumerate(axes):
        for e in range(loads.shape[-1]):
            ax.plot(
                steps,
                loads[:, block, e],
                color=variant_colour(values["variant"]),
                alpha=0.35 + 0.08 * e,
                lw=1.4,
            )
        ax.axhline(1.0, color=GREY, ls=":", lw=1)
        ax.set(xlabel="training step", title=f"block {block + 1}")
    axes[0].set_ylabel("expert load / fair share")
    fig.suptitle(f"router: {values['variant']}, seed {values['seed']}")


def draw_attention_pattern(fig: Figure, weights, values: Mapping) -> None:
    """Draw a causal attention pattern (query, key) as a heat map and each row's sum
    beside the sum (t + 1)/(n + 1) that the bias -log n gives; ``values``: the
    explorer's ``kind`` (softmax or sigmoid) and ``bias``."""
    weights = np.asarray(weights)
    if weights.ndim != 2 or weights.shape[0] != weights.shape[1]:
        raise ValueError(f"weights must be a square (query, key) array, got {weights.shape}")
    n = weights.shape[0]
    ax_map, ax_sum = fig.subplots(1, 2, width_ratios=[1.3, 1])
    ax_map.imshow(weights, cmap="viridis", vmin=0, vmax=1)
    ax_map.set(xlabel="key position", ylabel="query position", title="attention weights")
    kind = values["kind"]
    label = kind if kind == "softmax" else f"sigmoid, b = {values['bias']:g}"
    ax_sum.plot(np.arange(n), weights.sum(-1), "o-", color=variant_colour(kind), label=label)
    ax_sum.plot(np.arange(n), (np.arange(n) + 1) / (n + 1), ":", color=GREY, label="(t+1)/(n+1)")
    ax_sum.set(ylim=(0, 9), xlabel="query position", ylabel="row sum", title="row sums")
    ax_sum.legend(loc="upper left")


def attention_dot_plots(
    diagnostics: Mapping[str, Mapping[float, Mapping[str, np.ndarray]]],
    test_loss: Mapping[str, np.ndarray],
) -> Figure:
    """Return chapter 5's three dot plots over the attention variants: the first-token
    weight and the largest activation (geometric mean and 95% interval per rate, log
    scale) and the test loss at each variant's best rate (mean and 95% interval), with a
    dot per seed.

    ``diagnostics[field][lr][variant]``: one value per seed for the fields
    ``"first_token"`` and ``"max_activation"`` at two rates; ``test_loss[variant]``.
    """
    if set(diagnostics) != {"first_token", "max_activation"}:
        raise ValueError("diagnostics must hold exactly 'first_token' and 'max_activation'")
    order = list(test_loss)
    fig, (ax_sink, ax_act, ax_loss) = new_figure(3, width=10.0, height=3.6)
    for ax, field, label in (
        (ax_sink, "first_token", "attention on the first token"),
        (ax_act, "max_activation", "largest |hidden activation|"),
    ):
        by_rate = diagnostics[field]
        if len(by_rate) != len(RATE_MARKERS):
            raise ValueError(f"diagnostics[{field!r}] must hold {len(RATE_MARKERS)} rates")
        for j, lr in enumerate(by_rate):
            for i, v in enumerate(order):
                values = np.asarray(by_rate[lr][v])
                g, lo, hi = geometric_ci(values)
                x, c = i + (j - 0.5) * 0.36, variant_colour(v)
                mfc = c if j == 0 else "white"
                ax.errorbar(
                    x,
                    g,
                    yerr=[[g - lo], [hi - g]],
                    fmt=RATE_MARKERS[j],
                    color=c,
                    mfc=mfc,
                    capsize=2,
                )
                ax.plot(np.full(values.size, x), values, ".", color="#222222", ms=3)
        ax.set(xticks=np.arange(len(order)), ylabel=label, yscale="log")
        ax.set_xticklabels(order, rotation=30, ha="right")
    ax_sink.legend(
        handles=[
            Line2D([], [], marker=m, color=GREY, mfc=f, ls="none", label=f"lr {lr:g}")
            for m, f, lr in zip(
                RATE_MARKERS, (GREY, "white"), diagnostics["first_token"], strict=True
            )
        ],
        loc="lower left",
    )
    for i, v in enumerate(order):
        values = np.asarray(test_loss[v])
        m, h = mean_ci(values)
        ax_loss.errorbar(i, m, yerr=h, fmt="o", color=variant_colour(v), capsize=3)
        ax_loss.plot(np.full(values.size, i + 0.15), values, ".", color="#222222", ms=3)
    ax_loss.set(xticks=np.arange(len(order)), ylabel="test loss (nats)")
    ax_loss.set_xticklabels(order, rotation=30, ha="right")
    ax_sink.set_title("First-token weight")
    ax_act.set_title("Largest activation")
    ax_loss.set_title("Test loss, at the best rate")
    return fig
