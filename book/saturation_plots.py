"""Figures of chapter 1 (saturation): activations, saturated shares, gradient profiles.

Each ``*_figure`` function returns ``(fig, alt)``, a figure drawn in the book's style and
the alt text that describes it, so a chapter cell reads ``show(*some_figure(...))``.
The ``draw_*`` functions draw one panel of an interactive figure (:func:`book.explore.explore`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import jax
import numpy as np
from matplotlib.figure import Figure

from book import activations, diagnostics
from book.activations import colour, display_name
from book.plots import new_figure

__all__ = [
    "first_to_last",
    "activation_figure",
    "saturation_curves_figure",
    "draw_slope_histogram",
    "slope_histogram_alt",
    "gradient_profiles_figure",
    "depth_ratio_figure",
    "draw_depth_profile",
    "depth_profile_alt",
    "glorot_figure2",
]


def _check_norms(norms: object, name: str, ndim: int) -> np.ndarray:
    array = np.asarray(norms)
    if array.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {array.shape}")
    return array


def first_to_last(norms: np.ndarray, depths: Sequence[int], act: int, depth: int) -> float:
    """Return layer 1's gradient norm over layer ``depth``'s for activation ``act``.

    ``norms`` has shape ``(activations, len(depths), layers)``, one row of per-layer
    norms for each stack depth in ``depths``. Chapter 1 tracks how this ratio falls
    with depth for sigmoid and stays near 1 for the others.
    """
    norms = _check_norms(norms, "norms", 3)
    if depth not in list(np.asarray(depths)):
        raise ValueError(f"depth must be one of depths {list(np.asarray(depths))}, got {depth}")
    d = int(np.flatnonzero(np.asarray(depths) == depth)[0])
    return norms[act, d, 0] / norms[act, d, depth - 1]


def activation_figure(names: Sequence[str], xs: np.ndarray) -> tuple[Figure, str]:
    """Return ``(fig, alt)``: the activations ``names`` (left) and their derivatives
    (right) over ``xs``, with sigmoid's peak slope 1/4 dotted (chapter 1's first figure)."""
    if isinstance(names, str) or not names:
        raise TypeError("names must be a non-empty sequence of activation names")
    fig, (ax_f, ax_d) = new_figure(2, width=9.0, height=3.6)
    for name in names:
        style = dict(color=colour(name), label=display_name(name))
        # one compiled function per activation (eager, each operation would compile)
        f, d = jax.jit(lambda x, n=name: (activations.get(n)(x), diagnostics.derivative(n)(x)))(xs)
        ax_f.plot(xs, f, **style)
        ax_d.plot(xs, d, **style)
    ax_d.axhline(0.25, color="#444444", lw=0.8, ls=":")
    ax_d.annotate("1/4", (-6, 0.27), fontsize=9)
    ax_f.set(xlabel="input x", ylabel="f(x)", title="Activations", ylim=(-2, 3))
    ax_d.set(xlabel="input x", ylabel="f'(x)", title="Derivatives: sigmoid's is the smallest")
    ax_f.legend(loc="upper left")
    alt = (
        "Two panels. Left: sigmoid, tanh, scaled tanh, ReLU, GELU and SiLU from -6 to 6. "
        "Right: their derivatives; sigmoid's is a low bump peaking at 1/4, tanh's peaks at "
        "1, ReLU, GELU and SiLU approach 1 for positive inputs."
    )
    return fig, alt


def saturation_curves_figure(
    scales: np.ndarray, saturated: Mapping[str, np.ndarray]
) -> tuple[Figure, str]:
    """Return ``(fig, alt)``: the saturated share of units (``saturated[name]``, one value
    per scale) against the pre-activation scale on a log axis (chapter 1)."""
    if not isinstance(saturated, Mapping) or not saturated:
        raise TypeError("saturated must be a non-empty mapping of name to fractions")
    fig, ax = new_figure(width=6.4, height=3.6)
    for n, fractions in saturated.items():
        if np.shape(fractions) != np.shape(scales):
            raise ValueError(f"saturated[{n!r}] must have one value per scale")
        ax.plot(scales, 100 * fractions, color=colour(n), label=display_name(n))
    ax.set(
        xscale="log",
        xlabel="pre-activation scale s (z ~ N(0, s²))",
        ylabel="saturated units (%)",
        title="Saturation grows with the pre-activation scale",
    )
    ax.legend()
    alt = (
        "Percentage of units with derivative below 0.01 against the pre-activation scale "
        "on a log axis from 0.1 to 30: near zero below scale 1, rising steeply after; tanh "
        "saturates first, then sigmoid; ReLU is flat at 50 percent at every scale; GELU "
        "and SiLU level off below 50 percent."
    )
    return fig, alt


def draw_slope_histogram(
    fig: Figure, result: Mapping[str, object], values: Mapping[str, object], bins: np.ndarray
) -> None:
    """Draw on ``fig`` the share of units per slope bin (``result["fraction"]`` over
    ``bins``), titled with the saturated share; returns None. Chapter 1's widget."""
    if np.shape(result["fraction"])[0] != len(bins) - 1:
        raise ValueError("bins must have one more edge than result['fraction'] has values")
    ax = fig.subplots()
    name = values["activation"]
    ax.stairs(100 * result["fraction"], np.asarray(bins), fill=True, color=colour(name))
    ax.set(
        xlim=(-0.2, 1.2),
        ylim=(0, 100),
        xlabel="slope f'(z) at the unit's pre-activation",
        ylabel="units (%)",
        title=f"{display_name(name)}, scale {values['scale']:g}: "
        f"{100 * float(result['saturated']):.0f}% of units saturated (f' < 0.01)",
    )


