"""Gated feed-forward units (chapter 5): a sigmoid that decides how much passes.

The gated linear unit of Dauphin et al. (GLU), its tanh-path counterpart (GTU), and the
SwiGLU FFN of modern LLMs, whose SiLU gate evaluates one sigmoid per hidden unit.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = ["glu", "gtu", "swiglu_ffn"]


def glu(a: jax.Array, g: jax.Array) -> jax.Array:
    """Return the gated linear unit ``a * sigmoid(g)`` (Dauphin et al. 2017), chapter 5.

    ``a`` is the linear path, ``g`` the gate's pre-activation (same shape).
    """
    return a * jax.nn.sigmoid(g)


def gtu(a: jax.Array, g: jax.Array) -> jax.Array:
    """Return the gated tanh unit ``tanh(a) * sigmoid(g)``: GLU with a squashed path."""
    return jnp.tanh(a) * jax.nn.sigmoid(g)


def swiglu_ffn(params: dict, x: jax.Array) -> jax.Array:
    """Return the SwiGLU feed-forward layer ``(silu(x W_gate) * x W_up) W_down``.

    ``params`` holds ``gate`` and ``up`` (d, hidden) and ``down`` (hidden, d); ``x`` is
    (..., d). SiLU(z) = z * sigmoid(z), so each hidden unit of each token evaluates one
    sigmoid (LLaMA's FFN; counted in chapter 5 with :func:`count_sigmoids`).
    """
    for name in ("gate", "up", "down"):
        if name not in params:
            raise ValueError(f"params must hold 'gate', 'up' and 'down'; missing {name!r}")
    return (jax.nn.silu(x @ params["gate"]) * (x @ params["up"])) @ params["down"]
