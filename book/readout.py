"""A linear read-out on fixed random features: chapter 2's measured cost of a mean.

The read-out ``ŷ = a·v`` with ``a = [h, 1]`` (features and a bias input) has the quadratic
loss ``½ E[(a·v - y)²]``, whose Hessian is ``E[aaᵀ]``. Full-batch descent on it, for
every learning rate of a grid and every seed in one vmapped call, counts the steps until
the loss has closed 99% of its gap to the least-squares optimum. Chapter 2 compares
sigmoid features with centred, rescaled, normalised ones and with tanh's.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax

from book.diagnostics import steps_to_reach
from book.stats import mean_ci
from book.train import descend

__all__ = [
    "feature_problem",
    "with_bias",
    "readout_loss",
    "steps_to_target",
    "condition_numbers",
    "tune",
    "print_table",
    "draw_steps",
]

_descend = jax.jit(descend, static_argnums=0, static_argnames=("optimizer", "steps", "record_path"))


def feature_problem(
    key: jax.Array, n_examples: int = 256, d_in: int = 16, n_features: int = 64
) -> tuple[jax.Array, jax.Array]:
    """Return ``(pre, y)``: pre-activations (n_examples, n_features) ``zW/√d_in`` of a fixed
    random layer on ``z ~ N(0, I)``, and targets ``tanh(z·u/√d_in)`` plus noise of sd 0.1."""
    for name, value in (("n_examples", n_examples), ("d_in", d_in), ("n_features", n_features)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    kz, kw, ku, kn = jax.random.split(key, 4)
    z = jax.random.normal(kz, (n_examples, d_in))
    pre = z @ jax.random.normal(kw, (d_in, n_features)) / jnp.sqrt(d_in)
    signal = jnp.tanh(z @ jax.random.normal(ku, (d_in,)) / jnp.sqrt(d_in))
    return pre, signal + 0.1 * jax.random.normal(kn, (n_examples,))


def with_bias(h: jax.Array) -> np.ndarray:
    """Return ``a = [h, 1]`` in float64: the features (examples, features) and a bias input."""
    h = np.asarray(h, np.float64)
    if h.ndim != 2:
        raise ValueError(f"h must be (examples, features), got shape {h.shape}")
    return np.concatenate([h, np.ones((h.shape[0], 1))], 1)


def readout_loss(v: jax.Array, moments: tuple) -> jax.Array:
    """Return ½ E[(a·v - y)²] written with the moments ``(E[aaᵀ], E[ay], E[y²])``."""
    second, cross, target_sq = moments
    return 0.5 * v @ second @ v - v @ cross + 0.5 * target_sq


def steps_to_target(
    features: jax.Array,
    targets: jax.Array,
    optimizer: Callable[[jax.Array], optax.GradientTransformation],
    rates: jax.Array,
    steps: int,
    share: float = 0.01,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(counts, gap)``, each (seeds, rates), of descent on the read-out from v = 0.

    ``features`` (seeds, examples, features), ``targets`` (seeds, examples). ``counts``:
    the steps until the loss is within ``share`` of its initial gap to the least-squares
    optimum (``steps + 1``: never); ``gap``: the share of that gap left after ``steps``
    (``inf`` for runs that diverged).
    """
    h, y = jnp.asarray(features), jnp.asarray(targets)
    if h.ndim != 3 or y.shape != h.shape[:2]:
        raise ValueError(
            f"features must be (seeds, examples, features) and targets (seeds, examples); got {h.shape} and {y.shape}"
        )
    if not 0 < share < 1:
        raise ValueError(f"share must lie in (0, 1), got {share!r}")
    rates = jnp.asarray(rates, jnp.float32)
    seeds, n = h.shape[:2]
    a = jnp.concatenate([h, jnp.ones(h.shape[:2] + (1,))], -1)
    moments = (
        jnp.einsum("sni,snj->sij", a, a) / n,
        jnp.einsum("sni,sn->si", a, y) / n,
        jnp.mean(y**2, 1),
    )
    losses, _ = _descend(
        readout_loss,
        jnp.zeros((seeds * rates.size, a.shape[-1])),
        jax.tree.map(lambda m: jnp.repeat(m, rates.size, 0), moments),
        optimizer=optimizer,
        learning_rates=jnp.tile(rates, seeds),
        steps=steps,
    )
    losses = np.asarray(losses, np.float64)
    floor = []
    for hi, yi in zip(h, y, strict=True):
        ai, yi = with_bias(hi), np.asarray(yi, np.float64)
        floor.append(0.5 * np.mean((ai @ np.linalg.lstsq(ai, yi, rcond=None)[0] - yi) ** 2))
    floor = np.repeat(floor, rates.size)
    target = floor + share * (losses[:, 0] - floor)
    counts = np.asarray(steps_to_reach(jnp.asarray(losses), jnp.asarray(target)))
    with np.errstate(invalid="ignore", over="ignore"):
        gap = (losses[:, -1] - floor) / (losses[:, 0] - floor)
    gap = np.where(np.isfinite(gap), gap, np.inf)
    return counts.reshape(seeds, -1), gap.reshape(seeds, -1)


