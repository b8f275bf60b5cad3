"""moe.select_top_k makes the selection moe.route makes, ties included."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from book import moe


@pytest.mark.parametrize("router", moe.ROUTERS)
def test_select_top_k_selects_what_route_selects(router):
    logits = jax.random.normal(jax.random.key(0), (500, 8))
    bias = 0.3 * jax.random.normal(jax.random.key(1), (8,))
    scores = jax.nn.softmax(logits) if router == "softmax" else jax.nn.sigmoid(logits)
    for k in (1, 2, 3):
        _, selected = moe.route(logits, bias, router, k)
        np.testing.assert_array_equal(moe.select_top_k(scores + bias, k), selected)


def test_select_top_k_breaks_ties_towards_the_lower_index_like_top_k():
    ties = jnp.array([[1.0, 3.0, 3.0, 3.0], [0.0, 0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(moe.select_top_k(ties, 2), [[0, 1, 1, 0], [1, 1, 0, 0]])
    _, idx = jax.lax.top_k(ties, 2)
    np.testing.assert_array_equal(jax.nn.one_hot(idx, 4).sum(-2), [[0, 1, 1, 0], [1, 1, 0, 0]])
    with pytest.raises(ValueError, match="top_k"):
        moe.select_top_k(ties, 5)
