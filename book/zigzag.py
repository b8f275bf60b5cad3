"""The two-weight zig-zag problem of chapter 2: its loss, descent paths and figures.

Two weights, inputs ``x`` in (0, 1)² (sigmoid outputs) or centred, targets
``y = x · W_STAR`` with ``W_STAR = (1, -1)`` and the squared loss
``L(w) = ½ E[(w·x - y)²]``, whose Hessian is ``E[xxᵀ]``. Reaching ``W_STAR`` from 0 needs
one weight to grow and the other to shrink, which positive inputs make slow. Chapter 2
draws the paths of gradient descent, with and without momentum, and counts its steps.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
from matplotlib.figure import Figure

from book.activations import colour
from book.diagnostics import steps_to_reach
from book.train import descend

__all__ = [
    "W_STAR",
    "LIMITS",
    "two_weight_inputs",
    "two_weight_loss",
    "curvature",
    "cross_valley",
    "descent_path",
    "sgd_path",
    "loss_surface",
    "steps_to_target",
    "best_steps",
    "momentum_steps",
    "print_momentum_steps",
    "draw_paths",
    "draw_path_and_loss",
]

W_STAR = jnp.array([1.0, -1.0])
LIMITS = (-0.6, 1.6, -1.6, 0.6)  # w₁ from, to; w₂ from, to: the window of the figures
_descend = jax.jit(descend, static_argnums=0, static_argnames=("optimizer", "steps", "record_path"))


@functools.partial(jax.jit, static_argnames="n")  # one compilation, not one per operation
def two_weight_inputs(seed: int, offset: float, n: int = 256) -> jax.Array:
    """Return n inputs of shape (n, 2): ``σ(2ε) - ½ + offset`` with ε ~ N(0, I).

    ``offset=0.5`` gives sigmoid-like inputs in (0, 1), ``offset=0`` centred ones.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 2:
        raise ValueError(f"n must be an int >= 2, got {n!r}")
    eps = jax.random.normal(jax.random.key(seed), (n, 2))
    return jax.nn.sigmoid(2.0 * eps) - 0.5 + offset


def two_weight_loss(w: jax.Array, xs: jax.Array) -> jax.Array:
    """Return ½ mean((xs·w - xs·W_STAR)²), the loss of weights ``w`` (2,) on inputs ``xs``."""
    return 0.5 * jnp.mean((xs @ w - xs @ W_STAR) ** 2)


def curvature(xs: jax.Array) -> jax.Array:
    """Return the eigenvalues of the Hessian E[xxᵀ] of the loss on ``xs`` (n, 2), ascending."""
    xs = jnp.asarray(xs)
    if xs.ndim != 2:
        raise ValueError(f"xs must be (examples, inputs), got shape {xs.shape}")
    return jnp.linalg.eigvalsh(xs.T @ xs / xs.shape[0])


def cross_valley(xs: jax.Array, path: jax.Array) -> np.ndarray:
    """Return, per point of ``path`` (steps, 2), its signed distance from the valley floor.

    The floor is the line through ``W_STAR`` along the flattest eigenvector of E[xxᵀ]
    (inputs ``xs`` (n, 2)); the distance is measured along the steepest one, across the
    valley. The sign of the eigenvector, and so of the result, is arbitrary.
    """
    xs, path = jnp.asarray(xs), np.asarray(path, np.float64)
    if xs.ndim != 2 or xs.shape[1] != 2:
        raise ValueError(f"xs must be (examples, 2), got shape {xs.shape}")
    if path.ndim != 2 or path.shape[1] != 2:
        raise ValueError(f"path must be (points, 2), got shape {path.shape}")
    steep = np.asarray(jnp.linalg.eigh(xs.T @ xs / xs.shape[0])[1][:, -1], np.float64)
    return (path - np.asarray(W_STAR, np.float64)) @ steep


def descent_path(xs: jax.Array, lr: jax.Array, steps: int, momentum: float = 0.0) -> dict:
    """Full-batch (heavy-ball) descent from 0 on inputs ``xs``, traceable under ``jit``.

    Returns ``{"path": (steps + 1, 2) weights, "losses": (steps,) loss after each step}``.
    """
    losses, path = descend(
        two_weight_loss,
        jnp.zeros((1, 2)),
        jnp.asarray(xs)[None],
        optimizer=lambda rate: optax.sgd(rate, momentum=momentum),
        learning_rates=jnp.reshape(lr, (1,)),
        steps=steps,
        record_path=True,
    )
    return {"path": path[0], "losses": losses[0, 1:]}


