import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from book import data, nets
from book.experiment import Task
from book.losses import accuracy, cross_entropy
from book.train import TrainResult, descend, make_family_trainer, make_trainer, train, train_steps

KEY = jax.random.key(0)


def _toy_problem():
    d = data.load_digits_split(seed=0)
    return jnp.asarray(d["x_train"]), jnp.asarray(d["y_train"]), d


def _loss(params, x, y):
    return cross_entropy(nets.mlp_forward(params, x, "relu")[0], y)


def _linear_loss(params, x, y):
    return cross_entropy(x @ params["w"], y)


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


def test_descend_is_pure_so_it_runs_jitted_and_inside_traced_code():
    def loss(w, data):
        return jnp.sum((w - data) ** 2)

    init, data, rates = jnp.zeros((2, 3)), jnp.ones((2, 3)), jnp.array([0.1, 0.2])
    eager, _ = descend(loss, init, data, optimizer=optax.sgd, learning_rates=rates, steps=5)
    jitted = jax.jit(descend, static_argnums=0, static_argnames=("optimizer", "steps"))
    compiled, _ = jitted(loss, init, data, optimizer=optax.sgd, learning_rates=rates, steps=5)
    np.testing.assert_allclose(compiled, eager, rtol=1e-6)

    @jax.jit
    def final_loss(rate):  # the rate is a tracer here: descend must not need its value
        losses, _ = descend(
            loss, init[:1], data[:1], optimizer=optax.sgd, learning_rates=rate[None], steps=5
        )
        return losses[0, -1]

    np.testing.assert_allclose(final_loss(jnp.float32(0.1)), eager[0, -1], rtol=1e-6)


def test_train_compiles_once_for_repeated_calls_with_the_same_functions():
    traces = []

    def loss(p, xb, yb):
        traces.append(1)  # Python side effect: runs only while tracing
        return _linear_loss(p, xb, yb)

    x, y = jax.random.normal(KEY, (32, 4)), jnp.arange(32) % 3
    params = {"w": jnp.zeros((2, 4, 3))}

    def run():
        rates = jnp.array([0.1, 0.2])
        return train(
            params, loss, x, y, optimizer=optax.sgd, learning_rates=rates, steps=20,
            batch_size=8, key=KEY, record_every=10,
        )  # fmt: skip

    first = run()
    traced = len(traces)
    second = run()
    assert traced > 0 and len(traces) == traced  # the second call reused the compiled chunk
    np.testing.assert_array_equal(first.losses, second.losses)


def test_train_steps_is_a_pure_step_loop_the_caller_can_jit():
    x = jax.random.normal(KEY, (64, 4))
    y = jnp.argmax(x[:, :3], axis=1)  # learnable by a linear model
    params = {"w": jnp.zeros((4, 3))}
    opt = optax.sgd(0.5)
    run = functools.partial(
        train_steps, loss_fn=_linear_loss, optimizer=opt, steps=30, batch_size=16
    )
    p_eager, _, losses = run(params, opt.init(params), KEY, x, y)
    p_jit, _, losses_jit = jax.jit(run)(params, opt.init(params), KEY, x, y)
    assert losses.shape == (30,) and losses[-5:].mean() < losses[:5].mean()
    np.testing.assert_allclose(losses_jit, losses, rtol=1e-5)
    np.testing.assert_allclose(p_jit["w"], p_eager["w"], rtol=1e-5, atol=1e-6)


def _toy_task(loss_of, traces=None):
    """A one-weight regression whose loss ``loss_of(residual)`` may depend on a member."""
    x = jnp.linspace(-1.0, 1.0, 64)
    y = 3.0 * x

    def loss(params, idx):
        if traces is not None:
            traces.append(1)  # runs only while tracing
        return loss_of(params["w"] * x[idx] - y[idx]).mean()

    def evaluate(params):
        return {"w": params["w"], "loss": loss_of(params["w"] * x - y).mean()}

    return Task(
        init=lambda key: {"w": jax.random.normal(key)},
        loss=loss,
        sample_batch=lambda key: jax.random.randint(key, (8,), 0, 64),
        evaluate=evaluate,
        final_evaluate=evaluate,
        optimizer=optax.sgd,
        steps=20,
        eval_every=10,
    )


def test_a_family_trainer_compiles_once_and_matches_each_members_own_trainer():
    losses = (jnp.square, jnp.abs)
    traces = []

    def family(member):
        return _toy_task(lambda r: jax.lax.switch(member, losses, r), traces)

    train_family = make_family_trainer(family)
    runs = [train_family(m, [0.1, 0.3], [0, 1]) for m in range(len(losses))]
    traced = len(traces)
    again = train_family(0, [0.1, 0.3], [0, 1])
    assert traced > 0 and len(traces) == traced  # the second member reused the compilation
    assert again == runs[0]
    for m, loss_of in enumerate(losses):
        alone = make_trainer(_toy_task(loss_of))([0.1, 0.3], [0, 1])
        for a, b in zip(runs[m], alone, strict=True):
            assert a["steps"] == b["steps"] == [0, 10, 20]
            np.testing.assert_allclose(a["w"], b["w"], rtol=1e-6)
            np.testing.assert_allclose(a["final"]["loss"], b["final"]["loss"], rtol=1e-6)
    assert runs[0][0]["final"]["loss"] != runs[1][0]["final"]["loss"]  # members differ
