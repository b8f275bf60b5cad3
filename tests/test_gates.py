import jax
import jax.numpy as jnp
import numpy as np
import pytest

from book import gated_units, lstm, op_count

KEY = jax.random.key(0)


def test_glu_linear_path_gradient_is_the_gate():
    a, g = jnp.array([5.0, -3.0, 0.2]), jnp.array([0.0, 2.0, -1.0])
    da = jax.grad(lambda a: gated_units.glu(a, g).sum())(a)
    np.testing.assert_allclose(da, 1 / (1 + np.exp(-np.array([0.0, 2.0, -1.0]))), rtol=1e-6)
    dt = jax.grad(lambda a: gated_units.gtu(a, g).sum())(a)
    assert np.all(np.abs(dt) < np.abs(da))  # tanh' < 1 shrinks the path


def test_count_sigmoids_counts_one_per_hidden_unit_per_token():
    d, h, tokens = 8, 12, 5
    p = {
        "gate": jax.ShapeDtypeStruct((d, h), jnp.float32),
        "up": jax.ShapeDtypeStruct((d, h), jnp.float32),
        "down": jax.ShapeDtypeStruct((h, d), jnp.float32),
    }
    x = jax.ShapeDtypeStruct((tokens, d), jnp.float32)
    assert op_count.count_sigmoids(gated_units.swiglu_ffn, p, x) == tokens * h
    assert op_count.count_sigmoids(lambda z: jax.nn.gelu(z, approximate=False), x) == 0
    assert (
        op_count.count_sigmoids(lambda z: jax.jit(jax.nn.sigmoid)(z) + jax.nn.sigmoid(z), x)
        == 2 * tokens * d
    )
    with pytest.raises(TypeError, match="fn"):
        op_count.count_sigmoids(3, x)
    with pytest.raises(ValueError, match="missing"):
        gated_units.swiglu_ffn({"gate": 1, "up": 1}, x)


def test_lstm_step_matches_a_hand_written_cell():
    params = lstm.init_lstm(KEY, 3, 2, 1, forget_bias=1.0)
    assert np.allclose(params["b"][2:4], 1.0) and np.allclose(params["b"][:2], 0.0)
    xs = jax.random.normal(jax.random.key(1), (1, 1, 3))
    z = np.concatenate([np.asarray(xs[0, 0]), np.zeros(2)]) @ np.asarray(params["W"])
    z = z + np.asarray(params["b"])
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    c = sig(z[0:2]) * np.tanh(z[4:6])  # c_0 = 0, so the forget gate does not enter
    h = sig(z[6:8]) * np.tanh(c)
    np.testing.assert_allclose(lstm.lstm_final_state(params, xs)[0], h, rtol=1e-5)


@pytest.mark.parametrize("bias", [0.0, 1.0, 2.0])
def test_gradient_reach_decays_by_sigmoid_of_the_forget_bias(bias):
    # Without recurrence and with a constant input, the forget gate is ~sigmoid(b) at every
    # step, so the gradient reaching back k steps shrinks like sigmoid(b)^k.
    params = lstm.init_lstm(KEY, 8, 16, 4, forget_bias=bias)
    params["W"] = params["W"].at[:8, 16:32].set(0.0)  # forget gate ignores the input too
    xs = jnp.broadcast_to(jax.nn.one_hot(5, 8), (30, 4, 8))  # one symbol repeated
    reach = np.asarray(lstm.gradient_reach(params, xs, recurrent=False))
    ratio = reach[:-2] / reach[1:-1]  # one step further back / one step nearer
    np.testing.assert_allclose(ratio, 1 / (1 + np.exp(-bias)), rtol=1e-3)


def test_recall_task_shape_and_labels():
    xs, y = lstm.recall_task(KEY, 16, 10, n_classes=3, n_distractors=2)
    assert xs.shape == (10, 16, 5)
    np.testing.assert_array_equal(np.asarray(xs[0]).argmax(-1), np.asarray(y))
    assert np.all(np.asarray(xs[1:]).argmax(-1) >= 3)
    with pytest.raises(ValueError, match="length"):
        lstm.recall_task(KEY, 4, 0)
    with pytest.raises(ValueError, match="hidden"):
        lstm.init_lstm(KEY, 3, 0, 1, 1.0)
    with pytest.raises(ValueError, match="xs"):
        lstm.lstm_final_state(lstm.init_lstm(KEY, 3, 2, 1, 0.0), jnp.zeros((4, 3)))
