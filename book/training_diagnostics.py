"""Diagnostics recorded during training: per-layer histograms and update-to-data ratios.

Chapter 1 trains a sigmoid, a tanh and a centred sigmoid "twin" stack side by side and
watches, step by step, what each layer's activations and gradients look like and how
large each update is relative to the weights it changes, the checks Karpathy makes in
"Building makemore Part 3".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from book import activations
from book.plots import new_figure

__all__ = [
    "update_to_data_ratio",
    "layer_histograms",
    "stack_trace",
    "sgd_with_diagnostics",
    "plot_layers",
    "draw_histograms",
    "update_ratio_figure",
    "watch_summary",
    "EDGES",
]

_STACK_KEYS = {"first", "hidden", "out"}
# Histogram bins: activations of sigmoid and tanh, and log10 |dL/dh| (gradients span
# many orders of magnitude; exact zeros land in the first bin).
EDGES = {"activations": np.linspace(-1, 1, 41), "gradients": np.linspace(-12, 0, 49)}


def _check_stack(params: object, name: str) -> None:
    if not isinstance(params, dict) or set(params) != _STACK_KEYS:
        raise ValueError(f"{name} must be a deep stack {{'first', 'hidden', 'out'}} of layers")


def update_to_data_ratio(update: dict, params: dict) -> jax.Array:
    """Return ``log10(std(update W) / std(W))`` for every layer of a deep stack.

    ``update`` and ``params`` are deep stacks (``book.nets.init_deep_stack``) of the same
    shapes: ``update`` holds the change an optimiser step makes (``lr * grad`` for SGD).
    One value per weight matrix, input first: first, each hidden layer, out. Biases are
    ignored. About -3 is the usual healthy level; far below, the layer barely moves.
    Chapter 1 explains it.
    """
    _check_stack(update, "update")
    _check_stack(params, "params")
    ws = [params["first"]["W"], params["out"]["W"]]
    us = [update["first"]["W"], update["out"]["W"]]
    if any(u.shape != w.shape for u, w in zip(us, ws, strict=True)) or (
        update["hidden"]["W"].shape != params["hidden"]["W"].shape
    ):
        raise ValueError("update and params must have the same shapes")

    def ratio(u, w, axis):
        return jnp.log10(jnp.std(u, axis=axis) / jnp.std(w, axis=axis))

    hidden = ratio(update["hidden"]["W"], params["hidden"]["W"], (-2, -1))
    return jnp.concatenate(
        [ratio(us[0], ws[0], None)[None], hidden, ratio(us[1], ws[1], None)[None]]
    )


def layer_histograms(values: jax.Array, edges: jax.Array) -> jax.Array:
    """Return the share of each layer's values in each bin, shape ``(layers, bins)``.

    ``values`` has the layer on its first axis; ``edges`` are ``bins + 1`` increasing
    bin edges. Values outside the edges are counted in the first or last bin, so every
    row sums to 1. Chapter 1 plots activations and log-gradients this way.
    """
    edges = jnp.asarray(edges)
    if edges.ndim != 1 or edges.size < 2:
        raise ValueError("edges must be a 1-D array of at least 2 bin edges")
    values = jnp.asarray(values)
    if values.ndim < 2:
        raise ValueError("values must have a layer axis first and values after it")
    flat = jnp.clip(values.reshape(values.shape[0], -1), edges[0], edges[-1])
    counts = jax.vmap(lambda v: jnp.histogram(v, bins=edges)[0])(flat)
    return counts / flat.shape[1]


def stack_trace(
    params: dict,
    x: jax.Array,
    activation_index: jax.Array | int,
    selection: Sequence[str],
    nudges: jax.Array | None = None,
) -> tuple[jax.Array, jax.Array]:
    """Return ``(logits, activations)`` of a plain deep stack; activations ``(layers, batch, width)``.

    Every hidden layer is used (no depth mask). ``nudges``, zeros of the activations'
    shape, are added to each layer's output: ``jax.grad`` with respect to them is
    ``dL/dh`` of every layer, the gradient an activation histogram is paired with.
    Chapter 1 explains it.
    """
    _check_stack(params, "params")

    def act(z):
        return activations.apply_by_index(selection, activation_index, z)

    n_layers = params["hidden"]["W"].shape[0] + 1
    width = params["first"]["W"].shape[1]
    if nudges is None:
        nudges = jnp.zeros((n_layers, x.shape[0], width), x.dtype)
    first = act(x @ params["first"]["W"] + params["first"]["b"]) + nudges[0]

    def step(h, layer_and_nudge):
        layer, nudge = layer_and_nudge
        h = act(h @ layer["W"] + layer["b"]) + nudge
        return h, h

    h, rest = jax.lax.scan(step, first, (params["hidden"], nudges[1:]))
    logits = h @ params["out"]["W"] + params["out"]["b"]
    return logits, jnp.concatenate([first[None], rest])


@partial(jax.jit, static_argnames=("selection", "steps", "batch_size"))
def sgd_with_diagnostics(
    params: dict,
    x: jax.Array,
    y: jax.Array,
    *,
    activation_index: jax.Array | int,
    selection: tuple[str, ...],
    learning_rate: float | jax.Array,
    steps: int,
    batch_size: int,
    key: jax.Array,
) -> dict[str, jax.Array]:
    """Train a plain deep stack with SGD for ``steps`` steps, recording every step.

    Returns ``{"loss": (steps,), "ratio": (steps, layers + 1), "activations": (steps,
    layers, bins), "gradients": (steps, layers, bins)}``: the minibatch loss, the
    update-to-data ratio of every weight matrix (:func:`update_to_data_ratio`), and
    histograms (:func:`layer_histograms`, bins :data:`EDGES`) of each hidden layer's
    activations and of ``log10 |dL/dh|`` on the minibatch, all before that step's
    update. One jitted ``lax.scan`` (``selection`` a tuple of activation names); vmap it
    over stacks. Chapter 1 explains it.
    """
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")

    def loss(p, nudges, xb, yb):
        logits, hidden = stack_trace(p, xb, activation_index, selection, nudges)
        logp = jax.nn.log_softmax(logits)
        return -jnp.take_along_axis(logp, yb[:, None], axis=1).mean(), hidden

    def step(p, k):
        idx = jax.random.randint(k, (batch_size,), 0, x.shape[0])
        xb, yb = x[idx], y[idx]
        n_layers = p["hidden"]["W"].shape[0] + 1
        zeros = jnp.zeros((n_layers, batch_size, p["first"]["W"].shape[1]), x.dtype)
        (value, hidden), (g, dh) = jax.value_and_grad(loss, argnums=(0, 1), has_aux=True)(
            p, zeros, xb, yb
        )
        update = jax.tree_util.tree_map(lambda a: learning_rate * a, g)
        record = {
            "loss": value,
            "ratio": update_to_data_ratio(update, p),
            "activations": layer_histograms(hidden, EDGES["activations"]),
            "gradients": layer_histograms(jnp.log10(jnp.abs(dh) + 1e-38), EDGES["gradients"]),
        }
        return jax.tree_util.tree_map(jnp.subtract, p, update), record

    _, records = jax.lax.scan(step, params, jax.random.split(key, steps))
    return records


def plot_layers(ax: Axes, x: np.ndarray, rows: np.ndarray, colour: str, **kwargs) -> list:
    """Draw one line per row of ``rows`` (a layer each) against ``x``; return the lines.

    Row 0, the layer nearest the input, is drawn palest and the last row in ``colour``,
    so depth reads as shade on every panel. ``kwargs`` go to ``ax.plot``. Chapter 1
    draws its per-layer histograms and update-to-data ratios with it.
    """
    rows = np.asarray(rows)
    if rows.ndim != 2 or rows.shape[1] != np.shape(x)[0]:
        raise ValueError("rows must be 2-D with one column per value of x")
    end, pale = np.array(to_rgb(colour)), np.array(to_rgb("#dddddd"))
    weights = np.linspace(0.15, 1.0, rows.shape[0]) if rows.shape[0] > 1 else [1.0]
    return [
        ax.plot(x, row, color=tuple(pale + w * (end - pale)), lw=1.2, **kwargs)[0]
        for row, w in zip(rows, weights, strict=True)
    ]


def draw_histograms(
    fig: Figure, records: Mapping[str, np.ndarray], styles: Mapping[str, tuple[str, str]], step: int
) -> None:
    """Draw per-layer histograms of activations (top row) and log-gradients (bottom row).

    ``records`` holds ``"activations"`` and ``"gradients"`` of shape ``(stacks, layers,
    bins)`` at one step (bins :data:`EDGES`); ``styles`` maps each stack's name, in
    order, to its ``(colour, linestyle)``. One column per stack, one line per layer
    (:func:`plot_layers`). Chapter 1 shows it for a sigmoid, a tanh and a twin stack.
    """
    if len(styles) != np.shape(records["activations"])[0]:
        raise ValueError("styles must name one stack per row of records")
    axes = fig.subplots(2, len(styles), sharey="row", squeeze=False)
    for j, (name, (colour, ls)) in enumerate(styles.items()):
        for i, (kind, e) in enumerate(EDGES.items()):
            plot_layers(
                axes[i, j], (e[1:] + e[:-1]) / 2, np.asarray(records[kind][j]), colour, ls=ls
            )
        axes[0, j].set(title=f"{name}, step {step}", xlabel="activation h")
        axes[1, j].set(xlabel="log₁₀ |∂L/∂h|")
    axes[0, 0].set(ylabel="share of units")
    axes[1, 0].set(ylabel="share of units")


def update_ratio_figure(
    ratios: np.ndarray, styles: Mapping[str, tuple[str, str]]
) -> tuple[Figure, str]:
    """Return ``(fig, alt)``: each stack's update-to-data ratio (:func:`update_to_data_ratio`)
    against the SGD step, one panel per stack and one line per layer (:func:`plot_layers`),
    with -3 dotted.

    ``ratios`` has shape ``(stacks, steps, layers)``, stacks in the order of ``styles``
    (name to ``(colour, linestyle)``): the first is sigmoid, the others tanh and its
    sigmoid twin, as the alt text says. Chapter 1 reads the figure.
    """
    ratios = np.asarray(ratios)
    if ratios.ndim != 3 or ratios.shape[0] != len(styles):
        raise ValueError("ratios must have shape (stacks, steps, layers), one stack per style")
    fig, axes = new_figure(len(styles), width=11.0, height=3.4)
    for j, (ax, (name, (c, ls))) in enumerate(zip(axes, styles.items(), strict=True)):
        plot_layers(ax, np.arange(ratios.shape[1]), ratios[j].T, c, ls=ls)
        ax.axhline(-3, color="#444444", lw=0.8, ls=":")
        ax.set(ylim=(-9, -1), xlabel="SGD step", title=name)
    axes[0].set(ylabel="log₁₀ std(η∇W) / std(W)")
    sig_median = np.median(ratios[0], axis=0)  # per layer, over the run
    pair = ratios[1:]  # tanh and the twin
    alt = (
        "Three panels of the update-to-data ratio of every weight matrix against the SGD "
        "step, one line per layer, pale for layer 1 and dark for the output layer, with a "
        f"dotted line at -3. Sigmoid's lines are spread from about {sig_median[0]:.0f} for "
        f"layer 1 to about {sig_median[-1]:.0f} for the output layer; tanh's and the twin's "
        f"lie together between {pair.max():.1f} and {pair.min():.1f}."
    )
    return fig, alt


def watch_summary(watched: Mapping[str, np.ndarray], names: Sequence[str], depth: int) -> str:
    """Return one line per stack of ``names``: its update-to-data ratio in layer 1 and
    layer ``depth`` at the first and last step, and its mean loss over the first and the
    last 50 steps. ``watched`` holds ``"ratio"`` ``(stacks, steps, layers)`` and
    ``"loss"`` ``(stacks, steps)`` from :func:`sgd_with_diagnostics` (chapter 1).
    """
    ratios, losses = np.asarray(watched["ratio"]), np.asarray(watched["loss"])
    if isinstance(names, str) or len(names) > ratios.shape[0]:
        raise ValueError("names must be a sequence of at most one name per stack")
    if not isinstance(depth, int) or not 1 <= depth <= ratios.shape[2]:
        raise ValueError(f"depth must be an int from 1 to {ratios.shape[2]}, got {depth!r}")
    lines = []
    for j, name in enumerate(names):
        r, loss = ratios[j], losses[j]
        lines.append(
            f"{name:>12}: ratio at step 0 / last, layer 1 {r[0, 0]:.1f} / {r[-1, 0]:.1f}, "
            f"layer {depth} {r[0, depth - 1]:.1f} / {r[-1, depth - 1]:.1f}; "
            f"loss, first / last 50 steps {loss[:50].mean():.2f} / {loss[-50:].mean():.2f}"
        )
    return "\n".join(lines)
