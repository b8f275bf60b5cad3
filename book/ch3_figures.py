"""Chapter 3's figures: the tuned MLP and transformer results, drawn in the book's style.

Each function takes arrays the chapter has already computed, draws one figure and
returns it with its alt text (:func:`book.plots.show`), or, for the widgets, returns the
``draw(fig, result, values)`` function that :func:`book.explore.explore` calls.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from book import transformer as tf
from book.activations import colour, display_name
from book.plots import FigureImage, new_figure, show
from book.stats import mean_ci

__all__ = [
    "BITS",
    "label",
    "mlp_error_figure",
    "lm_loss_figure",
    "gap_figure",
    "inside_figure",
    "preactivation_figure",
    "sensitivity_drawer",
    "curves_drawer",
    "live_runs_figure",
    "z_histogram_figure",
]

BITS = 1 / math.log(2)  # nats -> bits


def label(variant: str) -> str:
    """Return the FFN ``variant``'s name as chapter 3 prints it (e.g. ``"SwiGLU"``).

    Raises ValueError for a name outside :data:`book.transformer.FFN_VARIANTS`.
    """
    return tf.ffn_style(variant)["label"]


def _check_mapping(value: object, name: str) -> None:
    if not isinstance(value, Mapping) or not value:
        raise TypeError(f"{name} must be a non-empty mapping")


def _check_steps(steps: object, length: int, name: str = "steps") -> np.ndarray:
    steps = np.asarray(steps)
    if steps.ndim != 1 or steps.size != length:
        raise ValueError(f"{name} must be a 1-D array of {length} steps, got shape {steps.shape}")
    return steps


def mlp_error_figure(mlp: Mapping) -> FigureImage:
    """Return chapter 3's bar chart of the deep MLPs' test error (%), best at the top.

    ``mlp`` maps ``(activation, init)`` (init ``"glorot"`` or ``"standard"``) to a
    :class:`book.results.TunedRate` of test errors (fractions), one per seed. Glorot
    ("N") bars are solid, standard-init bars hatched and paler.
    """
    _check_mapping(mlp, "mlp")
    if any(not isinstance(g, tuple) or g[1] not in ("glorot", "standard") for g in mlp):
        raise ValueError("mlp keys must be (activation, init) with init 'glorot' or 'standard'")
    fig, ax = new_figure(width=7.0, height=3.8)
    order = sorted(mlp, key=lambda g: mlp[g].values.mean())
    for i, g in enumerate(order):
        m, h = mean_ci(100 * mlp[g].values)
        ax.barh(
            i,
            m,
            xerr=h,
            color=colour(g[0]),
            alpha=1.0 if g[1] == "glorot" else 0.55,
            hatch=None if g[1] == "glorot" else "//",
            edgecolor="white",
            capsize=3,
        )
    ax.set_yticks(
        range(len(order)),
        [f"{display_name(a)} {'N' if i == 'glorot' else 'std'}" for a, i in order],
    )
    ax.invert_yaxis()
    ax.set_xlabel("test error (%), mean of 5 seeds with 95% CI")
    others = [100 * mlp[g].values.mean() for g in order if g[0] != "sigmoid"]
    ax.set_title(
        f"Sigmoid MLPs stay far behind the rest ({min(others):.0f}-{max(others):.0f}% error)"
    )
    return show(
        fig,
        "Horizontal bars of test error with confidence intervals for six activations with "
        "the standard and normalised inits, sorted from best to worst: the two sigmoid "
        f"bars are far longer than the rest, whose means are at most {max(others):.1f} "
        "percent.",
    )


def lm_loss_figure(lm: Mapping, ranked: Sequence[str]) -> FigureImage:
    """Return chapter 3's dot plot of each FFN variant's test bits/char with its 95% CI.

    ``lm`` maps an FFN variant to a :class:`book.results.TunedRate` of test losses in
    nats; ``ranked`` lists the variants to draw, top to bottom.
    """
    _check_mapping(lm, "lm")
    missing = [v for v in ranked if v not in lm]
    if not ranked or missing:
        raise ValueError(f"ranked must list variants of lm; not in lm: {missing}")
    fig, ax = new_figure(width=7.0, height=3.8)
    for i, v in enumerate(ranked):
        m, h = mean_ci(BITS * lm[v].values)
        st = tf.ffn_style(v)
        ax.errorbar(
            m,
            i,
            xerr=h,
            fmt="o",
            color=st["color"],
            capsize=3,
            mfc="white" if st["linestyle"] == "--" else st["color"],
        )
    ax.set_yticks(range(len(ranked)), [label(v) for v in ranked])
    ax.invert_yaxis()
    ax.set_xlabel("test loss (bits per character), mean of 3 seeds with 95% CI")
    ax.set_title("Test loss of each FFN variant at its tuned rate")
    return show(
        fig,
        "Dot plot with 95% confidence intervals of the test loss in bits per character of "
        "each stored FFN variant, best at the top: "
        + ", ".join(f"{label(v)} {BITS * lm[v].values.mean():.2f}" for v in ranked)
        + ".",
    )


def gap_figure(gap: Mapping, steps, *, title: str, alt: str) -> FigureImage:
    """Return chapter 3's curves of validation loss minus ReLU's over training steps.

    ``gap`` maps an FFN variant to one :class:`book.results.PairedDifference` per
    step (:func:`book.results.paired_gaps`); each is drawn as its mean with a band of
    its 95% half-width, from the first evaluation after initialisation on.
    """
    _check_mapping(gap, "gap")
    steps = _check_steps(steps, len(next(iter(gap.values()))))
    fig, ax = new_figure(width=7.0, height=3.8)
    for v, diffs in gap.items():
        st = tf.ffn_style(v)
        m = np.array([d.mean for d in diffs])[1:]
        h = np.array([d.half for d in diffs])[1:]
        ax.plot(steps[1:], m, **st)
        ax.fill_between(steps[1:], m - h, m + h, color=st["color"], alpha=0.15)
    ax.axhline(0, color="#444444", lw=0.8)
    ax.set(xlabel="training step", ylabel="validation bits/char minus ReLU's", title=title)
    ax.legend(ncols=2)
    return show(fig, alt)


def inside_figure(panels: Mapping, steps, hidden_range: tuple[float, float]) -> FigureImage:
    """Return chapter 3's three panels of what happens inside each FFN over training.

    ``panels`` maps an FFN variant to three arrays over ``steps``: the saturated
    fraction, the mean hidden activation and the first block's gradient norm over the
    second's; ``hidden_range`` is (min, max) of sigmoid's hidden mean for the alt text.
    """
    _check_mapping(panels, "panels")
    if "sigmoid" not in panels or any(len(p) != 3 for p in panels.values()):
        raise ValueError("panels must hold 'sigmoid' and three arrays per variant")
    steps = _check_steps(steps, len(panels["sigmoid"][0]))
    fig, axes = new_figure(3, width=10.0, height=3.4)
    for v, ys in panels.items():
        for ax, y in zip(axes, ys, strict=True):
            ax.plot(steps, y, **tf.ffn_style(v))
    axes[0].set_ylabel("fraction of FFN units with |f′(z)| < 0.01")
    axes[1].set_ylabel("mean FFN hidden activation")
    axes[2].set_ylabel("gradient norm, block 1 / block 2")
    axes[1].axhline(0, color="#888888", lw=0.8)
    for ax in axes:
        ax.set_xlabel("training step")
    axes[0].legend()
    fig.suptitle("Sigmoid's FFN does not saturate, but its mean activation stays far from 0")
    shown = list(panels)
    return show(
        fig,
        "Three panels over training steps for the "
        + ", ".join(label(v) for v in shown)
        + " FFNs. The fraction of FFN units with |f′(z)| < 0.01 peaks at "
        + ", ".join(f"{panels[v][0].max():.2%} for {label(v)}" for v in shown)
        + ". Sigmoid's mean hidden activation starts at one half and stays between "
        f"{hidden_range[0]:.2f} and {hidden_range[1]:.2f} over blocks and seeds, far from "
        "zero; "
        + ", ".join(
            f"{label(v)}'s plotted mean stays within {np.abs(panels[v][1]).max():.3f} of zero"
            for v in shown
            if v != "sigmoid"
        )
        + ". The ratio of the first block's gradient norm to the second's stays above "
        f"{min(panels[v][2].min() for v in shown):.2f}.",
    )


def preactivation_figure(pre: Mapping, steps, saturation_z: float) -> FigureImage:
    """Return chapter 3's two panels of the FFN pre-activations' spread and tail.

    ``pre`` maps a variant (``"sigmoid"`` among them) to ``{"ffn_pre_std": a,
    "ffn_pre_p99": b}``, arrays of shape (seeds, steps, blocks); each panel draws the
    mean over blocks and seeds with a band over seeds. ``saturation_z`` marks where
    sigmoid's slope falls under 0.01.
    """
    _check_mapping(pre, "pre")
    if "sigmoid" not in pre:
        raise ValueError("pre must hold 'sigmoid'")
    steps = _check_steps(steps, np.shape(pre["sigmoid"]["ffn_pre_std"])[1])
    fig, axes = new_figure(2, width=9.0, height=3.4)
    for v, st in ((v, tf.ffn_style(v)) for v in pre):
        for ax, k in zip(axes, ("ffn_pre_std", "ffn_pre_p99"), strict=True):
            x = pre[v][k].mean(2)  # mean over the blocks
            ax.plot(steps, x.mean(0), **st)
            ax.fill_between(steps, x.min(0), x.max(0), color=st["color"], alpha=0.2)
    axes[1].axhline(saturation_z, color="#444444", ls=":", lw=1)
    axes[1].text(5, saturation_z - 0.45, "σ′ < 0.01 beyond", fontsize=9)
    axes[0].set(xlabel="training step", ylabel="std of z", title="Spread of FFN inputs")
    axes[1].set(
        xlabel="training step", ylabel="99th percentile of |z|", title="Their tail", ylim=(0, 5)
    )
    axes[0].legend()
    return show(
        fig,
        "Two panels over 200 training steps, sigmoid beside GELU, mean over seeds and "
        "blocks with a band over seeds: the standard deviation of the FFN pre-activations "
        "and the 99th percentile of their absolute value. Sigmoid's start at "
        f"{pre['sigmoid']['ffn_pre_std'][:, 0].mean():.2f} and "
        f"{pre['sigmoid']['ffn_pre_p99'][:, 0].mean():.2f}; "
        "sigmoid's grow larger than GELU's, but the 99th percentile stays below 4.6, "
        "where sigmoid's slope falls under 0.01.",
    )


def _check_limits(limits: object) -> tuple[float, float]:
    if not isinstance(limits, tuple) or len(limits) != 2 or not limits[0] < limits[1]:
        raise ValueError(f"limits must be a (low, high) tuple with low < high, got {limits!r}")
    return limits


def sensitivity_drawer(rates, limits: tuple[float, float]) -> Callable:
    """Return the ``draw(fig, result, values)`` of chapter 3's learning-rate widget.

    ``result`` is (the chosen variant's, sigmoid's) (rates, seeds) validation losses;
    each is drawn as its mean over seeds (line) and its seeds (dots) against ``rates``
    on a log axis, with the y axis fixed to ``limits`` for every variant.
    """
    rates = np.asarray(rates, dtype=float)
    if rates.ndim != 1 or rates.size < 2 or np.any(rates <= 0):
        raise ValueError("rates must be a 1-D array of at least two positive rates")
    limits = _check_limits(limits)

    def draw(fig, result, values) -> None:
        ax = fig.subplots()
        for vals, name in ((result[1], "sigmoid"), (result[0], values["variant"])):
            st = tf.ffn_style(name)
            vals = np.asarray(vals)
            ax.plot(rates, np.nanmean(vals, 1), marker="o", **st)
            for s in range(vals.shape[1]):
                ax.scatter(rates, vals[:, s], color=st["color"], s=10, alpha=0.5)
        ax.set_xscale("log")
        ax.set_xticks(rates, [f"{r:g}" for r in rates])
        ax.minorticks_off()
        ax.set_ylim(*limits)  # one scale for every variant
        ax.set_xlabel("peak learning rate (AdamW)")
        ax.set_ylabel("validation bits/char, step 200")
        ax.legend(loc="upper left")

    return draw


def curves_drawer(steps, limits: tuple[float, float]) -> Callable:
    """Return the ``draw(fig, result, values)`` of chapter 3's training-curves widget.

    ``result`` is (the chosen variant's, sigmoid's) (seeds, steps) validation losses
    and the index of the chosen step; each is drawn as a band over seeds and their
    mean, with a marker line at that step and both means there in the title.
    """
    steps = np.asarray(steps)
    if steps.ndim != 1 or steps.size < 2:
        raise ValueError("steps must be a 1-D array of at least two steps")
    limits = _check_limits(limits)

    def draw(fig, result, values) -> None:
        ax = fig.subplots()
        for c, name in ((result[1], "sigmoid"), (result[0], values["variant"])):
            st = tf.ffn_style(name)
            c = np.asarray(c)
            ax.fill_between(steps, c.min(0), c.max(0), color=st["color"], alpha=0.25)
            ax.plot(steps, c.mean(0), **st)
        at = int(result[2])
        ax.axvline(steps[at], color="#888888", lw=1)
        ax.set_title(
            f"step {steps[at]}: {label(values['variant'])} "
            f"{np.asarray(result[0])[:, at].mean():.2f} vs sigmoid "
            f"{np.asarray(result[1])[:, at].mean():.2f} bits/char",
            loc="left",
            fontsize=10,
            fontweight="normal",
        )
        ax.set(xlabel="training step", ylabel="validation bits/char", ylim=limits)
        ax.legend(loc="upper right")

    return draw


def live_runs_figure(steps, live: Mapping, stored: Mapping, seed0: Mapping) -> FigureImage:
    """Return the reproducibility appendix's figure of live runs over the stored ones.

    ``live`` maps each variant rerun live to its validation bits/char at ``steps``
    (drawn as markers); ``stored`` maps every stored variant to its (seeds, steps)
    curves (the live variants' drawn as a band with the seed ``seed0[variant]`` row
    dashed; all of them set the top of the y axis). Chapter 3's runs.
    """
    _check_mapping(live, "live")
    missing = [v for v in live if v not in stored or v not in seed0]
    if missing:
        raise ValueError(f"stored and seed0 must hold every live variant; missing {missing}")
    steps = _check_steps(steps, np.shape(stored[next(iter(live))])[1])
    fig, ax = new_figure(width=7.0, height=3.6)
    for v, curve in live.items():
        st = tf.ffn_style(v)
        c = stored[v]
        ax.fill_between(steps, c.min(0), c.max(0), color=st["color"], alpha=0.25)
        ax.plot(
            steps,
            curve,
            marker="o",
            ms=4,
            ls="none",
            color=st["color"],
            label=f"{st['label']}, live",
        )
        ax.plot(
            steps,
            c[seed0[v]],
            ls="--",
            lw=1.2,
            color=st["color"],
            label=f"{st['label']}, stored seed 0",
        )
    ax.set_xlabel("training step")
    ax.set_ylabel("validation bits/char")
    ax.set_ylim(top=max(float(c[:, 1:].max()) for c in stored.values()) + 0.3)
    ax.legend(title="band: all stored seeds")
    ax.set_title("Live runs retrace the stored seed-0 runs (bands: all stored seeds)")
    return show(
        fig,
        f"Validation loss over training of {len(live)} live runs ("
        + ", ".join(label(v) for v in live)
        + ") drawn as markers on the dashed curves of the stored seed-0 runs, over the "
        "bands of the stored three-seed runs.",
    )


def z_histogram_figure(
    live: Mapping, edges, hist_steps: Sequence[int], saturation_z: float
) -> FigureImage:
    """Return the reproducibility appendix's histograms of FFN pre-activations z.

    ``live`` maps a variant to its live run record, whose ``"steps"`` list the recorded
    steps and ``"z_hist"`` the fraction of z per bin of ``edges`` at each of them; one
    panel per variant on a log density scale, a line per step of ``hist_steps``, with
    ``|z| > saturation_z`` shaded (where sigmoid's slope is below 0.01). Chapter 3's runs.
    """
    _check_mapping(live, "live")
    edges = np.asarray(edges, dtype=float)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError("edges must be a 1-D increasing array of bin edges")
    for v, run in live.items():
        if any(s not in run["steps"] for s in hist_steps):
            raise ValueError(f"hist_steps must be recorded steps of every run; not all in {v}'s")
    centres = (edges[:-1] + edges[1:]) / 2
    width = (edges[-1] - edges[0]) / (edges.size - 1)
    lo, hi = edges[0], edges[-1]
    fig, axes = new_figure(len(live), width=10.0, height=3.4)
    for ax, v in zip(np.atleast_1d(axes), live, strict=True):
        st = tf.ffn_style(v)
        steps = live[v]["steps"]
        for k, s in enumerate(hist_steps):
            h = np.array(live[v]["z_hist"][steps.index(s)])
            ax.plot(centres, h / width, color=st["color"], alpha=0.35 + 0.3 * k, label=f"step {s}")
        ax.axvspan(saturation_z, hi, color="#bbbbbb", alpha=0.4, lw=0)
        ax.axvspan(lo, -saturation_z, color="#bbbbbb", alpha=0.4, lw=0)
        ax.set(
            xlabel="FFN pre-activation z",
            title=st["label"],
            xlim=(lo, hi),
            yscale="log",
            ylim=(1e-4, 5.0),  # the same on every panel
        )
        ax.legend(loc="upper right")
    np.atleast_1d(axes)[0].set_ylabel("density (log scale)")
    shaded = np.abs(centres) > saturation_z
    tail = {v: float(np.sum(np.array(live[v]["z_hist"][-1])[shaded])) for v in live}
    return show(
        fig,
        "Histograms of the FFN pre-activations z of the live sigmoid and GELU runs at steps "
        + ", ".join(map(str, hist_steps))
        + ", on a log density scale, with the region where sigmoid's slope is below 0.01 "
        "shaded: "
        + "; ".join(f"{label(v)} {tail[v]:.2%} of z there at step 200" for v in live)
        + ".",
    )
