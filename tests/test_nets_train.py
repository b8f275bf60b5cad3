import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from book import data, diagnostics, nets
from book.train import TrainResult, accuracy, cross_entropy, train

KEY = jax.random.key(0)


def test_inits_have_the_documented_ranges():
    n_in, n_out = 400, 100
    std = nets.init_layer(KEY, n_in, n_out, "standard")["W"]
    assert float(jnp.abs(std).max()) <= 1 / np.sqrt(n_in)
    assert np.isclose(float(std.var()), 1 / (3 * n_in), rtol=0.05)
    glo = nets.init_layer(KEY, n_in, n_out, "glorot")["W"]
    assert float(jnp.abs(glo).max()) <= np.sqrt(6 / (n_in + n_out))
    he = nets.init_layer(KEY, n_in, n_out, "he")["W"]
    assert np.isclose(float(he.var()), 2 / n_in, rtol=0.05)
    assert float(jnp.abs(nets.init_layer(KEY, 3, 2)["b"]).max()) == 0.0


def test_init_validation():
    with pytest.raises(ValueError, match="init must be one of standard, glorot, he"):
        nets.init_layer(KEY, 2, 2, "xavier")
    with pytest.raises(ValueError, match="n_in must be a positive int"):
        nets.init_layer(KEY, 0, 2)
    with pytest.raises(ValueError, match="sizes"):
        nets.init_mlp(KEY, [3])
    with pytest.raises(ValueError, match="max_depth"):
        nets.init_deep_stack(KEY, 3, 4, 2, 1)


def test_masked_deep_stack_equals_the_explicit_mlp_of_that_depth():
    stack = nets.init_deep_stack(KEY, 5, 6, 3, max_depth=8)
    x = jax.random.normal(jax.random.key(1), (4, 5))
    for depth in (2, 5, 8):
        layers = (
            [stack["first"]]
            + [
                {"W": stack["hidden"]["W"][i], "b": stack["hidden"]["b"][i]}
                for i in range(depth - 1)
            ]
            + [stack["out"]]
        )
        explicit, hidden = nets.mlp_forward(layers, x, "tanh")
        masked = nets.deep_stack_forward(stack, x, depth, 1, ["sigmoid", "tanh"])
        np.testing.assert_allclose(masked, explicit, rtol=1e-5, atol=1e-6)
        assert len(hidden) == depth


def _sigmoid_stack_norms(stack, x, y, block):
    def loss(p):
        return cross_entropy(nets.deep_stack_forward(p, x, 30, 0, ["sigmoid"], block=block), y)

    return diagnostics.gradient_norm_per_layer(jax.grad(loss)(stack))[:30]


@pytest.mark.parametrize("block", ["residual", "layernorm", "residual_layernorm"])
def test_residual_or_layernorm_keeps_gradients_flowing_where_plain_sigmoid_does_not(block):
    stack = nets.init_deep_stack(KEY, 8, 32, 3, max_depth=30)
    x = jax.random.normal(jax.random.key(1), (16, 8))
    y = jnp.arange(16) % 3
    plain = _sigmoid_stack_norms(stack, x, y, "plain")
    fixed = _sigmoid_stack_norms(stack, x, y, block)
    assert float(plain[0] / plain[-1]) < 1e-6
    assert 0.05 < float(fixed[0] / fixed[-1]) < 20


def test_deep_stack_blocks_match_their_formulas_and_validate():
    stack = nets.init_deep_stack(KEY, 5, 6, 3, max_depth=2)
    x = jax.random.normal(jax.random.key(1), (4, 5))
    W, b = stack["hidden"]["W"][0], stack["hidden"]["b"][0]
    h = jax.nn.sigmoid(x @ stack["first"]["W"] + stack["first"]["b"])
    hidden = {
        "plain": jax.nn.sigmoid(h @ W + b),
        "residual": h + jax.nn.sigmoid(h) @ W + b,
        "layernorm": nets.layer_norm(jax.nn.sigmoid(nets.layer_norm(h) @ W + b)),
        "residual_layernorm": nets.layer_norm(h + jax.nn.sigmoid(nets.layer_norm(h)) @ W + b),
    }
    for block, last in hidden.items():
        expected = last @ stack["out"]["W"] + stack["out"]["b"]
        got = nets.deep_stack_forward(stack, x, 2, 0, ["sigmoid"], block=block)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="block must be one of plain, residual"):
        nets.deep_stack_forward(stack, x, 2, 0, ["sigmoid"], block="postnorm")


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
        learning_rates=jnp.array([0.05, 0.0]),
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
    assert result.records[1, -1] == result.records[1, 0]  # learning rate 0 changes nothing
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


def test_digits_split_is_standardised_and_disjoint():
    d = data.load_digits_split(test_fraction=0.25, seed=3)
    assert d["x_train"].shape[1] == 64 and d["x_train"].dtype == np.float32
    assert len(d["y_train"]) + len(d["y_test"]) == 1797
    np.testing.assert_allclose(d["x_train"].mean(0), 0, atol=1e-5)
    assert np.all(np.isfinite(d["x_test"]))
    with pytest.raises(ValueError, match="test_fraction"):
        data.load_digits_split(test_fraction=1.0)
