"""Tests of book.diagnostics: underflow-safe norms, per-layer gradient norms, saturation."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from book import diagnostics, nets
from book.losses import cross_entropy

KEY = jax.random.key(0)


def _float64_norm(a, axis=None):
    """Reference norm computed in float64 by NumPy, independently of the code under test."""
    return np.sqrt(np.sum(np.asarray(a, np.float64) ** 2, axis=axis))


def test_scaled_norm_of_gradients_around_1e_25_is_not_zero():
    # Entries of 1e-25: their squares (1e-50) are far below float32's smallest normal
    # number, so the naive norm is 0; the true Frobenius norm of 128 x 128 of them is
    # 128e-25.
    g = jnp.full((128, 128), 1e-25, jnp.float32)
    assert float(jnp.sqrt(jnp.sum(g**2))) == 0.0  # the bug the scaled norm fixes
    np.testing.assert_allclose(float(diagnostics.scaled_norm(g)), 128e-25, rtol=1e-5)


@settings(max_examples=40, deadline=None)
@given(
    exponent=st.integers(min_value=-30, max_value=10),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_scaled_norm_matches_float64_at_every_magnitude(exponent, seed):
    a = (np.random.default_rng(seed).normal(size=(3, 17, 5)) * 10.0**exponent).astype(np.float32)
    np.testing.assert_allclose(
        np.asarray(diagnostics.scaled_norm(jnp.asarray(a), axis=(1, 2))),
        _float64_norm(a, axis=(1, 2)),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        float(diagnostics.scaled_norm(jnp.asarray(a))), _float64_norm(a), rtol=1e-5
    )


def test_scaled_norm_of_zeros_is_zero_and_integers_are_refused():
    assert float(diagnostics.scaled_norm(jnp.zeros((4, 4)))) == 0.0  # no 0/0
    np.testing.assert_array_equal(diagnostics.scaled_norm(jnp.zeros((2, 3)), axis=1), [0.0, 0.0])
    with pytest.raises(TypeError, match="floating-point"):
        diagnostics.scaled_norm(jnp.arange(3))


def test_gradient_norm_per_layer_on_tiny_deep_stack_gradients():
    # A gradient pytree shaped like init_deep_stack's, with known tiny norms per layer.
    scales = np.array([1e-25, 1e-22, 1e-30, 0.0], np.float32)
    hidden = jnp.asarray(scales[:, None, None] * np.ones((4, 6, 6), np.float32))
    grads = {
        "first": {"W": jnp.full((5, 6), 2e-24), "b": jnp.zeros(6)},
        "hidden": {"W": hidden, "b": jnp.zeros((4, 6))},
        "out": {"W": jnp.full((6, 3), 1.0), "b": jnp.zeros(3)},
    }
    norms = np.asarray(diagnostics.gradient_norm_per_layer(grads))
    expected = [2e-24 * np.sqrt(30), *(scales * 6.0), np.sqrt(18.0)]
    np.testing.assert_allclose(norms, expected, rtol=1e-5)


def test_gradient_norm_per_layer_matches_autodiff_and_is_zero_past_the_depth():
    stack = nets.init_deep_stack(KEY, 5, 6, 3, max_depth=8)
    x = jax.random.normal(jax.random.key(1), (4, 5))
    y = jnp.array([0, 1, 2, 0])
    grads = jax.grad(lambda p: cross_entropy(nets.deep_stack_forward(p, x, 4, 0, ["sigmoid"]), y))(
        stack
    )
    norms = np.asarray(diagnostics.gradient_norm_per_layer(grads))
    assert norms.shape == (9,)  # first, 7 hidden, out
    assert np.all(norms[4:8] == 0) and np.all(norms[:4] > 0) and norms[8] > 0
    np.testing.assert_allclose(norms[0], _float64_norm(grads["first"]["W"]), rtol=1e-5)
    np.testing.assert_allclose(norms[8], _float64_norm(grads["out"]["W"]), rtol=1e-5)


def test_gradient_norm_per_layer_on_an_mlp_list():
    layers = nets.init_mlp(KEY, [4, 7, 3])
    norms = np.asarray(diagnostics.gradient_norm_per_layer(layers))
    np.testing.assert_allclose(norms, [_float64_norm(layer["W"]) for layer in layers], rtol=1e-5)


def test_gradient_norm_per_layer_validation():
    with pytest.raises(ValueError, match="first, hidden, out"):
        diagnostics.gradient_norm_per_layer({"W": jnp.ones((2, 2))})
    with pytest.raises(TypeError, match="list of layers"):
        diagnostics.gradient_norm_per_layer([])
    with pytest.raises(TypeError, match="list of layers"):
        diagnostics.gradient_norm_per_layer(jnp.ones((2, 2)))


def test_saturated_fraction_and_derivative():
    z = jnp.array([0.0, 10.0, -10.0, 1.0])
    # sigmoid'(+-10) = 4.5e-5 < 0.01 < sigmoid'(0), sigmoid'(1): exactly 2 of 4 count.
    assert float(diagnostics.saturated_fraction("sigmoid", z)) == 0.5
    # ReLU's slope is exactly 0 for negative inputs: half of a symmetric sample.
    assert float(diagnostics.saturated_fraction("relu", jnp.array([-2.0, -0.5, 0.5, 2.0]))) == 0.5
    np.testing.assert_allclose(diagnostics.derivative("sigmoid")(jnp.zeros(3)), 0.25)
    np.testing.assert_allclose(diagnostics.derivative("tanh")(jnp.zeros(3)), 1.0)
    with pytest.raises(ValueError, match="threshold"):
        diagnostics.saturated_fraction("sigmoid", z, threshold=0.0)


def test_steps_to_reach_counts_first_crossing_and_censors():
    losses = jnp.array([[5.0, 3.0, 1.0, 0.5], [5.0, 4.0, 3.0, 2.0]])
    np.testing.assert_array_equal(diagnostics.steps_to_reach(losses, jnp.array([1.0, 1.0])), [2, 4])
