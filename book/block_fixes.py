"""Residual paths and LayerNorm as fixes for a deep sigmoid stack (chapter 1).

Names and styles of the four block kinds of :data:`book.nets.BLOCKS`, the figures that
compare them (gradient norm per layer at initialisation; held-out accuracy against the
learning rate) and the table that picks each kind's learning rate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax
from matplotlib.figure import Figure

from book import nets
from book.activations import colour
from book.checks import check_positive_ints
from book.losses import accuracy, cross_entropy
from book.plots import new_figure, series_colour
from book.stats import mean_ci
from book.train import train_steps

__all__ = [
    "BLOCK_NAMES",
    "BLOCK_STYLES",
    "BLOCK_MARKERS",
    "block_profiles_figure",
    "block_rates_figure",
    "tune_block_rates",
    "block_logits",
    "train_sigmoid_stacks",
]

BLOCK_NAMES = {
    "plain": "plain stack",
    "residual": "residual only",
    "layernorm": "LayerNorm only",
    "residual_layernorm": "residual + LayerNorm",
}
# each block kind has its colour (book.plots.SERIES_COLOURS), dash and marker
BLOCK_STYLES = dict(zip(nets.BLOCKS, [":", "--", "-.", "-"], strict=True))
BLOCK_MARKERS = dict(zip(nets.BLOCKS, ["x", "s", "^", "o"], strict=True))


def _check_blocks(by_block: object, name: str) -> None:
    if not isinstance(by_block, Mapping) or not set(by_block) <= set(nets.BLOCKS):
        raise ValueError(f"{name} must map block kinds ({', '.join(nets.BLOCKS)}) to results")


def block_profiles_figure(
    sigmoid_norms: Mapping[str, np.ndarray], gelu_norms: np.ndarray
) -> tuple[Figure, str]:
    """Return ``(fig, alt)``: per-layer gradient norms at initialisation of a sigmoid
    stack for each block kind (``sigmoid_norms[block]``) and of a GELU stack with both
    fixes (``gelu_norms``), on a log axis (chapter 1). Zero norms are left out."""
    _check_blocks(sigmoid_norms, "sigmoid_norms")
    fig, ax = new_figure(width=6.4, height=3.6)
    layer = np.arange(1, np.shape(gelu_norms)[0] + 1)
    for b, n in sigmoid_norms.items():
        style = dict(color=series_colour(BLOCK_NAMES[b]), ls=BLOCK_STYLES[b])
        ax.plot(layer, np.where(n > 0, n, np.nan), label=f"sigmoid, {BLOCK_NAMES[b]}", **style)
    ax.plot(layer, gelu_norms, color=colour("gelu"), label="GELU, residual + LayerNorm")
    ax.set(
        yscale="log",
        xlabel="layer (1 = nearest the input)",
        ylabel="‖∂L/∂W‖ at initialisation",
        title="Residual path or LayerNorm: each alone restores gradient flow",
    )
    ax.legend(fontsize=8)
    alt = (
        "Log-scale gradient norm per layer of a 50-layer network: the plain sigmoid stack "
        "decays geometrically and stops; sigmoid stacks with residual connections only, "
        "with LayerNorm only, or with both, and the GELU stack with both, are nearly flat "
        "across all 50 layers."
    )
    return fig, alt


def block_rates_figure(
    accuracies: Mapping[str, np.ndarray], rates: np.ndarray
) -> tuple[Figure, str]:
    """Return ``(fig, alt)``: held-out accuracy (mean and 95% interval over seeds) against
    the learning rate for each block kind; ``accuracies[block]`` has shape ``(rates,
    seeds)``. Chance (10%) is dotted (chapter 1's 20-layer sigmoid stack)."""
    _check_blocks(accuracies, "accuracies")
    fig, ax = new_figure(width=6.4, height=3.6)
    for b, acc in accuracies.items():
        if np.shape(acc)[0] != len(rates):
            raise ValueError(f"accuracies[{b!r}] must have one row per rate")
        means, halves = zip(*(mean_ci(acc[i]) for i in range(len(rates))), strict=True)
        style = dict(color=series_colour(BLOCK_NAMES[b]), ls=BLOCK_STYLES[b], ms=5)
        style.update(marker=BLOCK_MARKERS[b], capsize=3, label=BLOCK_NAMES[b])
        ax.errorbar(rates, 100 * np.array(means), yerr=100 * np.array(halves), **style)
    ax.axhline(10, color="#444444", lw=0.8, ls=":")
    ax.set(
        xscale="log",
        ylim=(0, 100),
        xlabel="SGD learning rate",
        ylabel="held-out accuracy (%)",
        title="A 20-layer sigmoid stack trains only with a fix",
    )
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))  # off the data
    alt = (
        "Held-out accuracy after 300 SGD steps against the learning rate, mean and 95 "
        "percent confidence interval over 3 seeds, for a 20-layer sigmoid stack: the plain "
        "stack stays at chance (10 percent, dotted line) at every rate; residual only, "
        "LayerNorm only and both train well above chance over part of the rate range."
    )
    return fig, alt


