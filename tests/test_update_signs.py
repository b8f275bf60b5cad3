"""Tests of book.update_signs: the sign-uniform share with a tolerance, one example and batched."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from book import update_signs


def test_all_positive_row_is_uniform_at_any_tolerance():
    rows = jnp.array([[0.5, 0.1, 2.0, 0.0]])
    assert float(update_signs.sign_uniform_share(rows, 0.0)) == 1.0
    assert float(update_signs.sign_uniform_share(rows, 0.01)) == 1.0
    assert float(update_signs.minority_share(rows)[0]) == 0.0


def test_one_tiny_negative_component_is_uniform_under_tolerance_only():
    rows = jnp.array([[1.0, 1.0, 1.0, -0.001]])  # 0.001 of 3.001 against the majority
    np.testing.assert_allclose(
        float(update_signs.minority_share(rows)[0]), 0.001 / 3.001, rtol=1e-5
    )
    assert float(update_signs.sign_uniform_share(rows, 0.01)) == 1.0
    assert float(update_signs.sign_uniform_share(rows, 0.0)) == 0.0


def test_balanced_signs_are_not_uniform():
    rows = jnp.array([[1.0, -1.0, 2.0, -2.0], [3.0, -1.0, 0.0, 0.0]])
    np.testing.assert_allclose(np.asarray(update_signs.minority_share(rows)), [0.5, 0.25])
    assert float(update_signs.sign_uniform_share(rows, 0.2)) == 0.0
    assert float(update_signs.sign_uniform_share(rows, 0.25)) == 0.5  # the 3:1 row, at its share


def test_all_zero_rows_and_masked_rows_are_left_out():
    rows = jnp.array([[1.0, 2.0], [0.0, 0.0], [1.0, -1.0], [-1.0, -3.0]])
    assert float(update_signs.sign_uniform_share(rows)) == pytest.approx(2 / 3)
    where = jnp.array([True, True, True, False])
    assert float(update_signs.sign_uniform_share(rows, where=where)) == 0.5
    assert float(update_signs.sign_uniform_share(jnp.zeros((3, 2)))) == 0.0


def test_median_minority_share_leaves_out_all_zero_rows():
    rows = jnp.array([[1.0, 2.0], [0.0, 0.0], [0.0, 0.0], [3.0, -1.0]])
    # non-zero rows' shares: 0 and 0.25, median 0.125 (with the zero rows it would be 0)
    assert float(update_signs.median_minority_share(rows)) == pytest.approx(0.125)
    assert np.isnan(float(update_signs.median_minority_share(jnp.zeros((2, 3)))))
    with pytest.raises(ValueError, match="last axis"):
        update_signs.median_minority_share(jnp.ones((4, 1)))


@pytest.mark.parametrize("tol", [-0.1, 0.5, 1.0, "1%", True])
def test_bad_tolerance_raises(tol):
    with pytest.raises(ValueError, match="tol"):
        update_signs.sign_uniform_share(jnp.ones((2, 3)), tol)


def test_bad_rows_raise():
    with pytest.raises(TypeError, match="floating"):
        update_signs.sign_uniform_share(jnp.ones((2, 3), jnp.int32))
    with pytest.raises(ValueError, match="last axis"):
        update_signs.minority_share(jnp.ones((4, 1)))


def _per_example(delta, h):
    return delta[:, :, None] * h[:, None, :]


def test_batch_shares_split_off_the_mean_term():
    # two examples, one neuron, two inputs: δ = (2, 0), h = ((1, 1), (0, 0)).
    # The average update is (1, 1); the mean term δ̄h̄ = 1 · (0.5, 0.5); the rest is (0.5, 0.5).
    delta = jnp.array([[2.0], [0.0]])
    h = jnp.array([[1.0, 1.0], [0.0, 0.0]])
    weights = jnp.array([[0.5, 0.5]])
    full, rest = update_signs.batch_uniform_shares(_per_example(delta, h), delta, h, weights)
    assert (float(full), float(rest)) == (1.0, 1.0)
    # δ = (1, -1), h = ((1, 0.1), (0.1, 1)): the average (0.45, -0.45) has mixed signs.
    delta = jnp.array([[1.0], [-1.0]])
    h = jnp.array([[1.0, 0.1], [0.1, 1.0]])
    full, _ = update_signs.batch_uniform_shares(_per_example(delta, h), delta, h, weights)
    assert float(full) == 0.0


def test_batch_of_one_is_one_signed_with_positive_inputs_and_traces_under_jit():
    key1, key2 = jax.random.split(jax.random.key(0))
    delta = jax.random.normal(key1, (6, 3))
    h = jax.nn.sigmoid(jax.random.normal(key2, (6, 4)))  # positive inputs
    g = _per_example(delta, h)
    one_hot = jnp.eye(6)  # six batches of one example each
    shares = jax.jit(update_signs.batch_uniform_shares)(g, delta, h, one_hot)
    assert float(shares[0]) == 1.0  # every single-example row is one-signed
    halves = jnp.array([[0.5, 0.5, 0, 0, 0, 0], [0, 0, 0, 0, 0.5, 0.5]])
    traced = jax.jit(update_signs.batch_uniform_shares)(g, delta, h, halves)
    eager = update_signs.batch_uniform_shares(g, delta, h, halves)
    assert [float(s) for s in traced] == [float(s) for s in eager]


def test_batch_shapes_are_checked():
    g, delta, h = jnp.ones((4, 2, 3)), jnp.ones((4, 2)), jnp.ones((4, 3))
    with pytest.raises(ValueError, match="delta"):
        update_signs.batch_uniform_shares(g, jnp.ones((4, 3)), h, jnp.ones((1, 4)))
    with pytest.raises(ValueError, match="inputs"):
        update_signs.batch_uniform_shares(g, delta, jnp.ones((4, 2)), jnp.ones((1, 4)))
    with pytest.raises(ValueError, match="batch_weights"):
        update_signs.batch_uniform_shares(g, delta, h, jnp.ones((1, 5)))


def test_sign_share_table_prints_each_activation(capsys):
    grads = {"sigmoid": jnp.ones((2, 3, 4)), "tanh": jnp.zeros((2, 3, 4)).at[0].set(1.0)}
    share = {("sigmoid", 0.01): 1.0, ("sigmoid", 0.0): 1.0, ("tanh", 0.01): 0.25}
    share[("tanh", 0.0)] = 0.125
    update_signs.print_sign_shares(grads, share, {"sigmoid": 0.0, "tanh": 0.1}, 0.01)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("6 (example, neuron) rows each; sign-uniform within 1%")
    assert out[1] == "sigmoid  inputs: 100.0% (100.0%)    0.0%   ( 0.0% of rows all zero, left out)"
    assert out[2] == "tanh     inputs:  25.0% ( 12.5%)   10.0%   (50.0% of rows all zero, left out)"
    with pytest.raises(ValueError, match="share and against"):
        update_signs.print_sign_shares(grads, {}, {}, 0.01)
    with pytest.raises(ValueError, match="tol"):
        update_signs.print_sign_shares(grads, share, {}, 0.7)


def test_batch_table_prints_one_row_per_batch(capsys):
    curves = {"sigmoid": np.array([1.0, 0.5]), "relu": np.array([1.0, 0.25])}
    update_signs.print_batch_table(curves, {"sigmoid": np.array([0.0])}, [1, 2])
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == [
        "sign-uniform",
        "updates",
        "(%)",
        "sigmoid",
        "ReLU",
        "sigmoid,",
        "no",
        "mean",
        "term",
    ]
    assert out[1].split() == ["batch", "1,", "every", "example", "100.0", "100.0", "–"]
    assert out[2].split() == ["batch", "2", "50.0", "25.0", "0.0"]
    with pytest.raises(ValueError, match="one share per batch size"):
        update_signs.print_batch_table(curves, {"sigmoid": np.array([0.0])}, [1, 2, 4])
    with pytest.raises(ValueError, match="without_mean"):
        update_signs.print_batch_table(curves, {"sigmoid": np.zeros(3)}, [1, 2])
