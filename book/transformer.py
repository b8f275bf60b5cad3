"""A tiny decoder-only transformer language model, readable top to bottom.

Pre-LayerNorm blocks, causal self-attention, learned positions, an FFN chosen by
name from :data:`FFN_VARIANTS` (chapter 3) and an attention chosen from
:data:`ATTENTIONS` (chapter 5). Parameters are plain nested dicts of arrays
(a pytree); :func:`init` makes them and :func:`apply` runs the model, like
nanoGPT's ``model.py`` without a framework. Linear layers carry no bias (as in
T5 and LLaMA), so gated and ungated FFNs can match parameter counts exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import optax

from book import activations
from book.checks import check_positive_ints
from book.plots import series_colour

__all__ = [
    "FFN_VARIANTS",
    "ATTENTIONS",
    "Config",
    "init",
    "init_attention",
    "init_ffn",
    "init_block",
    "attention",
    "ffn",
    "block",
    "apply",
    "loss",
    "param_count",
    "ffn_style",
]

# name -> (activation, gated?). A gated FFN computes act(x W_gate) * (x W_up); an
# ungated one act(x W_up). Both end with W_down. "bilinear" is a gate with no function.
FFN_VARIANTS: dict[str, tuple[Callable[[jax.Array], jax.Array], bool]] = {
    # the activations themselves come from book.activations (chapter 1's table)
    **{n: (activations.get(n).fn, False) for n in ("sigmoid", "tanh", "relu", "gelu", "silu")},
    "relu2": (lambda x: jnp.square(jax.nn.relu(x)), False),
    "glu": (activations.get("sigmoid").fn, True),
    "reglu": (activations.get("relu").fn, True),
    "geglu": (activations.get("gelu").fn, True),
    "swiglu": (activations.get("silu").fn, True),
    "bilinear": (lambda x: x, True),
    # chapter 3's ablation of sigmoid = 1/2 + 1/2 tanh(z/2): remove the mean 1/2, then
    # also the 1/4 slope (4(sigma - 1/2) = 2 tanh(z/2), slope 1 at 0); no activation at
    # all (a linear FFN); and no FFN (its output is 0: the weights get no gradient).
    "sigmoid_centred": (lambda x: jax.nn.sigmoid(x) - 0.5, False),
    "sigmoid_centred4": (lambda x: 4.0 * (jax.nn.sigmoid(x) - 0.5), False),
    "linear": (lambda x: x, False),
    "none": (jnp.zeros_like, False),
}
# How figures draw each FFN: its label and the series whose colour it takes
# (book.plots.series_colour: its activation's, or its gate's for gated ones, dashed).
# Chapters 3 and 5 use it so a variant looks the same everywhere.
_FFN_LOOK = {
    "sigmoid": ("sigmoid", "sigmoid"),
    "tanh": ("tanh", "tanh"),
    "relu": ("ReLU", "relu"),
    "gelu": ("GELU", "gelu"),
    "silu": ("SiLU", "silu"),
    "relu2": ("ReLU²", "ReLU²"),
    "glu": ("GLU (σ gate)", "sigmoid"),
    "reglu": ("ReGLU", "relu"),
    "geglu": ("GEGLU", "gelu"),
    "swiglu": ("SwiGLU", "silu"),
    "bilinear": ("Bilinear", "Bilinear"),
    "sigmoid_centred": ("σ − ½", "σ − ½"),
    "sigmoid_centred4": ("4(σ − ½)", "4(σ − ½)"),
    "linear": ("linear FFN", "linear FFN"),
    "none": ("no FFN", "no FFN"),
}
ATTENTIONS = ("softmax", "sigmoid", "gated", "gated_dense")
ATTENTION_GATES = ("elementwise", "headwise")


def _one_of(value: object, name: str, valid) -> None:
    if not isinstance(value, str) or value not in valid:
        raise ValueError(f"unknown {name} {value!r}; valid: {', '.join(valid)}")


@dataclass(frozen=True)
class Config:
    """Sizes and choices of one model. ``ffn_hidden`` is ``ffn_mult * d_model`` for an
    ungated FFN and 2/3 of that (rounded) for a gated one, so the parameter counts match.

    ``attention``: ``"softmax"`` (the standard), ``"sigmoid"`` (sigma(QK^T/sqrt(d_h) + b) V,
    no row normalisation, ``b = sigmoid_bias`` or -log(context)), ``"gated"`` (the head
    output times sigma(x W_theta), Qiu et al. 2025) or ``"gated_dense"`` (times
    0.5 + 0.5 sigma(x W_theta), their non-sparse control); ``attention_gate`` chooses one
    gate per channel (``"elementwise"``) or one per head (``"headwise"``).
    """

    vocab_size: int
    context: int = 64
    d_model: int = 64
    n_layers: int = 2
    n_heads: int = 4
    ffn: str = "gelu"
    ffn_mult: int = 4
    attention: str = "softmax"
    attention_gate: str = "elementwise"
    sigmoid_bias: float | None = None
    tie_embeddings: bool = False

    def __post_init__(self):
        check_positive_ints(
            **{
                name: getattr(self, name)
                for name in ("vocab_size", "context", "d_model", "n_layers", "n_heads", "ffn_mult")
            }
        )
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model ({self.d_model}) must be divisible by n_heads")
        _one_of(self.ffn, "ffn", list(FFN_VARIANTS))
        _one_of(self.attention, "attention", ATTENTIONS)
        _one_of(self.attention_gate, "attention_gate", ATTENTION_GATES)

    @property
    def gated(self) -> bool:
        return FFN_VARIANTS[self.ffn][1]

    @property
    def ffn_hidden(self) -> int:
        hidden = self.ffn_mult * self.d_model
        return round(2 * hidden / 3) if self.gated else hidden

    @property
    def attention_bias(self) -> float:
        return -math.log(self.context) if self.sigmoid_bias is None else self.sigmoid_bias


def _dense(key, n_in, n_out, std=0.02):
    return std * jax.random.normal(key, (n_in, n_out))


def _layer_norm_params(d):
    return {"scale": jnp.ones(d), "bias": jnp.zeros(d)}


def init_ffn(key: jax.Array, config: Config) -> dict:
    """Return one block's FFN weights ``{"up", ["gate"], "down"}`` for ``config.ffn``."""
    k_up, k_gate, k_down = jax.random.split(key, 3)
    d, h = config.d_model, config.ffn_hidden
    params = {
        "up": _dense(k_up, d, h),
        "down": _dense(k_down, h, d, 0.02 / math.sqrt(2 * config.n_layers)),
    }
    if config.gated:
        params["gate"] = _dense(k_gate, d, h)
    return params