def tune_block_rates(
    trained: Mapping[str, tuple[np.ndarray, np.ndarray]], rates: np.ndarray
) -> tuple[dict[str, tuple[int, float, float]], dict[str, float], list[str]]:
    """Pick each block kind's learning rate: the lowest mean final training loss.

    ``trained[block]`` is ``(loss, accuracy)``, each of shape ``(rates, seeds)``; a
    diverged run's loss (not finite) counts as +inf. A kind at chance (mean accuracy
    under 20%) at every rate gets no rate. Returns ``(chosen, tuned_loss, lines)``:
    ``chosen[block] = (rate index, mean accuracy, 95% half-width)``, ``tuned_loss[block]``
    the mean training loss there, and one printable line per kind, noting a rate at the
    edge of the grid and how the next rate up fared (chapter 1).
    """
    _check_blocks(trained, "trained")
    rates = np.asarray(rates)
    chosen, tuned_loss, lines = {}, {}, []
    for b, (loss, acc) in trained.items():
        if np.shape(loss) != np.shape(acc) or np.shape(loss)[0] != rates.size:
            raise ValueError(f"trained[{b!r}] must hold two arrays of shape (rates, seeds)")
        if np.all(acc.mean(axis=1) < 0.2):  # at chance at every rate: nothing to tune
            lines.append(f"{BLOCK_NAMES[b]:>20}: no rate in the grid trains (all at chance)")
            continue
        by_rate = np.where(np.isfinite(loss), loss, np.inf).mean(axis=1)
        best = int(np.argmin(by_rate))
        mean, half = mean_ci(acc[best])
        chosen[b], tuned_loss[b] = (best, mean, half), float(by_rate[best])
        edge = " (edge of the grid)" if best in (0, rates.size - 1) else ""
        if (up := best + 1) < rates.size:
            edge += (
                f" [next rate {rates[up]:g}: {int((~np.isfinite(loss[up])).sum())} of "
                f"{loss.shape[1]} runs diverged, accuracy {100 * acc[up].mean():.0f}%]"
            )
        lines.append(
            f"{BLOCK_NAMES[b]:>20}: tuned rate {rates[best]:g}{edge}, training loss "
            f"{by_rate[best]:.2f}, held-out accuracy {100 * mean:.0f}% ± {100 * half:.0f} "
            f"(seeds: {', '.join(f'{100 * a:.0f}%' for a in acc[best])})"
        )
    return chosen, tuned_loss, lines


def _hidden_layer(block: str):
    """One hidden layer ``(h, layer) -> h`` of a sigmoid stack of ``block`` kind, as
    :func:`book.nets.deep_stack_forward` computes it."""
    residual, norm = block.startswith("residual"), block.endswith("layernorm")

    def layer_step(h, layer):
        inp = nets.layer_norm(h) if norm else h
        if residual:
            return h + jax.nn.sigmoid(inp) @ layer["W"] + layer["b"]
        return jax.nn.sigmoid(inp @ layer["W"] + layer["b"])

    return layer_step


_HIDDEN_LAYERS = [_hidden_layer(b) for b in nets.BLOCKS]


