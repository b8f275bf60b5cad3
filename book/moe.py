"""A small mixture-of-experts FFN with softmax or sigmoid routing (chapter 5).

Each token is sent to ``top_k`` of ``n_experts`` GELU experts. Two routers:

- ``"softmax"`` (Mixtral-style): p = softmax(x W_r) over all experts, the top-k
  selected, their p renormalised to give the gate values;
- ``"sigmoid"`` (DeepSeek-V3, Eq. 12-16): s_i = sigmoid(x W_r)_i, each expert's
  affinity on its own; the top-k are selected by s_i + b_i, where the bias b only
  selects (it never enters the gate values), and the gates are s_i / sum of the
  selected s_j.

Auxiliary-loss-free balancing (DeepSeek-V3; Wang et al. 2024): after each step
b_i -= gamma if expert i received more than its share of tokens, += gamma if less.
:func:`balance_optimizer` implements that update through optax: the MoE layer
returns a term whose value is zero and whose gradient with respect to b is
(load - mean load), and a sign step of size gamma is applied to it. For both routers
the bias is added to the gating scores (the softmax probabilities or the sigmoid
affinities, both in (0, 1)), as in Wang et al.'s Loss-Free Balancing, where it shifts
the routing scores before the top-K decision; so one gamma is a step on one scale.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import optax

from book.activations import get as _activation
from book.checks import check_positive_ints

__all__ = [
    "ROUTERS",
    "init_moe_ffn",
    "route",
    "select_top_k",
    "make_moe_ffn",
    "load_stats",
    "balance_optimizer",
]

GELU = _activation("gelu").fn  # exact GELU, from chapter 1's table

ROUTERS = ("softmax", "sigmoid")


def init_moe_ffn(key: jax.Array, d_model: int, n_experts: int, hidden: int) -> dict:
    """Return MoE weights: ``router`` (d, E), ``router_bias`` (E,) zeros, and per-expert
    ``up`` (E, d, hidden) and ``down`` (E, hidden, d), all N(0, 0.02^2)."""
    check_positive_ints(d_model=d_model, n_experts=n_experts, hidden=hidden)
    k_r, k_u, k_d = jax.random.split(key, 3)
    return {
        "router": 0.02 * jax.random.normal(k_r, (d_model, n_experts)),
        "router_bias": jnp.zeros(n_experts),
        "up": 0.02 * jax.random.normal(k_u, (n_experts, d_model, hidden)),
        "down": 0.02 * jax.random.normal(k_d, (n_experts, hidden, d_model)),
    }


def route(
    logits: jax.Array, bias: jax.Array, router: str, top_k: int
) -> tuple[jax.Array, jax.Array]:
    """Return ``(gates, selected)``, both (..., E): gate values (0 off the top-k) and a
    0/1 mask of the selected experts, for router ``"softmax"`` or ``"sigmoid"``.

    ``bias`` (E,) shifts the gating scores (softmax probabilities or sigmoid affinities)
    for the selection only (no gradient flows to it).
    """
    if router not in ROUTERS:
        raise ValueError(f"router must be one of {', '.join(ROUTERS)}; got {router!r}")
    n_experts = logits.shape[-1]
    if not isinstance(top_k, int) or not 1 <= top_k <= n_experts:
        raise ValueError(f"top_k must be an int in [1, {n_experts}], got {top_k!r}")
    scores = jax.nn.softmax(logits, axis=-1) if router == "softmax" else jax.nn.sigmoid(logits)
    select_by = scores + jax.lax.stop_gradient(bias)
    _, idx = jax.lax.top_k(select_by, top_k)
    selected = jax.nn.one_hot(idx, n_experts, dtype=scores.dtype).sum(-2)
    kept = scores * selected
    return kept / kept.sum(-1, keepdims=True), selected


def select_top_k(select_by: jax.Array, top_k: int) -> jax.Array:
    """Return the 0/1 mask (..., E) of the ``top_k`` largest entries of ``select_by`` along
    the last axis: the selection :func:`route` makes (ties go to the lower index, as in
    ``lax.top_k``), found by ``top_k`` arg-max passes, several times faster than
    ``lax.top_k`` over a few experts on a CPU. Chapter 5's balancing loop uses it."""
    n_experts = select_by.shape[-1]
    if not isinstance(top_k, int) or not 1 <= top_k <= n_experts:
        raise ValueError(f"top_k must be an int in [1, {n_experts}], got {top_k!r}")
    selected = jnp.zeros(select_by.shape, select_by.dtype)
    for _ in range(top_k):
        pick = jax.nn.one_hot(jnp.argmax(select_by, axis=-1), n_experts, dtype=select_by.dtype)
        selected, select_by = selected + pick, jnp.where(pick > 0, -jnp.inf, select_by)
    return selected


def load_stats(selected: jax.Array) -> dict[str, jax.Array]:
    """Return ``load`` (E,), each expert's share of routed tokens relative to a fair
    share (mean 1), ``max_over_mean`` and ``dead_fraction`` (experts under 10% of a fair
    share) from a 0/1 selection mask (..., E)."""
    counts = selected.reshape(-1, selected.shape[-1]).sum(0)
    load = counts / counts.mean()
    return {"load": load, "max_over_mean": load.max(), "dead_fraction": (load < 0.1).mean()}


def make_moe_ffn(router: str, top_k: int) -> Callable:
    """Return ``ffn_fn(params, x, config) -> (output, intermediates)`` for
    :func:`book.transformer.apply`: a top-``top_k`` mixture of GELU experts.

    All experts are computed densely and combined with the gate values (clear, and
    fast enough at this size). Intermediates: ``expert_load`` (E,), ``router_scores``,
    and ``balance_term``, zero-valued, whose gradient with respect to ``router_bias`` is
    (load - 1) (see :func:`balance_optimizer`).
    """
    if router not in ROUTERS:
        raise ValueError(f"router must be one of {', '.join(ROUTERS)}; got {router!r}")

    def ffn_fn(p, x, config):
        logits = x @ p["router"]
        gates, selected = route(logits, p["router_bias"], router, top_k)
        hidden = GELU(jnp.einsum("btd,edh->bteh", x, p["up"]))  # each expert: a GELU FFN
        experts = jnp.einsum("bteh,ehd->bted", hidden, p["down"])
        out = jnp.einsum("bte,bted->btd", gates, experts)
        stats = load_stats(selected)
        error = jax.lax.stop_gradient(stats["load"] - 1.0)
        term = jnp.sum(p["router_bias"] * error)
        return out, {
            "expert_load": stats["load"],
            "router_scores": jax.nn.sigmoid(logits) if router == "sigmoid" else logits,
            "balance_term": term - jax.lax.stop_gradient(term),
        }

    return ffn_fn


def balance_optimizer(
    main: optax.GradientTransformation, gamma: float
) -> optax.GradientTransformation:
    """Return ``main`` for every parameter except the ``router_bias`` leaves, which move
    by -gamma * sign(gradient): with the MoE's balance term, b_i -= gamma when expert i
    is overloaded and += gamma when underloaded (DeepSeek-V3's update; gamma = 0 keeps b
    at zero)."""
    if not gamma >= 0:
        raise ValueError(f"gamma must be >= 0, got {gamma!r}")

    sign_step = optax.chain(optax.scale_by_sign(), optax.scale(-gamma))

    def labels(params):
        def label(path, _):
            names = [getattr(k, "key", getattr(k, "name", None)) for k in path]
            return "balance" if "router_bias" in names else "main"

        return jax.tree_util.tree_map_with_path(label, params)

    return optax.multi_transform({"main": main, "balance": sign_step}, labels)