def slope_histogram_alt(values: Mapping[str, object]) -> str:
    """Return the alt text of chapter 1's slope histogram at ``values`` (its settings)."""
    if not {"activation", "scale"} <= set(values):
        raise ValueError("values must hold 'activation' and 'scale'")
    return (
        f"Histogram of the slopes of {values['activation']} for pre-activations of scale "
        f"{values['scale']}; the title gives the saturated percentage."
    )


def gradient_profiles_figure(
    norms_standard: np.ndarray, norms_tuned: np.ndarray, names: Sequence[str]
) -> tuple[Figure, str]:
    """Return ``(fig, alt)``: per-layer gradient norms of the deepest stack (last depth
    of each ``(activations, depths, layers)`` array), U[±1/√n] init left, each
    activation's own init right (chapter 1)."""
    for label, norms in (("norms_standard", norms_standard), ("norms_tuned", norms_tuned)):
        if _check_norms(norms, label, 3).shape[0] != len(names):
            raise ValueError(f"{label} must have one row per name")
    max_depth = np.shape(norms_standard)[2]
    fig, axes = new_figure(2, width=9.5, height=3.8)
    for ax, norms, init_name in (
        (axes[0], norms_standard, "U[±1/√n] for all"),
        (axes[1], norms_tuned, "Glorot / He"),
    ):
        for a, name in enumerate(names):
            style, d50 = dict(color=colour(name), label=display_name(name)), norms[a, -1]
            ax.plot(np.arange(1, max_depth + 1), np.where(d50 > 0, d50, np.nan), **style)
        ax.set(
            yscale="log",
            xlabel="layer (1 = nearest the input)",
            ylabel="‖∂L/∂W‖ at initialisation",
            title=f"{max_depth} layers, {init_name} init",
        )
    axes[0].legend(fontsize=8)
    alt = (
        "Two log-scale panels of gradient norm per layer for a 50-layer network. With the "
        "U[±1/√n] init tanh, ReLU, GELU and SiLU are flat at tiny levels (tanh highest, "
        "GELU and SiLU lowest) while sigmoid's fall by many orders of magnitude towards "
        "the input and stop where the gradient is exactly zero. With Glorot/He inits tanh, "
        "ReLU, GELU and SiLU are flat across layers while sigmoid still decays "
        "geometrically."
    )
    return fig, alt


def depth_ratio_figure(
    norms: np.ndarray, depths: Sequence[int], names: Sequence[str]
) -> tuple[Figure, str]:
    """Return ``(fig, alt)``: layer 1's gradient over the last layer's (:func:`first_to_last`)
    against depth, one line per activation, with each activation's own init (chapter 1)."""
    if _check_norms(norms, "norms", 3).shape[:2] != (len(names), len(depths)):
        raise ValueError("norms must have shape (len(names), len(depths), layers)")
    fig, ax = new_figure(width=6.4, height=3.6)
    depths = np.asarray(depths)
    for a, name in enumerate(names):
        ratios = np.array([first_to_last(norms, depths, a, int(d)) for d in depths])
        style = dict(ms=4, color=colour(name), label=display_name(name))
        ax.plot(depths, np.where(ratios > 0, ratios, np.nan), "o-", **style)
    ax.set(
        yscale="log",
        xticks=depths,
        xlabel="depth (hidden layers)",
        ylabel="‖∂L/∂W₁‖ / ‖∂L/∂W_last‖",
        title="Gradient reaching layer 1, relative to the last layer",
    )
    ax.legend(fontsize=8)
    alt = (
        "Log-scale plot of the first-to-last-layer gradient ratio against depth from 2 to "
        "50 with each activation's own initialisation: tanh, ReLU, GELU and SiLU stay near "
        "1; sigmoid's ratio falls geometrically with depth."
    )
    return fig, alt


