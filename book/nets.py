"""Networks as plain pytrees of arrays with init and apply functions.

No framework hides the maths: a layer is a dict ``{"W": (n_in, n_out), "b": (n_out,)}``.
Chapter 1 uses :func:`init_mlp`/:func:`mlp_forward` for training and the
depth-masked :func:`init_deep_stack`/:func:`deep_stack_forward` for gradient flow at
initialisation (one compiled function covers every depth, activation and scale).
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp

from book import activations
from book.checks import check_positive_ints

__all__ = [
    "INITS",
    "BLOCKS",
    "init_layer",
    "init_mlp",
    "mlp_forward",
    "init_deep_stack",
    "deep_stack_forward",
    "scale_hidden_weights",
    "layer_norm",
    "init_char_mlp",
    "char_mlp_logits",
]

INITS = ("standard", "glorot", "he")
BLOCKS = ("plain", "residual", "layernorm", "residual_layernorm")


def _check_init(init: str) -> None:
    if init not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)}; got {init!r}")


def init_layer(key: jax.Array, n_in: int, n_out: int, init: str = "standard") -> dict:
    """Return one dense layer ``{"W", "b"}`` with zero biases and weights drawn by ``init``.

    ``"standard"``: U[-1/sqrt(n_in), 1/sqrt(n_in)], the common heuristic of Glorot &
    Bengio (2010); ``"glorot"``: their normalised U[-sqrt(6/(n_in+n_out)), +...];
    ``"he"``: N(0, 2/n_in) (He et al., 2015). Explained in chapter 1.
    """
    _check_init(init)
    check_positive_ints(n_in=n_in, n_out=n_out)
    shape = (n_in, n_out)
    if init == "standard":
        limit = 1.0 / jnp.sqrt(n_in)
        W = jax.random.uniform(key, shape, minval=-limit, maxval=limit)
    elif init == "glorot":
        limit = jnp.sqrt(6.0 / (n_in + n_out))
        W = jax.random.uniform(key, shape, minval=-limit, maxval=limit)
    else:
        W = jax.random.normal(key, shape) * jnp.sqrt(2.0 / n_in)
    return {"W": W, "b": jnp.zeros(n_out)}


def _check_width(x: jax.Array, n_in: int) -> None:
    """Raise a ValueError naming ``x`` when its last axis is not the network's input width."""
    shape = getattr(x, "shape", None)
    if shape is None or len(shape) == 0 or shape[-1] != n_in:
        raise ValueError(f"x must have {n_in} features on its last axis, got shape {shape}")


def init_mlp(key: jax.Array, sizes: Sequence[int], init: str = "standard") -> list[dict]:
    """Return the layers of an MLP with layer widths ``sizes`` (input first, output last)."""
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes needs an input and an output width, got {sizes}")
    if any(not isinstance(n, int) or isinstance(n, bool) or n < 1 for n in sizes):
        raise ValueError(f"sizes must all be positive ints, got {sizes}")
    keys = jax.random.split(key, len(sizes) - 1)
    return [init_layer(k, a, b, init) for k, a, b in zip(keys, sizes[:-1], sizes[1:], strict=True)]


def mlp_forward(params: list[dict], x: jax.Array, activation: str) -> tuple[jax.Array, list]:
    """Return ``(logits, hidden)``: the output and the list of hidden-layer activations."""
    act = activations.get(activation).fn
    _check_width(x, params[0]["W"].shape[0])
    hidden = []
    h = x
    for layer in params[:-1]:
        h = act(h @ layer["W"] + layer["b"])
        hidden.append(h)
    return h @ params[-1]["W"] + params[-1]["b"], hidden


def layer_norm(h: jax.Array, eps: float = 1e-5) -> jax.Array:
    """Return ``h`` normalised to zero mean and unit variance over its last axis (no gain/bias)."""
    mean = h.mean(-1, keepdims=True)
    var = h.var(-1, keepdims=True)
    return (h - mean) * jax.lax.rsqrt(var + eps)


def init_deep_stack(
    key: jax.Array, n_in: int, width: int, n_out: int, max_depth: int, init: str = "standard"
) -> dict:
    """Return a stack of ``max_depth`` hidden layers, weights stacked for ``lax.scan``.

    ``{"first": layer n_in->width, "hidden": {"W": (max_depth-1, width, width), "b": ...},
    "out": layer width->n_out}``.
    """
    if not isinstance(max_depth, int) or isinstance(max_depth, bool) or max_depth < 2:
        raise ValueError(f"max_depth must be an int >= 2, got {max_depth!r}")
    check_positive_ints(n_in=n_in, width=width, n_out=n_out)
    k_first, k_hidden, k_out = jax.random.split(key, 3)
    hidden = jax.vmap(lambda k: init_layer(k, width, width, init))(
        jax.random.split(k_hidden, max_depth - 1)
    )
    return {
        "first": init_layer(k_first, n_in, width, init),
        "hidden": hidden,
        "out": init_layer(k_out, width, n_out, init),
    }


