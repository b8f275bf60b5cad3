import jax.numpy as jnp
import numpy as np
import pytest

from book import ch5_explorers as x5


def test_reach_explorer_has_one_slider_over_the_biases():
    distance = np.arange(5)[::-1]
    fig = x5.reach_explorer(lambda b: jnp.ones(5) * b, distance, [0.0, 1.0])
    assert [s.name for s in fig.sliders] == ["forget_bias"]
    assert fig.sliders[0].values == (0.0, 1.0)
    with pytest.raises(ValueError, match="default must be one of biases"):
        x5.reach_explorer(lambda b: b, distance, [0.0, 2.0])
    with pytest.raises(TypeError, match="reach_at must be callable"):
        x5.reach_explorer(None, distance, [1.0])


def test_expert_load_explorer_checks_the_shape_of_the_loads():
    loads = np.ones((2, 3, 4, 2, 8))
    fig = x5.expert_load_explorer(loads, [0, 1, 2, 3], ["sigmoid", "sigmoid_bias"], [0, 1, 2])
    assert [s.name for s in fig.sliders] == ["variant", "seed"]
    with pytest.raises(ValueError, match="loads must be"):
        x5.expert_load_explorer(loads, [0, 1], ["sigmoid", "sigmoid_bias"], [0, 1, 2])


def test_attention_pattern_explorer_defaults_to_the_second_bias():
    fig = x5.attention_pattern_explorer(
        lambda k, b: jnp.eye(4), ["softmax", "sigmoid"], [-3.0, -2.0], 4
    )
    assert fig.sliders[1].values[fig.sliders[1].default_index] == -2.0
    assert "n = 4 keys" in fig.title
    with pytest.raises(ValueError, match="at least 2"):
        x5.attention_pattern_explorer(lambda k, b: b, ["sigmoid"], [0.0], 4)
