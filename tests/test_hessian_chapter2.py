import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.flatten_util import ravel_pytree

from book import diagnostics, hessian, nets
from book.train import cross_entropy, descend


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


def test_sign_uniform_fraction():
    rows = jnp.array([[1.0, 2.0], [-1.0, -3.0], [1.0, -1.0], [0.0, 2.0]])
    assert float(diagnostics.sign_uniform_fraction(rows)) == 0.75
    mask = jnp.array([True, False, True, False])
    assert float(diagnostics.sign_uniform_fraction(rows, where=mask)) == 0.5
    with pytest.raises(ValueError, match="at least 2"):
        diagnostics.sign_uniform_fraction(jnp.ones((3, 1)))


def test_steps_to_reach_counts_first_crossing_and_censors():
    losses = jnp.array([[5.0, 3.0, 1.0, 0.5], [5.0, 4.0, 3.0, 2.0]])
    np.testing.assert_array_equal(diagnostics.steps_to_reach(losses, jnp.array([1.0, 1.0])), [2, 4])


def test_descend_matches_hand_written_gradient_descent_on_a_quadratic():
    a = jnp.array([[2.0, 0.0], [0.0, 0.5]])

    def loss(w, data):
        return 0.5 * (w - data) @ a @ (w - data)

    init = jnp.zeros((2, 2))
    data = jnp.ones((2, 2))
    losses, path = descend(
        loss,
        init,
        data,
        optimizer=optax.sgd,
        learning_rates=jnp.array([0.1, 0.5]),
        steps=3,
        record_path=True,
    )
    w = jnp.zeros(2)
    for _ in range(3):
        w = w - 0.1 * a @ (w - 1.0)
    np.testing.assert_allclose(path[0, -1], w, rtol=1e-6)
    assert losses.shape == (2, 4) and path.shape == (2, 4, 2)
    assert losses[1, -1] < losses[1, 0]


@pytest.mark.parametrize(
    "init, data, steps, message",
    [
        (jnp.zeros((2, 2)), jnp.zeros((3, 2)), 2, "leading run axis"),
        (jnp.zeros((2, 2)), jnp.zeros((2, 2)), 0, "steps"),
    ],
)
def test_descend_validates_its_arguments(init, data, steps, message):
    def loss(w, data):
        return jnp.sum((w - data) ** 2)

    with pytest.raises(ValueError, match=message):
        descend(loss, init, data, optimizer=optax.sgd, learning_rates=jnp.ones(2), steps=steps)


def test_mean_ci_matches_the_t_interval():
    from book.stats import mean_ci

    mean, half = mean_ci([1.0, 2.0, 3.0, 4.0])
    assert mean == 2.5
    # t(0.975, 3) = 3.182446; sd = 1.290994; n = 4
    assert abs(half - 3.182446 * 1.290994 / 2) < 1e-4
    with pytest.raises(ValueError, match="at least 2"):
        mean_ci([1.0])
    with pytest.raises(ValueError, match="finite"):
        mean_ci([1.0, float("nan")])
    with pytest.raises(ValueError, match="level"):
        mean_ci([1.0, 2.0], level=1.5)