def init(
    key: jax.Array, config: Config, ffn_init: Callable[[jax.Array, Config], object] | None = None
) -> dict:
    """Return the parameters of a model of ``config`` as nested dicts of arrays.

    Weights are N(0, 0.02^2), residual projections scaled by 1/sqrt(2 n_layers) (GPT-2).
    ``ffn_init(key, config)`` replaces the FFN's weights (pair it with ``ffn_fn`` in
    :func:`apply`; chapter 5's mixture of experts does). Explained in chapter 3.
    """
    if not isinstance(config, Config):
        raise TypeError(f"config must be a Config, got {type(config).__name__}")
    d = config.d_model
    keys = jax.random.split(key, config.n_layers + 3)
    params = {
        "token_embedding": _dense(keys[0], config.vocab_size, d),
        "position_embedding": _dense(keys[1], config.context, d),
        "blocks": [],
        "ln_final": _layer_norm_params(d),
    }
    if not config.tie_embeddings:
        params["unembedding"] = _dense(keys[2], d, config.vocab_size)
    params["blocks"] = [init_block(k, config, ffn_init) for k in keys[3:]]
    return params


def init_attention(key: jax.Array, config: Config) -> dict:
    """Return one block's attention weights ``{"qkv", "out", ["gate"]}`` from the block's
    ``key`` (the first three of its four-way split; the fourth is the FFN's)."""
    d = config.d_model
    k_qkv, k_out, k_gate, _ = jax.random.split(key, 4)
    params = {
        "qkv": _dense(k_qkv, d, 3 * d),
        "out": _dense(k_out, d, d, 0.02 / math.sqrt(2 * config.n_layers)),
    }
    if config.attention in ("gated", "gated_dense"):
        width = d if config.attention_gate == "elementwise" else config.n_heads
        params["gate"] = _dense(k_gate, d, width)
    return params


