"""The figures and interactive figures of chapter 2 (non-zero-centred outputs).

Each function draws one figure of the chapter in the book's style and returns it with
its alt text, ready for :func:`book.plots.show`, or returns the interactive figure
(:func:`book.explore.explore`). The measurements they draw are made in the chapter.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import numpy as np
from matplotlib.figure import Figure

from book import zigzag
from book.activations import colour, display_name
from book.explore import Explorer, explore, slider
from book.plots import new_figure
from book.readout import draw_steps

__all__ = [
    "gradient_scatter",
    "two_weight_paths",
    "path_explorer",
    "momentum_explorer",
    "conditioning",
    "batch_explorer",
    "readout_steps",
]

AXIS_GREY = "#444444"


def _check_names(values: dict, argument: str) -> list[str]:
    if not isinstance(values, dict) or not values:
        raise TypeError(f"{argument} must be a non-empty dict keyed by activation name")
    return list(values)


def gradient_scatter(grads: dict[str, jax.Array]) -> tuple[Figure, str]:
    """Scatter the per-example gradients of the first two weights of neuron 0, one panel
    per activation feeding the layer. ``grads`` maps an activation name to per-example
    weight gradients of shape (examples, neurons, inputs). Returns (figure, alt text)."""
    names = _check_names(grads, "grads")
    for name in names:
        if np.ndim(grads[name]) != 3 or np.shape(grads[name])[2] < 2:
            raise ValueError(
                f"grads[{name!r}] must have shape (examples, neurons, inputs ≥ 2), "
                f"got {np.shape(grads[name])}"
            )
    fig, axes = new_figure(len(names), width=11.0, height=3.2)
    for ax, name in zip(np.atleast_1d(axes), names, strict=True):
        g = np.asarray(grads[name][:, 0, :2])
        ax.scatter(g[:, 0], g[:, 1], s=5, color=colour(name), alpha=0.5)
        ax.axhline(0, color=AXIS_GREY, lw=0.8)
        ax.axvline(0, color=AXIS_GREY, lw=0.8)
        ax.set(
            xlabel="∂L/∂w₁ (one example)",
            ylabel="∂L/∂w₂ (one example)",
            title=f"inputs from {display_name(name)}",
        )
    alt = (
        "Four scatter plots of per-example gradients of two weights of one neuron. With "
        "sigmoid inputs every point lies in the top-right or bottom-left quadrant; with "
        "ReLU inputs the points lie in those quadrants or on the axes; with tanh inputs "
        "they fill all four quadrants; GELU inputs mostly follow ReLU's pattern with some "
        "spill-over."
    )
    return fig, alt


def two_weight_paths(xs_pos: jax.Array, xs_cen: jax.Array) -> tuple[Figure, str]:
    """Draw the descent paths of the two-weight problem on positive inputs ``xs_pos``
    (full batch at 1.8/λmax) and centred inputs ``xs_cen`` (at 1/λmax), with
    per-example SGD, using :func:`book.zigzag.draw_paths`. Returns (figure, alt text);
    the alt text gives each problem's condition number, how far full-batch descent
    strays across the valley and the steps it takes to come within 0.01 of the optimum."""
    for argument, xs in (("xs_pos", xs_pos), ("xs_cen", xs_cen)):
        if np.ndim(xs) != 2 or np.shape(xs)[1] != 2:
            raise ValueError(f"{argument} must have shape (n, 2), got {np.shape(xs)}")
    lam_pos, lam_cen = zigzag.curvature(xs_pos), zigzag.curvature(xs_cen)
    kappa_pos, kappa_cen = (float(lam[-1] / lam[0]) for lam in (lam_pos, lam_cen))
    fig, axes = new_figure(2, width=9.5, height=4.4)
    path_pos = zigzag.draw_paths(
        axes[0], xs_pos, 1.8 / float(lam_pos[-1]), "inputs in (0, 1): zig-zag", "sigmoid"
    )
    path_cen = zigzag.draw_paths(
        axes[1], xs_cen, 1.0 / float(lam_cen[-1]), "centred inputs: straight", "tanh"
    )
    swing = float(np.abs(zigzag.cross_valley(xs_pos, path_pos)).max())
    near = [  # full-batch steps until within 0.01 of the optimum
        int(np.argmax(np.linalg.norm(p - np.asarray(zigzag.W_STAR), axis=1) < 0.01))
        for p in (path_pos, path_cen)
    ]
    alt = (
        "Two contour plots of the loss over two weights with the optimum at (1, -1). For "
        f"positive inputs the contours are ellipses {np.sqrt(kappa_pos):.1f} times as long "
        f"as wide (condition number {kappa_pos:.1f}), the long axis running from 0 to the "
        "optimum; single-example SGD climbs a sawtooth staircase about that line, and "
        "full-batch descent runs almost straight along the valley floor, at most "
        f"{swing:.3f} across it, within 0.01 of the optimum after {near[0]} steps. For "
        f"centred inputs the contours are nearly round (condition number {kappa_cen:.2f}); "
        f"full-batch descent gets within 0.01 in {near[1]} steps and SGD wiggles about the "
        "straight line."
    )
    return fig, alt


def _path_compute(xs_base: jax.Array):
    """Descent at step_fraction × 2/λmax on ``xs_base`` + offset: path, losses, contours."""

    def path_for(offset, step_fraction, momentum=0.0, steps=40):
        xs = xs_base + offset
        lam = zigzag.curvature(xs)
        result = zigzag.descent_path(xs, step_fraction * 2.0 / lam[-1], steps, momentum)
        return result | {"surface": zigzag.loss_surface(xs), "kappa": lam[-1] / lam[0]}

    return path_for


def _check_grid(values: Sequence[float], argument: str) -> list[float]:
    if isinstance(values, str) or not isinstance(values, Sequence) or not values:
        raise TypeError(f"{argument} must be a non-empty sequence of numbers")
    return list(values)


def path_explorer(
    xs_base: jax.Array, offsets: Sequence[float], step_fractions: Sequence[float]
) -> Explorer:
    """Return the interactive figure of gradient descent on the two-weight problem with
    inputs ``xs_base`` shifted by a mean offset (slider ``offsets``, default 0.5) at a
    step of a fraction of 2/λmax (slider ``step_fractions``, default 0.9): the path on
    the loss contours and the loss per step."""
    offsets = _check_grid(offsets, "offsets")
    step_fractions = _check_grid(step_fractions, "step_fractions")
    return explore(
        _path_compute(xs_base),
        lambda fig, r, v: zigzag.draw_path_and_loss(
            fig,
            r,
            f"mean {v['offset']:g}, condition number {float(r['kappa']):.0f}",
            f"step = {v['step_fraction']:g} × 2/λmax",
        ),
        [
            slider("offset", offsets, label="input mean offset", default=0.5),
            slider("step_fraction", step_fractions, label="step size (× 2/λmax)", default=0.9),
        ],
        title="Input mean and step size → gradient-descent path and loss",
        alt=lambda v: (
            "Gradient-descent path on the loss contours for inputs with mean offset "
            f"{v['offset']} and step size {v['step_fraction']} of the stability limit, "
            "with the loss per step on a log scale."
        ),
        width=9.0,
        height=3.8,
    )


def momentum_explorer(
    xs_base: jax.Array, momenta: Sequence[float], step_fractions: Sequence[float]
) -> Explorer:
    """Return the interactive figure of 60 heavy-ball steps on the two-weight problem with
    inputs ``xs_base`` + 1, for each momentum of ``momenta`` (default 0) and step of a
    fraction of the plain 2/λmax (``step_fractions``, default 0.5)."""
    momenta = _check_grid(momenta, "momenta")
    step_fractions = _check_grid(step_fractions, "step_fractions")
    path_for = _path_compute(xs_base)
    return explore(
        lambda momentum, step_fraction: path_for(1.0, step_fraction, momentum, steps=60),
        lambda fig, r, v: zigzag.draw_path_and_loss(
            fig,
            r,
            f"momentum β = {v['momentum']:g}",
            f"step = {v['step_fraction']:g} × 2/λmax",
        ),
        [
            slider("momentum", momenta, label="momentum β", default=0.0),
            slider("step_fraction", step_fractions, label="step size (× 2/λmax)", default=0.5),
        ],
        title="Momentum on the zig-zag problem → path and loss",
        alt=lambda v: (
            f"Gradient-descent path with momentum {v['momentum']} and step size "
            f"{v['step_fraction']} of the plain stability limit on the loss contours of inputs "
            "of mean 1, with the loss per step on a log scale."
        ),
        width=9.0,
        height=3.8,
    )


def conditioning(
    means: np.ndarray, kappa_closed: np.ndarray, kappa_measured: np.ndarray, d: int, sigma: float
) -> tuple[Figure, str]:
    """Draw the condition number of E[xxᵀ] against the input mean (closed form as a line,
    ``kappa_measured`` as dots) and the steps (κ/2) ln 10⁴ it predicts, for ``d`` inputs
    of spread ``sigma``. Returns (figure, alt text)."""
    means, kappa_closed = np.asarray(means), np.asarray(kappa_closed)
    if kappa_closed.shape != means.shape or np.shape(kappa_measured) != means.shape:
        raise ValueError(
            "kappa_closed and kappa_measured must have the shape of means, "
            f"{means.shape}; got {kappa_closed.shape} and {np.shape(kappa_measured)}"
        )
    fig, (ax, ax_steps) = new_figure(2, width=9.5, height=3.6)
    ax.plot(means, kappa_closed, color=AXIS_GREY, label="closed form 1 + d m²/σ²")
    ax.plot(means, kappa_measured, "o", ms=4, color=colour("sigmoid"), label="measured (eigvalsh)")
    ax.set(
        yscale="log",
        xlabel="input mean m",
        ylabel="condition number κ",
        title=f"d = {d} inputs with σ = {sigma}",
    )
    ax.legend()
    ax_steps.plot(means, kappa_closed / 2 * np.log(1e4), color=colour("sigmoid"))
    ax_steps.set(
        yscale="log",
        xlabel="input mean m",
        ylabel="predicted steps to shrink the error 10⁴×",
        title="Predicted: (κ/2) ln 10⁴ steps, best fixed step",
    )
    alt = (
        "Two log-scale panels against the input mean from 0 to 1: the condition number "
        "rises from about 1 to over a thousand, measured points on the closed-form curve; "
        "the predicted steps of gradient descent, (κ/2) ln 10⁴ from the formula, rise in "
        "proportion."
    )
    return fig, alt


def batch_explorer(curves: dict[str, np.ndarray], batches: Sequence[int]) -> Explorer:
    """Return the interactive figure of the share of sign-uniform updates against the
    batch size, one curve per activation of ``curves`` (shares at each of ``batches``),
    with a dot at the batch the slider picks. The alt text says from which batch ReLU's
    share stays below sigmoid's and where both end."""
    names = _check_names(curves, "curves")
    batches = list(batches)
    if any(np.shape(curves[n]) != (len(batches),) for n in names):
        raise ValueError(f"every curve must hold one share per batch size, {len(batches)}")
    if not {"sigmoid", "relu"} <= set(names):
        raise ValueError(f"curves needs 'sigmoid' and 'relu', got {names}")
    relu, sig = curves["relu"], curves["sigmoid"]
    below = next(i for i in range(len(batches)) if np.all(relu[i:] < sig[i:]))

    def batch_view(batch):  # the shares tabled, looked up by the traced batch size
        i = jax.numpy.searchsorted(jax.numpy.array(batches), batch)
        return {name: jax.numpy.asarray(curves[name])[i] for name in names}

    def draw(fig, r, values):
        ax = fig.subplots()
        for name in names:
            ax.plot(batches, 100 * curves[name], "-", color=colour(name), alpha=0.4)
            ax.plot(
                [values["batch"]],
                [100 * float(r[name])],
                "o",
                ms=9,
                color=colour(name),
                label=f"{display_name(name)} inputs: {100 * float(r[name]):.0f}%",
            )
        ax.set(
            xscale="log",
            ylim=(-5, 105),
            xlabel="batch size",
            ylabel="sign-uniform updates (%)",
            title=f"Batch of {values['batch']}: (nearly) one-signed updates",
        )
        ax.legend()

    return explore(
        batch_view,
        draw,
        [slider("batch", batches, label="batch size", default=1)],
        title="Batch size → fraction of sign-uniform updates",
        alt=lambda v: (
            f"Percentage of sign-uniform weight updates at batch size {v['batch']} for "
            "sigmoid, tanh, ReLU and GELU inputs, on the curves over all batch sizes: "
            "sigmoid and ReLU start at 100 percent and fall; ReLU's curve crosses below "
            f"sigmoid's at batch {batches[below]} and ends at {100 * relu[-1]:.0f} percent, "
            f"sigmoid's at {100 * sig[-1]:.0f}; tanh and GELU stay near 0."
        ),
    )


def readout_steps(results: dict, steps: int) -> tuple[Figure, str]:
    """Draw the steps each read-out variant of ``results`` (:func:`book.readout.tune`
    results) needs at its tuned rate (:func:`book.readout.draw_steps`), tanh in its
    colour and every sigmoid variant in sigmoid's, within a budget of ``steps``.
    Returns (figure, alt text)."""
    if not isinstance(results, dict) or not results:
        raise TypeError("results must be a non-empty dict of tune() results by variant")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    fig, ax = new_figure(width=7.5, height=4.0)
    variant_colour = {n: colour("tanh" if n == "tanh" else "sigmoid") for n in results}
    draw_steps(ax, results, steps, variant_colour)
    ax.set(title="Every fix helps sigmoid; none catches plain tanh")
    alt = (
        "Dot plot of the steps each variant needs at its tuned learning rate, with 95 "
        "percent confidence intervals over five seeds, on a log scale. Raw sigmoid "
        f"features are censored: an open circle at the {steps}-step budget with an arrow, "
        "since no rate and no seed reached the target. Centring, rescaling, LayerNorm, "
        "momentum and Adam all reach it, in several hundred steps; plain tanh reaches it "
        "in well under a hundred."
    )
    return fig, alt
