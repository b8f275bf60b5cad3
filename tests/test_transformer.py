import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from book import transformer as tf

KEY = jax.random.key(0)
SMALL = dict(vocab_size=50, context=16, d_model=32, n_layers=2, n_heads=4)


def tokens(batch=3, time=16, vocab=50, seed=1):
    return jax.random.randint(jax.random.key(seed), (batch, time), 0, vocab)


CASES = [(f, "softmax") for f in tf.FFN_VARIANTS] + [("gelu", a) for a in tf.ATTENTIONS[1:]]


@pytest.mark.parametrize(("ffn", "attention"), CASES)
def test_causal_mask_later_tokens_do_not_change_earlier_outputs(ffn, attention):
    config = tf.Config(**SMALL, ffn=ffn, attention=attention)
    params = tf.init(KEY, config)
    x = tokens()
    t = 7
    y = x.at[:, t + 1 :].set((x[:, t + 1 :] + 1) % 50)
    a, b = tf.apply(params, x, config), tf.apply(params, y, config)
    np.testing.assert_allclose(a[:, : t + 1], b[:, : t + 1], rtol=1e-5, atol=1e-6)
    # and the change is visible after t, so the test can fail
    assert float(jnp.abs(a[:, t + 1 :] - b[:, t + 1 :]).max()) > 1e-6


def test_ffn_parameter_counts_equal_within_one_percent():
    counts = {}
    for ffn in tf.FFN_VARIANTS:
        config = tf.Config(**SMALL, ffn=ffn)
        counts[ffn] = tf.param_count(tf.init(KEY, config)["blocks"][0]["ffn"])
    ungated = 2 * 32 * 4 * 32  # d x 4d in, 4d x d out
    assert counts["gelu"] == ungated
    for ffn, n in counts.items():
        assert abs(n - ungated) / ungated < 0.01, (ffn, n)
    whole = [tf.param_count(tf.init(KEY, tf.Config(**SMALL, ffn=f))) for f in tf.FFN_VARIANTS]
    assert (max(whole) - min(whole)) / min(whole) < 0.01


def test_gated_hidden_is_two_thirds():
    assert tf.Config(**SMALL, ffn="swiglu").ffn_hidden == round(2 * 128 / 3)
    assert tf.Config(**SMALL, ffn="relu").ffn_hidden == 128


def test_shapes_and_intermediates():
    config = tf.Config(**SMALL, ffn="swiglu", attention="gated")
    params = tf.init(KEY, config)
    logits, blocks = tf.apply(params, tokens(time=10), config, return_intermediates=True)
    assert logits.shape == (3, 10, 50)
    assert len(blocks) == 2
    b = blocks[0]
    assert b["attention_weights"].shape == (3, 4, 10, 10)
    assert b["ffn_pre"].shape == b["ffn_hidden"].shape == (3, 10, config.ffn_hidden)
    assert b["ffn_out"].shape == b["block_out"].shape == (3, 10, 32)
    assert b["attention_gate"].shape == (3, 10, 4, 8)
    # softmax rows sum to one over the causal past
    np.testing.assert_allclose(b["attention_weights"].sum(-1), 1.0, rtol=1e-5)
    assert float(jnp.triu(b["attention_weights"][0, 0], 1).max()) == 0.0


def test_headwise_gate_and_tied_embeddings_shapes():
    config = tf.Config(
        **SMALL, attention="gated_dense", attention_gate="headwise", tie_embeddings=True
    )
    params = tf.init(KEY, config)
    assert "unembedding" not in params
    assert params["blocks"][0]["attention"]["gate"].shape == (32, 4)
    _, blocks = tf.apply(params, tokens(), config, return_intermediates=True)
    gate = blocks[0]["attention_gate"]
    assert gate.shape == (3, 16, 4, 1)
    assert float(gate.min()) >= 0.5  # the dense control never closes below one half


def test_sigmoid_attention_rows_start_near_one_with_bias_minus_log_n():
    config = tf.Config(**SMALL, attention="sigmoid")
    assert config.attention_bias == pytest.approx(-math.log(16))
    params = tf.init(KEY, config)
    _, blocks = tf.apply(params, tokens(), config, return_intermediates=True)
    w = blocks[0]["attention_weights"]
    # at init the scores are ~0, so each weight is ~sigma(-log n) = 1/(n+1): the last row
    # (n = 16 visible tokens) sums to ~16/17, not exactly 1 (no row normalisation)
    last_row = w[:, :, -1].sum(-1)
    np.testing.assert_allclose(last_row, 16 / 17, rtol=0.02)
    assert float(jnp.triu(w[0, 0], 1).max()) == 0.0
    assert tf.Config(**SMALL, attention="sigmoid", sigmoid_bias=-2.0).attention_bias == -2.0


def test_loss_at_init_is_near_log_vocab():
    for ffn in ("sigmoid", "gelu", "swiglu"):
        config = tf.Config(**SMALL, ffn=ffn)
        params = tf.init(KEY, config)
        batch = tokens(batch=8, time=17)
        value = float(tf.loss(params, batch, config))
        assert abs(value - math.log(50)) < 0.05, (ffn, value)


