"""Chapter 5's interactive figures: the forget-gate bias against the gradient's reach,
the expert loads of the stored MoE runs, and the sigmoid-attention pattern.

Each function wires a computation the chapter defines (or arrays it read) to a draw
function of :mod:`book.ch5_figures` through :func:`book.explore.explore`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import jax.numpy as jnp

from book import ch5_figures as f5
from book.explore import Explorer, choice, explore, slider

__all__ = ["reach_explorer", "expert_load_explorer", "attention_pattern_explorer"]


def _check_callable(name: str, f) -> None:
    if not callable(f):
        raise TypeError(f"{name} must be callable, got {type(f).__name__}")


def reach_explorer(
    reach_at: Callable, distance, biases: Sequence[float], default: float = 1.0
) -> Explorer:
    """Return chapter 5's explorer of the gradient norm against steps back ``distance``
    for a forget-gate bias chosen among ``biases``; ``reach_at(forget_bias)`` computes the
    norms (one per entry of ``distance``)."""
    _check_callable("reach_at", reach_at)
    if default not in biases:
        raise ValueError(f"default must be one of biases {list(biases)}, got {default!r}")
    return explore(
        reach_at,
        functools.partial(f5.draw_reach, distance=distance),
        [slider("forget_bias", biases, label="forget-gate bias b_f", default=default)],
        title="Forget-gate bias → gradient reaching back over time steps",
        alt=lambda v: (
            "Log-scale gradient norm against steps back for forget-gate bias "
            f"{v['forget_bias']}, with the sigmoid(b_f)^k reference line."
        ),
    )


def expert_load_explorer(
    loads, steps: Sequence[int], variants: Sequence[str], seeds: Sequence[int]
) -> Explorer:
    """Return chapter 5's explorer of each expert's load over training in the stored MoE
    runs; ``loads``: (variant, seed, evaluation, block, expert) loads relative to a fair
    share, in the order of ``variants`` and ``seeds``, recorded at ``steps``."""
    loads = jnp.asarray(loads)
    if loads.ndim != 5 or loads.shape[:3] != (len(variants), len(seeds), len(steps)):
        raise ValueError(
            "loads must be (len(variants), len(seeds), len(steps), blocks, experts), "
            f"got {loads.shape}"
        )

    def view(variant, seed):
        return loads[variant, seed]

    return explore(
        view,
        functools.partial(f5.draw_expert_load, steps=steps),
        [
            choice("variant", list(variants), label="router", default="sigmoid_bias"),
            slider("seed", list(seeds), label="seed", default=0),
        ],
        title="Router and balancing → expert load over training (stored runs)",
        alt=lambda v: (
            f"Two panels, one per block, of the load of each of {loads.shape[-1]} experts "
            f"relative to a fair share over {steps[-1]} training steps, for the "
            f"{v['variant']} router, seed {v['seed']}; a dotted line marks a fair share."
        ),
        width=8.0,
        height=3.2,
    )


def attention_pattern_explorer(
    attention_pattern: Callable, kinds: Sequence[str], biases: Sequence[float], n: int
) -> Explorer:
    """Return chapter 5's explorer of a causal attention pattern of ``n`` positions and
    its row sums; ``attention_pattern(kind, bias)`` computes the (query, key) weights for
    the index of ``kind`` in ``kinds`` and a bias of ``biases`` (default the second,
    -log n)."""
    _check_callable("attention_pattern", attention_pattern)
    if len(biases) < 2:
        raise ValueError(f"biases must hold at least 2 values, got {list(biases)}")
    return explore(
        attention_pattern,
        f5.draw_attention_pattern,
        [
            choice("kind", list(kinds), label="attention", default="sigmoid"),
            slider("bias", biases, label="bias b", default=biases[1]),
        ],
        title=f"Attention bias b → attention pattern and row sums (n = {n} keys)",
        alt=lambda v: (
            f"Heat map of {v['kind']} attention weights of {n} causal positions with bias "
            f"{v['bias']}, and a plot of each row's sum against the position."
        ),
        width=8.0,
        height=3.4,
    )