def condition_numbers(features: jax.Array) -> dict[str, float]:
    """Return ``{"kappa", "kappa_span"}``: the condition number of E[aaᵀ] (``inf`` when it
    is singular) and on the span of ``a`` (they differ only then), geometric means over
    the seeds of ``features`` (seeds, examples, features)."""
    values = []
    for h in np.asarray(features):
        a = with_bias(h)
        eig = np.linalg.eigvalsh(a.T @ a / a.shape[0])
        span = eig[eig > 1e-9 * eig[-1]]
        values.append((eig[-1] / eig[0] if eig[0] > 1e-9 * eig[-1] else np.inf, span[-1] / span[0]))
    kappa, kappa_span = np.exp(np.mean(np.log(values), 0))
    return {"kappa": float(kappa), "kappa_span": float(kappa_span)}


def tune(counts: np.ndarray, gap: np.ndarray, steps: int) -> dict:
    """Return the tuned rate of one variant from :func:`steps_to_target`'s output.

    ``tuned``: the index of the rate with the fewest mean steps among the rates at which
    every seed reaches the target, or ``None`` (censored); ``steps``: the counts per seed
    at that rate (or ``None``); ``all``: every count; ``closest``: the rate leaving the
    least median gap, and ``gap``: that median gap.
    """
    counts, gap = np.asarray(counts), np.asarray(gap)
    if counts.ndim != 2 or gap.shape != counts.shape:
        raise ValueError(
            f"counts and gap must both be (seeds, rates), got {counts.shape}, {gap.shape}"
        )
    reached = (counts <= steps).all(0)
    tuned = int(np.where(reached, counts.mean(0), np.inf).argmin()) if reached.any() else None
    closest = int(np.median(gap, 0).argmin())
    return {
        "tuned": tuned,
        "steps": counts[:, tuned] if tuned is not None else None,
        "all": counts,
        "closest": closest,
        "gap": float(np.median(gap[:, closest])),
    }


def _censored_how(result: dict, steps: int) -> str:
    """Say which runs of a censored variant (a :func:`tune` result) missed the target."""
    every = (result["all"] == steps + 1).all()
    return "every rate and seed" if every else "some seed at every rate"


def print_table(results: dict, rates: jax.Array, steps: int) -> None:
    """Print each variant's κ, tuned rate and steps to target (mean ± 95% CI over seeds)."""
    seeds = next(iter(results.values()))["all"].shape[0]
    print(
        f"{'variant':20s} {'κ of E[aaᵀ]':>12s} {'rate':>8s}   steps to target (mean ± 95% CI over {seeds} seeds)"
    )
    for name, r in results.items():
        kappa = (
            f"{r['kappa']:12.3g}"
            if np.isfinite(r["kappa"])
            else f"∞ ({r['kappa_span']:.3g})".rjust(12)
        )
        if r["tuned"] is None:
            how = _censored_how(r, steps)
            print(
                f"{name:20s} {kappa} {'–':>8s}   censored: > {steps} for {how}; closest at "
                f"rate {float(rates[r['closest']]):.3g}: {100 * r['gap']:.1f}% of the gap left"
            )
        else:
            mean, half = mean_ci(r["steps"])
            print(f"{name:20s} {kappa} {float(rates[r['tuned']]):8.3g}   {mean:6.0f} ± {half:4.0f}")
    if any(not np.isfinite(r["kappa"]) for r in results.values()):
        print(
            "∞: E[aaᵀ] is singular (the features sum to a constant); in brackets, κ on their span"
        )


def draw_steps(ax, results: dict, steps: int, colours: dict[str, str]) -> None:
    """Draw each variant's steps at its tuned rate on ``ax`` (log scale): seeds as dots, the
    mean with its 95% interval, and a censored variant as an open circle and an arrow at
    the budget ``steps``. ``colours`` maps each variant to its colour."""
    names = list(results)
    for i, name in enumerate(names):
        r, c = results[name], colours[name]
        if r["tuned"] is None:
            ax.annotate(
                "",
                xy=(steps * 1.6, i),
                xytext=(steps, i),
                arrowprops={"arrowstyle": "->", "color": c, "lw": 1.5},
            )
            ax.plot([steps], [i], "o", mfc="none", color=c)
            ax.text(
                steps * 0.95,
                i - 0.3,
                f"> {steps}, {_censored_how(r, steps)}",
                ha="right",
                fontsize=8,
            )
            continue
        mean, half = mean_ci(r["steps"])
        ax.errorbar([mean], [i], xerr=[[min(half, mean - 1)], [half]], fmt="o", color=c, capsize=4)
        seeds = len(r["steps"])
        ax.plot(
            r["steps"], np.full(seeds, i) + np.linspace(-0.15, 0.15, seeds), ".", color=c, alpha=0.5
        )
    ax.set(
        yticks=range(len(names)),
        yticklabels=names,
        xscale="log",
        xlim=(20, steps * 2),
        xlabel="steps to target (log scale), each variant at its tuned rate",
    )
    ax.invert_yaxis()
