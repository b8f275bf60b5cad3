"""The book's activation functions: one registry, one colour each.

Every figure in the book takes its colours from here, so sigmoid has the same
colour on every page. Chapter 1 plots each activation with its derivative.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import jax
import jax.numpy as jnp

T = TypeVar("T")

__all__ = [
    "Activation",
    "REGISTRY",
    "names",
    "get",
    "lookup",
    "colour",
    "display_name",
    "apply_by_index",
    "lecun_tanh",
]


def lecun_tanh(x: jax.Array) -> jax.Array:
    """LeCun et al.'s scaled tanh, 1.7159 * tanh(2x/3) (Efficient BackProp, section 4.4).

    Returns an array of the shape of ``x``; chapter 1 compares it with tanh.
    """
    return 1.7159 * jnp.tanh(2.0 * x / 3.0)


def _relu(x: jax.Array) -> jax.Array:
    return jax.nn.relu(x)


def _gelu_exact(x: jax.Array) -> jax.Array:
    return jax.nn.gelu(x, approximate=False)


def _gelu_tanh(x: jax.Array) -> jax.Array:
    return jax.nn.gelu(x, approximate=True)


@dataclass(frozen=True)
class Activation:
    """One activation: its registry name, display name, function and colour."""

    name: str
    display: str
    fn: Callable[[jax.Array], jax.Array]
    colour: str

    def __call__(self, x: jax.Array) -> jax.Array:
        return self.fn(x)


# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies
# and legible on both white and near-black pages. Sigmoid gets vermillion, everywhere.
REGISTRY: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", "sigmoid", jax.nn.sigmoid, "#D55E00"),
        Activation("tanh", "tanh", jnp.tanh, "#0072B2"),
        Activation("lecun_tanh", "1.7159·tanh(2x/3)", lecun_tanh, "#56B4E9"),
        Activation("relu", "ReLU", _relu, "#009E73"),
        Activation("gelu", "GELU", _gelu_exact, "#E69F00"),
        Activation("gelu_tanh", "GELU (tanh approx.)", _gelu_tanh, "#999999"),
        Activation("silu", "SiLU", jax.nn.silu, "#CC79A7"),
        # Glorot & Bengio's softsign x / (1 + |x|); Paul Tol's purple (chapter 3)
        Activation("softsign", "softsign", jax.nn.soft_sign, "#AA4499"),
    )
}


def names() -> list[str]:
    """Return the registry names of every activation in the book, in registry order."""
    return list(REGISTRY)


def get(name: str) -> Activation:
    """Return the :class:`Activation` registered under ``name``.

    Raises ``TypeError`` if ``name`` is not a string and ``ValueError`` listing
    the valid names if it is unknown.
    """
    return lookup(REGISTRY, name, "activation")


def lookup(table: Mapping[str, T], name: str, kind: str) -> T:
    """Return ``table[name]``; the book's registries (activations, output layers) use it.

    Raises ``TypeError`` if ``name`` is not a string and ``ValueError`` naming the
    ``kind`` and listing the valid names if it is unknown.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    try:
        return table[name]
    except KeyError:
        valid = ", ".join(table)
        raise ValueError(f"unknown {kind} {name!r}; valid names: {valid}") from None


def colour(name: str) -> str:
    """Return the hex colour the whole book uses for activation ``name``."""
    return get(name).colour


def display_name(name: str) -> str:
    """Return the label figures use for activation ``name``."""
    return get(name).display


def apply_by_index(selection: Sequence[str], index: jax.Array | int, x: jax.Array) -> jax.Array:
    """Apply the activation ``selection[index]`` to ``x`` with ``lax.switch``.

    ``index`` may be a traced integer, so a jitted function can change activation
    without recompiling (the chapter 1 widgets rely on this). Returns ``f(x)``.
    """
    if isinstance(selection, str) or not isinstance(selection, Sequence):
        raise TypeError("selection must be a sequence of activation names")
    if len(selection) == 0:
        raise ValueError("selection must name at least one activation")
    branches = [get(n).fn for n in selection]
    return jax.lax.switch(jnp.asarray(index, jnp.int32), branches, x)