def block_logits(params: dict, x: jax.Array, block_index: jax.Array | int) -> jax.Array:
    """Return the logits of a sigmoid deep stack (every layer) of block kind
    ``nets.BLOCKS[block_index]``, the index possibly traced.

    What :func:`book.nets.deep_stack_forward` computes for that ``block``, in one
    function: each layer ``lax.switch``-es on the index, so one compilation trains every
    kind. Keep the index unbatched (``lax.map`` over kinds, not ``vmap``): a batched
    index makes the switch compute all four kinds.
    """
    first, out = params["first"], params["out"]
    h = jax.nn.sigmoid(x @ first["W"] + first["b"])

    def step(h, layer):
        return jax.lax.switch(block_index, _HIDDEN_LAYERS, h, layer), None

    h, _ = jax.lax.scan(step, h, params["hidden"])
    with_norm = jnp.asarray(block_index) >= nets.BLOCKS.index("layernorm")
    h = jax.lax.cond(with_norm, nets.layer_norm, lambda h: h, h)
    return h @ out["W"] + out["b"]


def train_sigmoid_stacks(
    blocks: Sequence[str],
    data: tuple[jax.Array, jax.Array, jax.Array, jax.Array],
    *,
    depth: int,
    width: int,
    seeds: int,
    steps: int,
    rates: np.ndarray,
    seed: int = 0,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Train a ``depth``-layer sigmoid stack of each kind of ``blocks``
    (:data:`book.nets.BLOCKS`) with SGD at every rate of ``rates`` from ``seeds`` inits,
    all runs of all kinds in parallel in one compiled function (:func:`block_logits`).

    ``data`` is ``(x_train, y_train, x_test, y_test)`` with 64 inputs and 10 classes;
    minibatches of 32, drawn as :func:`book.train.train` draws them (in three chunks of
    steps). Every kind starts from the same inits. Returns ``{block: (loss,
    accuracy)}``, each of shape ``(rates, seeds)``: the mean training loss over the last
    third of the steps and the final held-out accuracy (chapter 1).
    """
    blocks = list(blocks)
    if not blocks or any(b not in nets.BLOCKS for b in blocks):
        raise ValueError(f"block must be one of {', '.join(nets.BLOCKS)}; got {blocks!r}")
    check_positive_ints(depth=depth, width=width, seeds=seeds, steps=steps)
    if steps % 3:
        raise ValueError(f"steps must be a multiple of 3 (three chunks), got {steps}")
    rates = np.asarray(rates, np.float32)
    if rates.ndim != 1 or rates.size == 0 or np.any(rates <= 0):
        raise ValueError("rates must be a non-empty 1-D array of positive learning rates")
    x_train, y_train, x_test, y_test = data
    indices = jnp.array([nets.BLOCKS.index(b) for b in blocks])

    def one_run(params, lr, run_key, block_index):
        def loss_fn(p, xb, yb):
            return cross_entropy(block_logits(p, xb, block_index), yb)

        def chunk(carry, c):  # a third of the steps, keyed as book.train.train keys them
            p, state, losses = train_steps(
                *carry,
                jax.random.fold_in(run_key, c),
                x_train,
                y_train,
                loss_fn=loss_fn,
                optimizer=optax.sgd(lr),
                steps=steps // 3,
                batch_size=32,
            )
            return (p, state), losses.mean()

        start = (params, optax.sgd(lr).init(params))
        (params, _), losses = jax.lax.scan(chunk, start, jnp.arange(3))
        return losses[-1], accuracy(block_logits(params, x_test, block_index), y_test)

    @jax.jit
    def run_all(indices):
        keys = jax.random.split(jax.random.key(seed), seeds)
        init = jax.vmap(lambda k: nets.init_deep_stack(k, 64, width, 10, depth))(keys)
        init = jax.tree_util.tree_map(
            lambda a: jnp.tile(a, (rates.size,) + (1,) * (a.ndim - 1)), init
        )
        run_keys = jax.random.split(jax.random.key(seed + 1), rates.size * seeds)
        runs = jax.vmap(one_run, in_axes=(0, 0, 0, None))  # rate x seed
        lrs = jnp.repeat(rates, seeds)
        return jax.lax.map(lambda b: runs(init, lrs, run_keys, b), indices)  # kind by kind

    loss, acc = (np.asarray(a).reshape(len(blocks), rates.size, seeds) for a in run_all(indices))
    return {b: (loss[i], acc[i]) for i, b in enumerate(blocks)}
