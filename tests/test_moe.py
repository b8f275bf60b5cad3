import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from book import moe


def test_sigmoid_router_normalises_over_the_selected_experts_only():
    logits = jnp.array([[2.0, -1.0, 0.5, 0.0]])
    gates, selected = moe.route(logits, jnp.zeros(4), "sigmoid", 2)
    s = 1 / (1 + np.exp(-np.array([2.0, -1.0, 0.5, 0.0])))
    expected = np.array([s[0], 0, s[2], 0]) / (s[0] + s[2])
    np.testing.assert_allclose(np.asarray(gates[0]), expected, rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(selected[0]), [1, 0, 1, 0])


def test_bias_changes_the_selection_but_not_the_gate_values():
    logits = jnp.array([[2.0, -1.0, 0.5, 0.0]])
    bias = jnp.array([0.0, 0.0, -5.0, 5.0])
    gates, selected = moe.route(logits, bias, "sigmoid", 2)
    np.testing.assert_array_equal(np.asarray(selected[0]), [1, 0, 0, 1])
    s = 1 / (1 + np.exp(-np.array([2.0, 0.0])))
    np.testing.assert_allclose(np.asarray(gates[0])[[0, 3]], s / s.sum(), rtol=1e-6)
    g = jax.grad(lambda b: moe.route(logits, b, "sigmoid", 2)[0][0, 0])(bias)
    assert float(jnp.abs(g).max()) == 0.0


def test_softmax_router_matches_softmax_over_the_top_k_logits():
    logits = jnp.array([[1.0, 3.0, -2.0, 0.5]])
    gates, _ = moe.route(logits, jnp.zeros(4), "softmax", 2)
    top = np.exp([3.0, 1.0]) / np.exp([3.0, 1.0]).sum()
    np.testing.assert_allclose(np.asarray(gates[0])[[1, 0]], top, rtol=1e-6)
    with pytest.raises(ValueError, match="router"):
        moe.route(logits, jnp.zeros(4), "relu", 2)
    with pytest.raises(ValueError, match="top_k"):
        moe.route(logits, jnp.zeros(4), "softmax", 5)


def test_both_routers_add_the_bias_to_scores_in_0_1():
    # logits 3 and 0: softmax probabilities 0.953 and 0.047. A bias of +0.95 on expert 1
    # makes it win on the probability scale (0.997 > 0.953); on the logit scale it would
    # not (0.95 < 3). +0.6 does not (0.647).
    logits = jnp.array([[3.0, 0.0]])
    for bias, winner in ((0.6, 0), (0.95, 1)):
        _, sel = moe.route(logits, jnp.array([0.0, bias]), "softmax", 1)
        assert int(jnp.argmax(sel[0])) == winner
    _, sel = moe.route(logits, jnp.array([0.0, 0.5]), "sigmoid", 1)  # 0.5 + 0.5 > 0.95
    assert int(jnp.argmax(sel[0])) == 1


def test_load_stats_on_a_known_assignment():
    selected = jnp.array([[1, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0]], jnp.float32)
    stats = moe.load_stats(selected)
    np.testing.assert_allclose(np.asarray(stats["load"]), [3.0, 1.0, 0.0, 0.0])
    assert float(stats["max_over_mean"]) == 3.0 and float(stats["dead_fraction"]) == 0.5


def test_balance_optimizer_moves_the_bias_against_the_load():
    ffn = moe.make_moe_ffn("sigmoid", 1)
    p = moe.init_moe_ffn(jax.random.key(0), 4, 3, 5)
    p["router"] = jnp.zeros((4, 3)).at[:, 0].set(1.0)  # expert 0 wins every positive token
    x = jnp.abs(jax.random.normal(jax.random.key(1), (2, 6, 4)))
    _, inter = ffn(p, x, None)
    assert float(inter["balance_term"]) == 0.0
    load = np.asarray(inter["expert_load"])
    grads = jax.grad(lambda q: ffn(q, x, None)[1]["balance_term"])(p)
    np.testing.assert_allclose(np.asarray(grads["router_bias"]), load - 1.0, rtol=1e-6)
    opt = moe.balance_optimizer(optax.sgd(0.1), gamma=0.01)
    updates, _ = opt.update(grads, opt.init(p), p)
    np.testing.assert_allclose(
        np.asarray(updates["router_bias"]), -0.01 * np.sign(load - 1.0), rtol=1e-6
    )
    assert float(updates["router_bias"][0]) < 0  # the overloaded expert is pushed down
    with pytest.raises(ValueError, match="gamma"):
        moe.balance_optimizer(optax.sgd(0.1), gamma=-1.0)