def init_block(
    key: jax.Array, config: Config, ffn_init: Callable[[jax.Array, Config], object] | None = None
) -> dict:
    """Return one pre-LayerNorm block's parameters: two LayerNorms, attention and FFN."""
    k_ffn = jax.random.split(key, 4)[3]  # the block's key split four ways, as attention's
    return {
        "ln_attention": _layer_norm_params(config.d_model),
        "attention": init_attention(key, config),
        "ln_ffn": _layer_norm_params(config.d_model),
        "ffn": (ffn_init or init_ffn)(k_ffn, config),
    }


def layer_norm(p: dict, x: jax.Array, eps: float = 1e-5) -> jax.Array:
    """Return ``x`` normalised over its last axis, then scaled and shifted by ``p``."""
    mean = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return (x - mean) * jax.lax.rsqrt(var + eps) * p["scale"] + p["bias"]


def attention(p: dict, x: jax.Array, config: Config) -> tuple[jax.Array, dict]:
    """Causal multi-head self-attention of ``x`` (batch, time, d_model).

    Returns ``(output, intermediates)``; the intermediates hold the attention weights
    (batch, heads, time, time) and, for gated attention, the gate values.
    """
    B, T, d = x.shape
    H = config.n_heads
    q, k, v = jnp.split(x @ p["qkv"], 3, axis=-1)
    q, k, v = (a.reshape(B, T, H, d // H).transpose(0, 2, 1, 3) for a in (q, k, v))
    scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d // H)  # (B, H, T, T)
    causal = jnp.tril(jnp.ones((T, T), bool))
    if config.attention == "sigmoid":  # no normalisation over the row
        weights = jnp.where(causal, jax.nn.sigmoid(scores + config.attention_bias), 0.0)
    else:
        weights = jax.nn.softmax(jnp.where(causal, scores, -jnp.inf), axis=-1)
    heads = (weights @ v).transpose(0, 2, 1, 3)  # (B, T, H, d_head)
    inter = {"attention_weights": weights}
    if config.attention in ("gated", "gated_dense"):
        gate = jax.nn.sigmoid(x @ p["gate"]).reshape(B, T, H, -1)  # (..., d_head or 1)
        if config.attention == "gated_dense":
            gate = 0.5 + 0.5 * gate
        heads = heads * gate
        inter["attention_gate"] = gate
    return heads.reshape(B, T, d) @ p["out"], inter


def ffn(p: dict, x: jax.Array, config: Config) -> tuple[jax.Array, dict]:
    """The position-wise feed-forward network ``config.ffn`` applied to ``x``.

    Ungated: act(x W_up) W_down; gated: (act(x W_gate) * x W_up) W_down. Returns
    ``(output, intermediates)`` with the activation's input ``ffn_pre`` (the gate's,
    for gated FFNs) and the hidden vector ``ffn_hidden`` that enters W_down.
    """
    act, gated = FFN_VARIANTS[config.ffn]
    pre = x @ (p["gate"] if gated else p["up"])
    hidden = act(pre) * (x @ p["up"]) if gated else act(pre)
    return hidden @ p["down"], {"ffn_pre": pre, "ffn_hidden": hidden}


def block(
    p: dict,
    x: jax.Array,
    config: Config,
    *,
    ffn_fn: Callable[[object, jax.Array, Config], tuple[jax.Array, dict]] | None = None,
    attention_fn: Callable[[dict, jax.Array, Config], tuple[jax.Array, dict]] | None = None,
) -> tuple[jax.Array, dict]:
    """One pre-LayerNorm block: ``x + attention(LN(x))``, then ``+ FFN(LN(x))``.

    Returns ``(x, intermediates)``: the attention's and the FFN's intermediates, the
    attention output ``attention_out``, the FFN output ``ffn_out`` and ``block_out``.
    ``attention_fn`` replaces :func:`attention` (same signature), as ``ffn_fn`` the FFN.
    """
    a, inter = (attention_fn or attention)(p["attention"], layer_norm(p["ln_attention"], x), config)
    x = x + a
    f, ffn_inter = (ffn_fn or ffn)(p["ffn"], layer_norm(p["ln_ffn"], x), config)
    x = x + f
    return x, {**inter, **ffn_inter, "attention_out": a, "ffn_out": f, "block_out": x}


def apply(
    params: dict,
    tokens: jax.Array,
    config: Config,
    *,
    ffn_fn: Callable[[object, jax.Array, Config], tuple[jax.Array, dict]] | None = None,
    attention_fn: Callable[[dict, jax.Array, Config], tuple[jax.Array, dict]] | None = None,
    return_intermediates: bool = False,
):
    """Return the next-token logits (batch, time, vocab) for integer ``tokens`` (batch, time).

    ``ffn_fn(ffn_params, x, config) -> (output, intermediates)`` replaces the FFN
    (chapter 5), ``attention_fn`` the attention (:func:`block`). With ``return_intermediates`` returns ``(logits, blocks)``, one dict per
    block (:func:`block`): the attention weights and output, FFN pre-activations and
    hidden activations, the FFN output and the block output (chapters 3 and 5).
    """
    if tokens.ndim != 2 or tokens.shape[1] > config.context:
        raise ValueError(f"tokens must be (batch, time <= {config.context}), got {tokens.shape}")
    T = tokens.shape[1]
    x = params["token_embedding"][tokens] + params["position_embedding"][:T]
    blocks = []
    for p in params["blocks"]:
        x, inter = block(p, x, config, ffn_fn=ffn_fn, attention_fn=attention_fn)
        blocks.append(inter)
    x = layer_norm(params["ln_final"], x)
    unembedding = params.get("unembedding", params["token_embedding"].T)
    logits = x @ unembedding
    return (logits, blocks) if return_intermediates else logits


def loss(
    params: dict, batch: jax.Array, config: Config, *, ffn_fn=None, attention_fn=None
) -> jax.Array:
    """Mean next-token cross-entropy (nats) on ``batch`` (batch, context + 1) of token ids.

    The model reads ``batch[:, :-1]`` and predicts ``batch[:, 1:]``.
    """
    logits = apply(params, batch[:, :-1], config, ffn_fn=ffn_fn, attention_fn=attention_fn)
    return optax.softmax_cross_entropy_with_integer_labels(logits, batch[:, 1:]).mean()


def ffn_style(name: str) -> dict:
    """Return matplotlib keywords (``color``, ``linestyle``, ``label``) for FFN ``name``.

    Ungated FFNs take their activation's colour from :mod:`book.activations`; a gated
    FFN takes its gate's colour, dashed. Raises ValueError listing the valid names.
    """
    _one_of(name, "ffn", list(FFN_VARIANTS))
    label, series = _FFN_LOOK[name]
    return {
        "color": series_colour(series),
        "linestyle": "--" if FFN_VARIANTS[name][1] else "-",
        "label": label,
    }


def param_count(params: object) -> int:
    """Return the number of scalars in the pytree ``params``."""
    return sum(int(leaf.size) for leaf in jax.tree_util.tree_leaves(params))
