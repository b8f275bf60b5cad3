"""Chapter 5's figures: the colours of the attention variants, the expert loads of the
MoE sweep, the sigmoid-attention pattern and the attention-sink dot plots.

Each draw function takes a figure (or makes one with :func:`book.plots.new_figure`) and
the numbers the chapter computed; nothing here computes a result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from book.activations import colour
from book.plots import new_figure, series_colour
from book.results import geometric_ci
from book.stats import mean_ci

__all__ = [
    "VARIANT_SERIES",
    "ATTENTION_DOT_ALT",
    "gradient_reach_figure",
    "draw_reach",
    "soft_cap_figure",
    "pair_accuracy_figure",
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


# the alt text of chapter 5's attention dot plots
ATTENTION_DOT_ALT = (
    "Three dot plots over the five attention variants, with one small dot per seed: "
    "the attention weight on the first token and the largest hidden activation, on "
    "log scales, as geometric means with 95% intervals at both learning rates side by "
    "side (filled and open markers), and the test loss, mean with 95% interval, at each "
    "variant's best rate of five."
)


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


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-x))


def _check_reach(distance, reach) -> np.ndarray:
    distance = np.asarray(distance)
    if distance.ndim != 1:
        raise ValueError(f"distance must be one-dimensional, got shape {distance.shape}")
    for b_f, r in reach.items():
        if np.shape(r) != distance.shape:
            raise ValueError(f"reach[{b_f!r}] must have the shape of distance")
    return distance


def gradient_reach_figure(
    distance, reach: Mapping[float, np.ndarray], decay: Mapping[float, float]
) -> tuple[Figure, str]:
    """Return ``(fig, alt)``: chapter 5's gradient norm against steps back, one solid
    line per forget-gate bias (``reach[b_f]``, indexed like ``distance``) and a dotted
    sigmoid(b_f)^k line; ``decay[b_f]`` (the fitted factor per step) says in the alt
    text which curves fall and which rise."""
    distance = _check_reach(distance, reach)
    if set(decay) != set(reach):
        raise ValueError("decay must have the same forget-gate biases as reach")
    fig, ax = new_figure(width=7.0, height=3.8)
    # an ordered parameter: a sequential colour map, not the series colours
    shades = colormaps["viridis"](np.linspace(0.0, 0.85, len(reach)))
    for (b_f, r), c in zip(reach.items(), shades, strict=True):
        ax.semilogy(distance, r, color=c, label=f"b_f = {b_f:g}")
        ax.semilogy(distance, r[-1] * float(_sigmoid(b_f)) ** distance, ":", color=c, lw=1.2)
    ax.set(
        xlabel="steps back from the last input",
        ylabel="gradient norm ‖∂Σh_T/∂x_t‖",
        title="A larger forget-gate bias lets the gradient reach further back",
    )
    ax.legend(title="solid: LSTM; dotted: σ(b_f)^k", ncols=2)
    alt = (
        "Log-scale plot of the gradient norm against the number of steps back for five "
        "forget-gate biases: the larger the bias, the slower the fall; the curves for b_f = "
        + ", ".join(f"{b:g}" for b in reach if decay[b] < 1)
        + " fall with distance and those for b_f = "
        + ", ".join(f"{b:g}" for b in reach if decay[b] > 1)
        + " rise; the dotted sigmoid(b_f)^k lines fall faster than every curve and match "
        "only their order."
    )
    return fig, alt


def draw_reach(fig: Figure, r, values: Mapping, *, distance) -> None:
    """Draw one forget-gate bias's gradient norm ``r`` against steps back ``distance``
    (chapter 5's explorer) beside the sigmoid(b_f)^k line; ``values``: the explorer's
    ``forget_bias``."""
    r = np.asarray(r)
    distance = _check_reach(distance, {"r": r})
    ax = fig.subplots()
    b_f = values["forget_bias"]
    ax.semilogy(distance, r, color=series_colour("sigmoid"), label="LSTM at initialisation")
    ax.semilogy(
        distance, r[-1] * (1 / (1 + np.exp(-b_f))) ** distance, ":", color=GREY, label="σ(b_f)^k"
    )
    ax.set(
        ylim=(1e-14, 1e2),
        xlabel="steps back k",
        ylabel="gradient norm",
        title=f"forget-gate bias b_f = {b_f:g}",
    )
    ax.legend(loc="lower left")


def soft_cap_figure(z, gemma, modded) -> tuple[Figure, str]:
    """Return ``(fig, alt)``: chapter 5's soft caps against the logit ``z`` on [-120,
    120], Gemma 2's ``gemma`` = 30 tanh(z/30) and modded-nanogpt's ``modded`` = 23
    sigmoid((z + 5)/7.5), beside the identity."""
    z = np.asarray(z)
    if np.shape(gemma) != z.shape or np.shape(modded) != z.shape:
        raise ValueError("gemma and modded must have the shape of z")
    fig, ax = new_figure(width=6.4, height=3.6)
    ax.plot(z, z, ":", color=GREY, label="no cap")
    ax.plot(z, np.asarray(gemma), color=colour("tanh"), label="Gemma 2: 30·tanh(z/30)")
    ax.plot(
        z,
        np.asarray(modded),
        color=series_colour("sigmoid"),
        label="modded-nanogpt: 23·σ((z+5)/7.5)",
    )
    ax.set(
        xlim=(-120, 120),
        ylim=(-40, 40),
        xlabel="logit z",
        ylabel="capped logit",
        title="Soft caps bound the logits and keep their order",
    )
    ax.legend()
    alt = (
        "Curves of the capped logit against the logit from -120 to 120: the identity line, "
        "Gemma 2's tanh cap flattening at plus and minus 30, and modded-nanogpt's sigmoid "
        "cap rising from 0 to 23."
    )
    return fig, alt


def pair_accuracy_figure(
    accuracy: Mapping[tuple[str, int], np.ndarray],
    batches: Sequence[int],
    labels: Mapping[str, str],
) -> tuple[Figure, str]:
    """Return ``(fig, alt)``: chapter 5's test retrieval accuracy (mean and 95% interval
    over seeds) against batch size, one series per loss in ``labels`` (``"clip"`` in the
    softmax colour, ``"siglip_b10"`` with open markers); ``accuracy[(loss, batch)]``
    holds one value per seed."""
    missing = [(loss, b) for loss in labels for b in batches if (loss, b) not in accuracy]
    if missing:
        raise ValueError(f"accuracy lacks the (loss, batch) groups {missing}")
    fig, ax = new_figure(width=6.4, height=3.6)
    for k, loss in enumerate(labels):
        stats = np.array([mean_ci(accuracy[(loss, b)]) for b in batches])
        x = np.array(batches) * 1.07 ** (k - 1)  # side by side on the log axis
        ax.errorbar(
            x,
            stats[:, 0],
            yerr=stats[:, 1],
            fmt="o",
            capsize=3,
            color=series_colour("softmax" if loss == "clip" else "sigmoid"),
            mfc="white" if loss == "siglip_b10" else None,
            label=labels[loss],
        )
    ax.set(
        xscale="log",
        xlabel="batch size (pairs); every run sees the same pairs",
        ylabel="test retrieval accuracy",
        title="SigLIP and CLIP on digits, rates chosen on validation",
    )
    ax.set_xticks(batches, [str(b) for b in batches])
    ax.legend()
    alt = (
        "Test retrieval accuracy against batch size from 4 to 128 for SigLIP started at the "
        "prior bias, SigLIP started at -10, and CLIP, mean and 95% interval over five seeds: "
        + "; ".join(
            f"B={b}: " + ", ".join(f"{np.mean(accuracy[(loss, b)]):.3f}" for loss in labels)
            for b in batches
        )
        + "."
    )
    return fig, alt
