import jax
import jax.numpy as jnp
import pytest

from book.timing import best_time, xla_flops


def test_xla_counts_a_matrix_product_as_2mnk_flops():
    a, b = jnp.ones((8, 16)), jnp.ones((16, 4))
    assert xla_flops(jax.jit(jnp.matmul), a, b) == pytest.approx(2 * 8 * 16 * 4, rel=0.05)
    with pytest.raises(TypeError, match="jitted"):
        xla_flops(lambda x, y: x @ y, a, b)


def test_best_time_is_a_positive_duration():
    t = best_time(jax.jit(jnp.sin), jnp.ones(100), repeats=2)
    assert 0 < t < 10
    with pytest.raises(ValueError, match="repeats"):
        best_time(jnp.sin, jnp.ones(3), repeats=0)
