"""Sigmoid gates (chapter 5): gated FFNs, a plain-JAX LSTM, and how far gradients reach.

A gate is a sigmoid that decides *how much* of a signal passes, each unit on its own.
This module holds the gated feed-forward layers of modern LLMs (GLU, SwiGLU), a
counter of the sigmoids a function evaluates (read from its jaxpr), an LSTM written
with ``lax.scan`` whose forget-gate bias is a parameter of the initialisation, a
recall task that needs long memory, and the gradient reaching each input step.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from book.checks import check_positive_ints

__all__ = [
    "glu",
    "gtu",
    "swiglu_ffn",
    "count_sigmoids",
    "init_lstm",
    "lstm_final_state",
    "lstm_logits",
    "recall_task",
    "gradient_reach",
]


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


def _count_in_jaxpr(jaxpr, primitive: str) -> int:
    total = 0
    for eqn in jaxpr.eqns:
        if eqn.primitive.name == primitive:
            total += sum(int(np.prod(v.aval.shape)) for v in eqn.outvars)
        for param in eqn.params.values():
            for inner in param if isinstance(param, (tuple, list)) else (param,):
                if hasattr(inner, "jaxpr") and hasattr(inner.jaxpr, "eqns"):
                    total += _count_in_jaxpr(inner.jaxpr, primitive)  # ClosedJaxpr
                elif hasattr(inner, "eqns"):
                    total += _count_in_jaxpr(inner, primitive)  # Jaxpr
    return total


def count_sigmoids(fn: Callable, *args) -> int:
    """Return how many sigmoids (XLA's ``logistic``) one call ``fn(*args)`` evaluates.

    ``args`` may be arrays or ``jax.ShapeDtypeStruct`` (nothing is computed: the count
    is read from the traced program, including nested jitted calls). Loops (``scan``,
    ``while``) are counted once per body, not per iteration. Chapter 5.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    closed = jax.make_jaxpr(fn)(*args)
    return _count_in_jaxpr(closed.jaxpr, "logistic")


# ----------------------------------------------------------------------------- the LSTM


def init_lstm(key: jax.Array, n_in: int, hidden: int, n_out: int, forget_bias: float) -> dict:
    """Return LSTM parameters: ``W`` ((n_in + hidden), 4 hidden), ``b``, and a read-out.

    Gate order in ``W`` and ``b``: input, forget, candidate, output. Weights are
    N(0, 1/(n_in + hidden)); biases 0 except the forget gate's, set to ``forget_bias``
    (Gers et al. 2000 introduced the forget gate; Jozefowicz et al. 2015 recommend 1).
    The read-out ``out`` (hidden, n_out) is N(0, 1/hidden). Chapter 5.
    """
    check_positive_ints(n_in=n_in, hidden=hidden, n_out=n_out)
    k_w, k_out = jax.random.split(key)
    W = jax.random.normal(k_w, (n_in + hidden, 4 * hidden)) / jnp.sqrt(n_in + hidden)
    b = jnp.zeros(4 * hidden).at[hidden : 2 * hidden].set(forget_bias)
    out = jax.random.normal(k_out, (hidden, n_out)) / jnp.sqrt(hidden)
    return {"W": W, "b": b, "out": out, "out_b": jnp.zeros(n_out)}


def lstm_final_state(params: dict, xs: jax.Array, *, recurrent: bool = True) -> jax.Array:
    """Run the LSTM over ``xs`` (time, batch, n_in) with ``lax.scan``; return the last h.

    One step: ``[i, f, g, o] = [x, h] W + b``; ``c = sigmoid(f) c + sigmoid(i) tanh(g)``;
    ``h = sigmoid(o) tanh(c)``. With ``recurrent=False`` the gates ignore ``h`` (the
    recurrent rows of ``W`` are dropped): then the forget gate is exactly sigmoid(b_f)
    and the gradient's decay per step is known, which tests :func:`gradient_reach`.
    """
    if xs.ndim != 3:
        raise ValueError(f"xs must be (time, batch, n_in), got shape {xs.shape}")
    H = params["W"].shape[1] // 4
    if params["W"].shape[0] != xs.shape[-1] + H:
        raise ValueError(f"xs has {xs.shape[-1]} inputs; params expect {params['W'].shape[0] - H}")
    W = params["W"] if recurrent else params["W"].at[xs.shape[-1] :].set(0.0)

    def step(carry, x):
        h, c = carry
        i, f, g, o = jnp.split(jnp.concatenate([x, h], -1) @ W + params["b"], 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), None

    zeros = jnp.zeros((xs.shape[1], H), xs.dtype)
    (h, _), _ = jax.lax.scan(step, (zeros, zeros), xs)
    return h


def lstm_logits(params: dict, xs: jax.Array) -> jax.Array:
    """Return the read-out logits (batch, n_out) of the LSTM's last hidden state."""
    return lstm_final_state(params, xs) @ params["out"] + params["out_b"]


def recall_task(
    key: jax.Array, batch: int, length: int, n_classes: int = 4, n_distractors: int = 4
) -> tuple[jax.Array, jax.Array]:
    """Return ``(xs, labels)`` of a task that needs memory over ``length`` steps.

    Step 0 shows one of ``n_classes`` symbols (the label); the next ``length - 1``
    steps show random distractor symbols; the model must name the first symbol at the
    end. ``xs`` is one-hot, (length, batch, n_classes + n_distractors); chance accuracy
    is 1/n_classes. Chapter 5.
    """
    check_positive_ints(batch=batch, length=length, n_classes=n_classes)
    if not isinstance(n_distractors, int) or n_distractors < 1:
        raise ValueError(f"n_distractors must be a positive int, got {n_distractors!r}")
    k_label, k_noise = jax.random.split(key)
    labels = jax.random.randint(k_label, (batch,), 0, n_classes)
    noise = jax.random.randint(k_noise, (length - 1, batch), n_classes, n_classes + n_distractors)
    symbols = jnp.concatenate([labels[None], noise], axis=0)
    return jax.nn.one_hot(symbols, n_classes + n_distractors), labels


def gradient_reach(params: dict, xs: jax.Array, *, recurrent: bool = True) -> jax.Array:
    """Return the norm of d(sum of the last hidden state)/d(x_t) for every step t.

    Shape (time,): entry t is ``|| d sum(h_T) / d x_t ||`` over the batch (Frobenius),
    so entry ``T - 1 - k`` is the gradient that reaches back ``k`` steps. Chapter 5 plots
    it against the distance for several forget-gate biases.
    """
    grads = jax.grad(lambda x: lstm_final_state(params, x, recurrent=recurrent).sum())(xs)
    return jnp.sqrt(jnp.sum(grads**2, axis=(1, 2)))