def draw_depth_profile(
    fig: Figure, norms: np.ndarray, values: Mapping[str, object], max_depth: int
) -> None:
    """Draw on ``fig`` log10 of each layer's gradient norm for ``values["depth"]`` layers
    (x axis up to ``max_depth``), titled with layer 1 over the last; returns None.
    Chapter 1's depth widget (zero norms are left out of the line)."""
    if not isinstance(max_depth, int) or values["depth"] > max_depth:
        raise ValueError(f"max_depth must be an int >= the depth, got {max_depth!r}")
    ax = fig.subplots()
    depth, name = values["depth"], values["activation"]
    # log10 on a linear axis: the same picture as a log axis, drawn twice as fast.
    shown = np.where(norms[:depth] > 0, np.log10(np.maximum(norms[:depth], 1e-45)), np.nan)
    ax.plot(np.arange(1, depth + 1), shown, "o-", ms=3, color=colour(name))
    first, last = norms[0], norms[depth - 1]
    ratio = f"{first / last:.1e}" if last > 0 else "undefined"
    ax.set(
        ylim=(-40, 3),
        xlim=(0.5, max_depth + 0.5),
        xlabel="layer (1 = nearest the input)",
        ylabel="log₁₀ ‖∂L/∂W‖",
        title=f"{display_name(name)}, depth {depth}, scale {values['weight_scale']:g}: "
        f"layer 1 / layer {depth} = {ratio}",
    )


def depth_profile_alt(values: Mapping[str, object]) -> str:
    """Return the alt text of chapter 1's depth widget at ``values`` (its settings)."""
    if not {"activation", "depth", "weight_scale"} <= set(values):
        raise ValueError("values must hold 'activation', 'depth' and 'weight_scale'")
    return (
        f"Base-10 logarithm of the gradient norm of each layer of a {values['depth']}-layer "
        f"{values['activation']} network with weights scaled by {values['weight_scale']}."
    )


def glorot_figure2(runs: Mapping[str, object], tanh_90: int) -> tuple[Figure, str]:
    """Return ``(fig, alt)``: the mean ± std of each hidden layer's activations during
    training (seed 0) for ``runs["sigmoid"]`` and ``runs["tanh"]``, and every seed's
    held-out accuracy (chapter 1's replication of Glorot and Bengio's Figure 2).

    Each run has ``record_steps`` and ``records`` with ``"mean"``, ``"std"`` of shape
    ``(seeds, records, layers)`` and ``"accuracy"`` of shape ``(seeds, records)``;
    ``tanh_90`` is the step by which every tanh seed passes 90%, quoted in the alt text.
    """
    if set(runs) != {"sigmoid", "tanh"}:
        raise ValueError(f"runs must map 'sigmoid' and 'tanh' to runs, got {sorted(runs)}")
    fig, axes = new_figure(3, width=11.0, height=3.6)
    for ax, name in zip(axes, ("sigmoid", "tanh"), strict=False):
        run = runs[name]
        steps, shades = run.record_steps, ["#BBBBBB", "#888888", "#444444", colour(name)]
        for layer in range(4):
            mean = run.records["mean"][0, :, layer]
            std = run.records["std"][0, :, layer]
            ax.plot(steps, mean, color=shades[layer], label=f"layer {layer + 1}")
            ax.fill_between(steps, mean - std, mean + std, color=shades[layer], alpha=0.15)
        ax.set(
            xlabel="SGD step",
            ylabel="activation value",
            title=f"{display_name(name)}: mean ± std per layer (seed 0)",
        )
        ax.legend(fontsize=8, loc="best")
    for name in ("sigmoid", "tanh"):
        run = runs[name]
        acc = 100 * run.records["accuracy"].T  # (steps, seeds): one line per seed
        axes[2].plot(run.record_steps, acc, color=colour(name), alpha=0.8)
        axes[2].lines[-acc.shape[1]].set_label(display_name(name))
    axes[2].set(
        xscale="symlog",
        xlabel="SGD step",
        ylabel="held-out accuracy (%)",
        title=f"Accuracy, {acc.shape[1]} seeds each",
        ylim=(0, 100),
    )
    axes[2].legend()
    alt = (
        "Three panels. Left: for the sigmoid network, layers 1 to 3 stay near 0.5 while "
        "the top hidden layer's mean activation falls quickly to near 0 and stays there "
        "for thousands of steps. Middle: the tanh network's layers stay centred on 0 and "
        "spread out. Right: every tanh seed passes 90 percent held-out accuracy by step "
        f"{tanh_90}; the sigmoid seeds stay near chance for most of training."
    )
    return fig, alt
