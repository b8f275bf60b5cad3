import jax
import numpy as np
import pytest

from book import ch5_experiments as c5
from book import sweep
from book import transformer as tf


def test_chapter5_experiments_are_registered_with_their_grids():
    att = sweep.get("ch5_attention")
    assert len(att.grid) == len(c5.ATTENTION_VARIANTS) * len(c5.RATES) * len(c5.SEEDS)
    wider = sweep.get("ch5_attention_rates")
    assert len(wider.grid) == len(c5.ATTENTION_VARIANTS) * len(c5.EXTRA_RATES) * len(c5.SEEDS)
    rates = sorted(c5.RATES + c5.EXTRA_RATES)
    assert len(set(rates)) == 5 and min(c5.EXTRA_RATES) < min(c5.RATES)
    assert max(c5.EXTRA_RATES) > max(c5.RATES)  # both sides of the first grid
    assert len(sweep.get("ch5_moe").grid) == len(c5.MOE_VARIANTS) * len(c5.MOE_RATES) * 3
    assert len(c5.MOE_RATES) >= 4
    assert len(sweep.get("ch5_siglip").grid) == 3 * len(c5.PAIR_BATCHES) * len(c5.PAIR_RATES) * 5


def test_attention_config_and_validation():
    assert c5.attention_config("sigmoid_b0").sigmoid_bias == 0.0
    assert c5.attention_config("sigmoid").attention_bias == pytest.approx(-np.log(32))
    with pytest.raises(ValueError, match="variant must be one of"):
        c5.attention_config("linear")


def test_attention_probe_on_a_model_with_uniform_attention():
    # zero query/key weights make softmax attention uniform over the causal prefix, so the
    # weight on the first token is 1/(t+1) at position t: a known answer for the probe
    config = c5.attention_config("softmax", context=8, d_model=8, n_heads=2)
    params = tf.init(jax.random.key(0), config)
    for block in params["blocks"]:
        block["attention"]["qkv"] = block["attention"]["qkv"].at[:, :16].set(0.0)
    tokens = jax.random.randint(jax.random.key(1), (3, 8), 0, config.vocab_size)
    probe = c5.attention_probe(params, tokens, config)
    expected = np.mean([1 / (t + 1) for t in range(1, 8)])
    assert float(probe["first_token"]) == pytest.approx(expected, rel=1e-5)
    assert float(probe["row_sum"]) == pytest.approx(1.0, rel=1e-6)
    assert probe["attention_norm"].shape == (config.n_layers,)


def test_attention_norm_is_the_norm_of_the_attention_output_the_model_adds():
    # a zero output projection makes block 1's attention output zero; doubling it doubles
    # block 1's norm (its input, the embeddings, does not change)
    config = c5.attention_config("gated", context=8, d_model=8, n_heads=2)
    params = tf.init(jax.random.key(0), config)
    tokens = jax.random.randint(jax.random.key(1), (3, 8), 0, config.vocab_size)
    norm = c5.attention_probe(params, tokens, config)["attention_norm"]
    attention = params["blocks"][0]["attention"]
    out = attention["out"]
    attention["out"] = 2 * out
    doubled = c5.attention_probe(params, tokens, config)["attention_norm"]
    attention["out"] = 0 * out
    zeroed = c5.attention_probe(params, tokens, config)["attention_norm"]
    assert float(norm[0]) > 0 and float(zeroed[0]) == 0.0
    assert float(doubled[0]) == pytest.approx(2 * float(norm[0]), rel=1e-5)


def test_pair_data_are_two_halves_of_each_digit():
    d = c5.pair_data()
    assert d["a_train"].shape == d["b_train"].shape == (d["a_train"].shape[0], 32)
    assert d["a_test"].shape[0] == d["b_test"].shape[0]
    assert d["a_val"].shape == d["b_val"].shape and 4 * d["a_val"].shape[0] <= d["a_train"].shape[0]


def test_pair_runs_see_the_same_number_of_pairs_at_every_batch_size():
    seen = {b * c5.pair_steps(b) for b in c5.PAIR_BATCHES}
    assert seen == {c5.PAIR_EXAMPLES}


def test_siglip_starts_at_the_prior_bias_of_its_batch():
    for name, expected in (("siglip", -np.log(15)), ("siglip_b10", -10.0), ("clip", 0.0)):
        task = c5.pair_task({"loss": name, "batch": 16})
        assert float(task.init(jax.random.key(0))["bias"]) == pytest.approx(expected)
    with pytest.raises(ValueError, match="loss must be one of"):
        c5.pair_task({"loss": "triplet", "batch": 16})


def test_family_tasks_compute_each_variants_init_and_loss():
    key = jax.random.key(0)
    for member, variant in enumerate(c5.ATTENTION_VARIANTS):
        alone, family = c5.attention_task({"variant": variant}), c5.attention_family_task(member)
        params, batch = family.init(key), alone.sample_batch(key)
        own = alone.init(key)
        for p, q in zip(params["blocks"], own["blocks"], strict=True):
            for name, w in q["attention"].items():
                np.testing.assert_allclose(p["attention"][name], w, rtol=1e-6)
        assert "gate" in params["blocks"][0]["attention"]  # every member carries the gate
        np.testing.assert_allclose(
            jax.jit(family.loss)(params, batch), jax.jit(alone.loss)(params, batch), rtol=1e-6
        )
    for member, name in enumerate(c5.PAIR_LOSSES):
        alone, family = c5.pair_task({"loss": name, "batch": 16}), c5.pair_family_task(member, 16)
        params, batch = family.init(key), alone.sample_batch(key)
        assert float(params["bias"]) == float(alone.init(key)["bias"])
        np.testing.assert_allclose(family.loss(params, batch), alone.loss(params, batch), rtol=1e-6)
