import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from book import data, nets
from book.losses import accuracy, cross_entropy
from book.train import TrainResult, descend, train

KEY = jax.random.key(0)


def _toy_problem():
    d = data.load_digits_split(seed=0)
    return jnp.asarray(d["x_train"]), jnp.asarray(d["y_train"]), d


def _loss(params, x, y):
    return cross_entropy(nets.mlp_forward(params, x, "relu")[0], y)


def test_train_learns_digits_and_records_every_chunk(capsys):
    x, y, d = _toy_problem()
    params = jax.vmap(lambda k: nets.init_mlp(k, [64, 32, 10], "he"))(jax.random.split(KEY, 2))

    def record(p):
        return accuracy(
            nets.mlp_forward(p, jnp.asarray(d["x_test"]), "relu")[0], jnp.asarray(d["y_test"])
        )

    result = train(
        params,
        _loss,
        x,
        y,
        optimizer=optax.sgd,
        learning_rates=jnp.array([0.05, 5e-6]),
        steps=400,
        batch_size=32,
        key=KEY,
        record_every=100,
        record_fn=record,
        label="toy",
    )
    assert isinstance(result, TrainResult)
    assert result.records.shape == (2, 5) and list(result.record_steps) == [0, 100, 200, 300, 400]
    assert result.records[0, -1] > 0.85  # a trained run learns
    assert abs(result.records[1, -1] - result.records[1, 0]) < 0.05  # a tiny rate barely moves
    assert "toy: 100% (400/400 steps, 2 runs)" in capsys.readouterr().out


def test_train_is_reproducible_with_the_same_key():
    x, y, _ = _toy_problem()
    params = jax.vmap(lambda k: nets.init_mlp(k, [64, 8, 10]))(jax.random.split(KEY, 1))
    kwargs = dict(
        optimizer=optax.adam,
        learning_rates=jnp.array([1e-2]),
        steps=50,
        batch_size=8,
        key=KEY,
        record_every=25,
    )
    a, b = train(params, _loss, x, y, **kwargs), train(params, _loss, x, y, **kwargs)
    np.testing.assert_array_equal(a.losses, b.losses)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(learning_rates=jnp.array([])), "learning_rates"),
        (dict(learning_rates=jnp.array([0.1, 0.1])), "leading run axis"),
        (dict(steps=0), "steps must be a positive int"),
        (dict(steps=30, record_every=20), "multiple of record_every"),
        (dict(batch_size=2.5), "batch_size"),
    ],
)
def test_train_validates_arguments(change, message):
    x, y, _ = _toy_problem()
    params = jax.vmap(lambda k: nets.init_mlp(k, [64, 8, 10]))(jax.random.split(KEY, 1))
    kwargs = dict(
        optimizer=optax.sgd,
        learning_rates=jnp.array([0.1]),
        steps=20,
        batch_size=8,
        key=KEY,
        record_every=10,
    )
    kwargs.update(change)
    with pytest.raises(ValueError, match=message):
        train(params, _loss, x, y, **kwargs)


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
