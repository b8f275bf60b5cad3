import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jax.scipy.stats import norm

from book import activations
from book.diagnostics import derivative

floats = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, width=32)
moderate = st.floats(min_value=-20, max_value=20, allow_nan=False, width=32)


def test_registry_has_the_books_activations():
    for name in ["sigmoid", "tanh", "lecun_tanh", "relu", "gelu", "gelu_tanh", "silu"]:
        assert name in activations.names()


def test_colours_are_distinct_hex_codes():
    colours = [activations.colour(n) for n in activations.names()]
    assert len(set(colours)) == len(colours)
    assert all(c.startswith("#") and len(c) == 7 for c in colours)


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="valid names: sigmoid, tanh"):
        activations.get("swish-ish")


def test_non_string_name_is_a_type_error():
    with pytest.raises(TypeError, match="name must be a str"):
        activations.get(3)


def test_registry_matches_independent_closed_forms():
    # NumPy formulas, not the jax.nn functions the registry wraps
    x = np.linspace(-8, 8, 161)
    expected = {
        "tanh": np.tanh(x),
        "relu": np.maximum(x, 0),
        "gelu_tanh": 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
    }
    for name, values in expected.items():
        got = activations.get(name)(jnp.asarray(x, jnp.float32))
        np.testing.assert_allclose(got, values, rtol=1e-5, atol=1e-6, err_msg=name)


def test_closed_forms_of_the_definitions():
    x = jnp.linspace(-6, 6, 121)
    s = 1 / (1 + np.exp(-np.asarray(x, np.float64)))
    np.testing.assert_allclose(activations.get("sigmoid")(x), s, rtol=1e-5)
    np.testing.assert_allclose(
        activations.get("lecun_tanh")(x), 1.7159 * np.tanh(2 * np.asarray(x) / 3), rtol=1e-5
    )
    np.testing.assert_allclose(activations.get("gelu")(x), x * norm.cdf(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(activations.get("silu")(x), x * s, rtol=1e-5, atol=1e-6)
    # tanh(x) = 2 sigmoid(2x) - 1
    np.testing.assert_allclose(jnp.tanh(x), 2 * jax.nn.sigmoid(2 * x) - 1, atol=1e-6)


CLOSED_FORM_DERIVATIVES = {
    "sigmoid": lambda x: jax.nn.sigmoid(x) * (1 - jax.nn.sigmoid(x)),
    "tanh": lambda x: 1 - jnp.tanh(x) ** 2,
    "lecun_tanh": lambda x: 1.7159 * (2 / 3) * (1 - jnp.tanh(2 * x / 3) ** 2),
    "gelu": lambda x: norm.cdf(x) + x * norm.pdf(x),
    "silu": lambda x: jax.nn.sigmoid(x) * (1 + x * (1 - jax.nn.sigmoid(x))),
    "relu": lambda x: jnp.where(x > 0, 1.0, 0.0),
}


@settings(max_examples=60, deadline=None)
@given(x=moderate)
def test_derivatives_match_closed_forms(x):
    for name, closed in CLOSED_FORM_DERIVATIVES.items():
        if name == "relu" and x == 0:
            continue
        got = float(derivative(name)(jnp.float32(x)))
        np.testing.assert_allclose(
            got, float(closed(jnp.float32(x))), rtol=1e-4, atol=1e-6, err_msg=name
        )


@settings(max_examples=80, deadline=None)
@given(x=floats)
def test_values_and_gradients_are_finite_up_to_1e4(x):
    x = jnp.float32(x)
    for name in activations.names():
        fn = activations.get(name).fn
        assert np.isfinite(float(fn(x))), name
        assert np.isfinite(float(jax.grad(fn)(x))), name


@settings(max_examples=80, deadline=None)
@given(x=floats)
def test_sigmoid_stays_in_unit_interval_and_log_sigmoid_is_finite(x):
    x = jnp.float32(x)
    s = float(jax.nn.sigmoid(x))
    assert 0.0 <= s <= 1.0
    assert np.isfinite(float(jax.nn.log_sigmoid(x)))
    assert np.isfinite(float(jax.grad(jax.nn.log_sigmoid)(x)))


def test_sigmoid_derivative_is_at_most_a_quarter_everywhere():
    x = jnp.linspace(-1e4, 1e4, 200_001)
    d = derivative("sigmoid")(x)
    assert float(d.max()) <= 0.25 + 1e-7
    assert bool(jnp.all(jnp.isfinite(d)))


def test_apply_by_index_selects_under_jit_without_recompiling():
    traces = []

    @jax.jit
    def f(i, x):
        traces.append(1)
        return activations.apply_by_index(["sigmoid", "relu"], i, x)

    x = jnp.array([-2.0, 3.0])
    np.testing.assert_allclose(f(0, x), jax.nn.sigmoid(x))
    np.testing.assert_allclose(f(1, x), jax.nn.relu(x))
    assert len(traces) == 1


def test_apply_by_index_validates_selection():
    with pytest.raises(TypeError, match="selection"):
        activations.apply_by_index("sigmoid", 0, jnp.ones(2))
    with pytest.raises(ValueError, match="at least one"):
        activations.apply_by_index([], 0, jnp.ones(2))
    with pytest.raises(ValueError, match="unknown activation"):
        activations.apply_by_index(["sigmoid", "nope"], 0, jnp.ones(2))