def test_replaceable_ffn():
    config = tf.Config(**SMALL)

    def zero_init(key, config):
        return {"w": jnp.zeros((config.d_model, config.d_model))}

    def linear_ffn(p, x, config):
        return x @ p["w"], {"seen": x}

    params = tf.init(KEY, config, ffn_init=zero_init)
    logits, blocks = tf.apply(
        params, tokens(), config, ffn_fn=linear_ffn, return_intermediates=True
    )
    assert "seen" in blocks[0]
    np.testing.assert_allclose(blocks[0]["ffn_out"], 0.0)
    grads = jax.grad(lambda p: tf.loss(p, tokens(time=17), config, ffn_fn=linear_ffn))(params)
    assert float(jnp.abs(grads["blocks"][0]["ffn"]["w"]).sum()) > 0


def test_replaceable_attention():
    config = tf.Config(**SMALL)
    params = tf.init(KEY, config)

    def no_attention(p, x, config):
        return jnp.zeros_like(x), {"seen": x}

    same = tf.apply(params, tokens(), config, attention_fn=tf.attention)
    np.testing.assert_array_equal(same, tf.apply(params, tokens(), config))
    _, blocks = tf.apply(
        params, tokens(), config, attention_fn=no_attention, return_intermediates=True
    )
    assert "seen" in blocks[0]
    np.testing.assert_allclose(blocks[0]["attention_out"], 0.0)
    grads = jax.grad(lambda p: tf.loss(p, tokens(time=17), config, attention_fn=no_attention))(
        params
    )
    assert float(jnp.abs(grads["blocks"][0]["attention"]["qkv"]).sum()) == 0


def test_bad_names_and_sizes_raise():
    with pytest.raises(ValueError, match="valid: sigmoid, tanh, relu, gelu, silu, relu2, glu"):
        tf.Config(**SMALL, ffn="swish")
    with pytest.raises(ValueError, match="valid: softmax, sigmoid, gated, gated_dense"):
        tf.Config(**SMALL, attention="linear")
    with pytest.raises(ValueError, match="attention_gate"):
        tf.Config(**SMALL, attention_gate="channel")
    with pytest.raises(ValueError, match="divisible"):
        tf.Config(vocab_size=10, d_model=30, n_heads=4)
    with pytest.raises(ValueError, match="context must be a positive int"):
        tf.Config(vocab_size=10, context=0)
    with pytest.raises(TypeError, match="config must be a Config"):
        tf.init(KEY, dict(SMALL))
    config = tf.Config(**SMALL)
    with pytest.raises(ValueError, match="tokens must be"):
        tf.apply(tf.init(KEY, config), tokens(time=17), config)


def test_ffn_styles_follow_the_activation_colours():
    from book import activations

    for name in ("sigmoid", "tanh", "relu", "gelu", "silu"):
        assert tf.ffn_style(name)["color"] == activations.colour(name)
        assert tf.ffn_style(name)["linestyle"] == "-"
    assert tf.ffn_style("glu")["color"] == activations.colour("sigmoid")
    assert tf.ffn_style("swiglu")["color"] == activations.colour("silu")
    assert tf.ffn_style("swiglu")["linestyle"] == "--"
    with pytest.raises(ValueError, match="valid: sigmoid"):
        tf.ffn_style("mish")


def test_the_ablation_ffns_compute_what_their_names_say():
    x = jax.random.normal(KEY, (2, 5, 32))
    p = tf.init_ffn(KEY, tf.Config(**SMALL, ffn="sigmoid"))
    ungated = [f for f in tf.FFN_VARIANTS if not tf.FFN_VARIANTS[f][1]]
    out = {f: tf.ffn(p, x, tf.Config(**SMALL, ffn=f)) for f in ungated}
    hidden = {f: o[1]["ffn_hidden"] for f, o in out.items()}
    pre = out["sigmoid"][1]["ffn_pre"]
    assert jnp.allclose(hidden["sigmoid_centred"], hidden["sigmoid"] - 0.5, atol=1e-6)
    # 4(sigma(z) - 1/2) = 2 tanh(z/2): slope 1 at 0, like tanh
    assert jnp.allclose(hidden["sigmoid_centred4"], 2 * jnp.tanh(pre / 2), atol=1e-5)
    assert jnp.allclose(out["linear"][0], x @ p["up"] @ p["down"], atol=1e-5)
    assert float(jnp.abs(out["none"][0]).max()) == 0.0
    grads = jax.grad(lambda q: tf.ffn(q, x, tf.Config(**SMALL, ffn="none"))[0].sum())(p)
    assert all(float(jnp.abs(g).max()) == 0.0 for g in grads.values())


def test_a_block_adds_its_attention_and_ffn_outputs_to_the_residual_stream():
    config = tf.Config(vocab_size=20, context=8, d_model=16, n_layers=2, n_heads=2, ffn="gelu")
    params = tf.init(jax.random.key(0), config)
    tokens = jax.random.randint(jax.random.key(1), (3, 8), 0, 20)
    _, blocks = tf.apply(params, tokens, config, return_intermediates=True)
    x0 = params["token_embedding"][tokens] + params["position_embedding"][:8]
    x1, inter = tf.block(params["blocks"][0], x0, config)
    np.testing.assert_allclose(x1, x0 + inter["attention_out"] + inter["ffn_out"], atol=1e-6)
    np.testing.assert_array_equal(inter["block_out"], blocks[0]["block_out"])
    # one block's initialisation is the same whether made alone or by init
    alone = tf.init_block(jax.random.split(jax.random.key(0), config.n_layers + 3)[3], config)
    same = jax.tree_util.tree_map(lambda a, b: bool((a == b).all()), alone, params["blocks"][0])
    assert all(jax.tree_util.tree_leaves(same))
