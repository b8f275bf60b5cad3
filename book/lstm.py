"""A plain-JAX LSTM (chapter 5): the forget gate's bias and how far gradients reach.

An LSTM written with ``lax.scan`` whose forget-gate bias is a parameter of the
initialisation, a recall task that needs long memory, and the gradient of the final
state with respect to each input step.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from book.checks import check_positive_ints

__all__ = ["init_lstm", "lstm_final_state", "lstm_logits", "recall_task", "gradient_reach"]


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
