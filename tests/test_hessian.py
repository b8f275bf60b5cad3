import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from book import hessian, nets
from book.losses import cross_entropy


def _small_problem():
    params = nets.init_mlp(jax.random.key(0), [6, 5, 3], "glorot")
    x = jax.random.normal(jax.random.key(1), (40, 6))
    y = jnp.arange(40) % 3

    def loss(p):
        return cross_entropy(nets.mlp_forward(p, x, "sigmoid")[0], y)

    return params, loss


def test_hvp_matches_the_full_hessian_times_a_vector():
    params, loss = _small_problem()
    flat, unravel = ravel_pytree(params)
    full = jax.hessian(lambda f: loss(unravel(f)))(flat)
    v = jax.random.normal(jax.random.key(2), flat.shape)
    got = ravel_pytree(hessian.hvp(loss, params, unravel(v)))[0]
    np.testing.assert_allclose(got, full @ v, rtol=1e-4, atol=1e-6)


def test_lanczos_top_eigenvalues_match_eigvalsh():
    params, loss = _small_problem()
    flat, unravel = ravel_pytree(params)
    exact = np.linalg.eigvalsh(np.asarray(jax.hessian(lambda f: loss(unravel(f)))(flat)))[::-1]
    top = hessian.hessian_top_eigenvalues(loss, params, jax.random.key(3), num_iters=30, k=3)
    np.testing.assert_allclose(top, exact[:3], rtol=1e-3)


def test_lanczos_on_a_known_diagonal_matrix():
    d = jnp.arange(1.0, 21.0)
    ritz = hessian.lanczos_eigenvalues(lambda v: d * v, 20, 20, jax.random.key(0))
    np.testing.assert_allclose(ritz, d[::-1], rtol=1e-4)


def test_lanczos_validates_its_arguments():
    with pytest.raises(ValueError, match="num_iters"):
        hessian.lanczos_eigenvalues(lambda v: v, 5, 6, jax.random.key(0))
    params, loss = _small_problem()
    with pytest.raises(ValueError, match="k must be"):
        hessian.hessian_top_eigenvalues(loss, params, jax.random.key(0), num_iters=5, k=6)