def sgd_path(xs: jax.Array, lr: float, steps: int) -> jax.Array:
    """Return the path (steps + 1, 2) of SGD from 0, one example of ``xs`` per step."""
    xs = jnp.asarray(xs)
    if not isinstance(steps, int) or not 1 <= steps <= xs.shape[0]:
        raise ValueError(f"steps must be an int from 1 to len(xs) = {xs.shape[0]}, got {steps!r}")

    def step(w, xi):
        w = w - lr * jax.grad(lambda v: 0.5 * (xi @ v - xi @ W_STAR) ** 2)(w)
        return w, w

    _, path = jax.lax.scan(step, jnp.zeros(2), xs[:steps])
    return jnp.concatenate([jnp.zeros((1, 2)), path])


def loss_surface(xs: jax.Array, points: int = 80) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Return ``(w1, w2, loss)``, each (points, points): the loss over the window LIMITS."""
    w1, w2 = jnp.meshgrid(
        jnp.linspace(LIMITS[0], LIMITS[1], points), jnp.linspace(LIMITS[2], LIMITS[3], points)
    )
    grid = jnp.stack([w1.ravel(), w2.ravel()], 1)
    loss = jax.vmap(two_weight_loss, in_axes=(0, None))(grid, xs)
    return w1, w2, loss.reshape(w1.shape)


def steps_to_target(
    xs: jax.Array, lr: float, momentum: float = 0.0, target: float = 1e-4, steps: int = 400
) -> int:
    """Return the steps until the loss is ``target`` × its initial value (steps + 1: never)."""
    initial = two_weight_loss(jnp.zeros(2), xs)
    losses = jnp.concatenate([initial[None], descent_path(xs, lr, steps, momentum)["losses"]])
    return int(steps_to_reach(losses, target * initial))


def best_steps(
    offset: float, rates: jax.Array, seeds: list[int], target: float = 1e-4, steps: int = 400
) -> tuple[np.ndarray, np.ndarray]:
    """Return, per seed, the fewest full-batch steps to ``target`` × the initial loss over
    ``rates``, and the index of the rate that achieves it (one vmapped call)."""
    rates = jnp.asarray(rates, jnp.float32)
    if rates.ndim != 1 or rates.size < 3:
        raise ValueError(f"rates must be a 1-D grid of at least 3 rates, got shape {rates.shape}")
    xs = jnp.stack([two_weight_inputs(s, offset) for s in seeds])
    losses, _ = _descend(
        two_weight_loss,
        jnp.zeros((len(seeds) * rates.size, 2)),
        jnp.repeat(xs, rates.size, axis=0),
        optimizer=optax.sgd,
        learning_rates=jnp.tile(rates, len(seeds)),
        steps=steps,
    )
    counts = np.asarray(steps_to_reach(losses, target * losses[:, 0])).reshape(len(seeds), -1)
    return counts.min(axis=1), counts.argmin(axis=1)


def momentum_steps(
    xs: jax.Array, fractions: list[float], momenta: list[float]
) -> dict[tuple[float, float], int]:
    """Return :func:`steps_to_target` for each momentum β of ``momenta`` at each step of a
    fraction of ``fractions`` × 2/λmax of ``xs``, keyed ``(β, fraction)`` (chapter 2)."""
    if not fractions or not momenta:
        raise ValueError("fractions and momenta must be non-empty lists")
    if any(not 0 < f < 1 for f in fractions):
        raise ValueError(f"fractions must lie in (0, 1), got {fractions}")
    if any(not 0 <= b < 1 for b in momenta):
        raise ValueError(f"momenta must lie in [0, 1), got {momenta}")
    lam_max = np.float32(curvature(xs)[-1])
    pairs = [(b, f) for f in fractions for b in momenta]
    rates = np.array([np.float32(f * 2.0) / lam_max for _, f in pairs], np.float32)
    counts = _counts_to_target(jnp.asarray(xs), rates, np.array([b for b, _ in pairs], np.float32))
    return {pair: int(n) for pair, n in zip(pairs, np.asarray(counts), strict=True)}


@functools.partial(jax.jit, static_argnames=("target", "steps"))
def _counts_to_target(
    xs: jax.Array, rates: jax.Array, momenta: jax.Array, target: float = 1e-4, steps: int = 400
) -> jax.Array:
    """:func:`steps_to_target` for every ``(rates[i], momenta[i])``, in one vmapped call
    (the momentum traced: one compilation for the whole grid)."""
    initial = two_weight_loss(jnp.zeros(2), xs)

    def count(lr, momentum):
        losses = descent_path(xs, lr, steps, momentum)["losses"]
        return steps_to_reach(jnp.concatenate([initial[None], losses]), target * initial)

    return jax.vmap(count)(rates, momenta)


def print_momentum_steps(to_target: dict[tuple[float, float], int], kappa: float) -> None:
    """Print a :func:`momentum_steps` table, one line per step size, after the problem's
    condition number ``kappa``."""
    if not isinstance(to_target, dict) or not to_target:
        raise TypeError("to_target must be a non-empty dict keyed (momentum, fraction)")
    momenta = list(dict.fromkeys(b for b, _ in to_target))
    fractions = list(dict.fromkeys(f for _, f in to_target))
    print(f"condition number {kappa:.0f}; steps to 1e-4 of the initial loss:")
    for f in fractions:
        print(
            f"  step {f:g} × 2/λmax: " + ", ".join(f"β={b:g}: {to_target[b, f]}" for b in momenta)
        )


def _contours(ax, surface, fixed: bool = True) -> None:
    w1, w2, loss = surface
    ax.contour(
        w1, w2, np.log10(np.asarray(loss) + 1e-6), levels=14, colors="#bbbbbb", linewidths=0.7
    )
    ax.plot(*W_STAR, "*", ms=12, color="#222222")
    ax.set(xlabel="w₁", ylabel="w₂", aspect="equal")
    if fixed:
        ax.set(xlim=LIMITS[:2], ylim=LIMITS[2:])


def draw_paths(ax, xs: jax.Array, gd_lr: float, title: str, name: str) -> np.ndarray:
    """Draw on ``ax`` the loss contours of ``xs``, the path of per-example SGD (rate 0.5,
    120 steps) and of 25 full-batch steps at rate ``gd_lr``, in activation ``name``'s colour.
    Return the full-batch path drawn, (26, 2)."""
    _contours(ax, _jitted["loss_surface"](xs), fixed=False)
    path = _jitted["descent_path"](xs, jnp.float32(gd_lr), 25)["path"]
    ax.plot(
        *np.asarray(_jitted["sgd_path"](xs, 0.5, 120)).T,
        color=colour(name),
        lw=0.8,
        alpha=0.7,
        label="SGD, 1 example",
    )
    ax.plot(
        *np.asarray(path).T,
        "o-",
        ms=3,
        color=colour(name),
        lw=2,
        label=f"full batch, lr {gd_lr:.2g}",
    )
    ax.set(title=title)
    ax.legend(loc="lower left", fontsize=8)
    return np.asarray(path)


# compiled once for the figures (called eagerly, each would compile op by op)
_jitted = {
    "loss_surface": jax.jit(loss_surface, static_argnames="points"),
    "descent_path": jax.jit(descent_path, static_argnames="steps"),
    "sgd_path": jax.jit(sgd_path, static_argnames="steps"),
}


def draw_path_and_loss(fig: Figure, result: dict, title: str, loss_title: str) -> None:
    """Draw a descent ``result`` (``path``, ``losses``, ``surface`` as :func:`loss_surface`
    returns it) on ``fig``: the path on the contours, and the loss per step (log scale)."""
    ax, ax_loss = fig.subplots(1, 2)
    _contours(ax, result["surface"])
    ax.plot(*np.asarray(result["path"]).T, "o-", ms=2.5, color=colour("sigmoid"))
    ax.set(title=title)
    losses = np.asarray(result["losses"])
    ax_loss.plot(np.arange(1, losses.size + 1), losses, color=colour("sigmoid"))
    ax_loss.set(yscale="log", ylim=(1e-8, 1), xlabel="step", ylabel="loss", title=loss_title)
    ax_loss.minorticks_off()  # a tick per decade reads as well; the frames draw faster