def deep_stack_forward(
    params: dict,
    x: jax.Array,
    depth: jax.Array | int,
    activation_index: jax.Array | int,
    selection: Sequence[str],
    *,
    weight_scale: jax.Array | float = 1.0,
    block: str = "plain",
) -> jax.Array:
    """Return the logits of the first ``depth`` hidden layers of a deep stack.

    ``depth``, ``activation_index`` (into ``selection``) and ``weight_scale`` may be
    traced, so one compiled function serves every setting: layers past ``depth``
    are skipped by a mask. ``block`` (one of :data:`BLOCKS`) sets each hidden layer:
    ``"plain"`` ``act(h W + b)``; ``"residual"`` ``h + act(h) W + b``; ``"layernorm"``
    ``act(LayerNorm(h) W + b)``; ``"residual_layernorm"`` the pre-norm residual block of
    a transformer, ``h + act(LayerNorm(h)) W + b``. With LayerNorm the last hidden
    state is normalised before the output layer. Chapter 1 compares the four.
    """
    if block not in BLOCKS:
        raise ValueError(f"block must be one of {', '.join(BLOCKS)}; got {block!r}")
    _check_width(x, params["first"]["W"].shape[0])
    residual, norm = block.startswith("residual"), block.endswith("layernorm")
    act = lambda z: activations.apply_by_index(selection, activation_index, z)  # noqa: E731
    first = params["first"]
    h = act(x @ (weight_scale * first["W"]) + first["b"])

    def step(h, layer_and_index):
        layer, i = layer_and_index
        W = weight_scale * layer["W"]
        inp = layer_norm(h) if norm else h
        if residual:
            new = h + act(inp) @ W + layer["b"]
        else:
            new = act(inp @ W + layer["b"])
        return jnp.where(i + 2 <= depth, new, h), None

    n_hidden = params["hidden"]["W"].shape[0]
    h, _ = jax.lax.scan(step, h, (params["hidden"], jnp.arange(n_hidden)))
    if norm:
        h = layer_norm(h)
    out = params["out"]
    return h @ out["W"] + out["b"]


def scale_hidden_weights(params: dict, scale: float) -> dict:
    """Return a deep stack (:func:`init_deep_stack`) whose first and hidden weights are
    ``scale`` times those of ``params``; the output layer and the biases are unchanged.

    With zero biases it computes what ``weight_scale=scale`` in :func:`deep_stack_forward`
    computes; chapter 1 measures saturation against this scale.
    """
    if not isinstance(params, dict) or set(params) != {"first", "hidden", "out"}:
        raise ValueError("params must be a deep stack with 'first', 'hidden' and 'out'")
    if isinstance(scale, bool) or not isinstance(scale, (int, float)):
        raise TypeError(f"scale must be a number, got {type(scale).__name__}")
    return {
        k: {"W": (1.0 if k == "out" else scale) * v["W"], "b": v["b"]} for k, v in params.items()
    }


def init_char_mlp(key: jax.Array, vocab: int, context: int, embed: int, hidden: int) -> dict:
    """Return a next-character MLP: embeddings of ``context`` tokens -> hidden -> ``vocab`` logits.

    Bengio-style neural language model, the architecture chapter 4 trains with a softmax
    and with a one-vs-rest sigmoid output on the same budget.
    """
    check_positive_ints(vocab=vocab, context=context, embed=embed, hidden=hidden)
    k_emb, k_hid, k_out = jax.random.split(key, 3)
    return {
        "embed": jax.random.normal(k_emb, (vocab, embed)) * 0.5,
        "hidden": init_layer(k_hid, context * embed, hidden, "glorot"),
        "out": init_layer(k_out, hidden, vocab, "glorot"),
    }


def char_mlp_logits(params: dict, contexts: jax.Array, activation: str = "gelu") -> jax.Array:
    """Return next-token logits (batch, vocab) for integer ``contexts`` (batch, context)."""
    act = activations.get(activation).fn
    e = params["embed"][contexts].reshape(contexts.shape[0], -1)
    h = act(e @ params["hidden"]["W"] + params["hidden"]["b"])
    return h @ params["out"]["W"] + params["out"]["b"]
