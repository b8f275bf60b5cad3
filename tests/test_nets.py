import jax
import jax.numpy as jnp
import numpy as np
import pytest

from book import diagnostics, nets
from book.losses import cross_entropy

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


def test_char_mlp_shapes_and_validation():
    p = nets.init_char_mlp(jax.random.key(0), 12, 3, 4, 8)
    logits = nets.char_mlp_logits(p, jnp.zeros((5, 3), jnp.int32))
    assert logits.shape == (5, 12)
    with pytest.raises(ValueError, match="context"):
        nets.init_char_mlp(jax.random.key(0), 12, 0, 4, 8)


def test_scale_hidden_weights_matches_weight_scale_with_zero_biases():
    stack = nets.init_deep_stack(KEY, 6, 5, 3, 4, "glorot")
    scaled = nets.scale_hidden_weights(stack, 2.0)
    np.testing.assert_allclose(scaled["hidden"]["W"], 2.0 * stack["hidden"]["W"])
    np.testing.assert_allclose(scaled["out"]["W"], stack["out"]["W"])
    x = jax.random.normal(KEY, (7, 6))
    for depth in (2, 4):
        np.testing.assert_allclose(
            nets.deep_stack_forward(scaled, x, depth, 0, ["tanh"]),
            nets.deep_stack_forward(stack, x, depth, 0, ["tanh"], weight_scale=2.0),
            rtol=1e-5,
            atol=1e-6,
        )
    with pytest.raises(ValueError, match="params must be a deep stack"):
        nets.scale_hidden_weights([stack["first"]], 2.0)
    with pytest.raises(TypeError, match="scale must be a number"):
        nets.scale_hidden_weights(stack, "2")
