"""Where chapter 4's scans first fail, on inputs whose failure point is known."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from book.softmax_numerics import first_nonfinite, scan_report, two_logit_scan


def test_first_nonfinite_gives_the_position_of_the_first_inf_or_nan():
    positions = jnp.array([10.0, 20.0, 30.0, 40.0])
    assert first_nonfinite(jnp.array([1.0, 2.0, jnp.inf, jnp.nan]), positions) == 30.0
    assert first_nonfinite(jnp.array([jnp.nan, 2.0, 3.0, 4.0]), positions) == 10.0
    assert first_nonfinite(jnp.array([-jnp.inf, 0, 0, 0], jnp.float16), positions) == 10.0
    assert first_nonfinite(jnp.ones(4), positions) is None
    with pytest.raises(ValueError, match="as long"):
        first_nonfinite(jnp.ones(3), positions)


def test_naive_softmax_overflows_where_exp_leaves_float16():
    def naive(z):
        p = jnp.exp(z) / jnp.exp(z).sum(-1, keepdims=True)
        return -jnp.log(p[..., 1])

    def stable(z):
        return -jax.nn.log_softmax(z)[..., 1]

    scan = jnp.linspace(0.0, 20.0, 2001)
    equal, gap, ok = two_logit_scan(naive, stable, scan, {"float16": jnp.float16})
    # float16's largest value is 65504: the sum e^s + e^s overflows from s = ln(32752)
    assert equal["float16"] == pytest.approx(np.log(65504.0 / 2), abs=0.02)
    # with a gap g, e^-g rounds to 0 below half float16's smallest subnormal, 2^-25
    assert gap["float16"] == pytest.approx(25 * np.log(2), abs=0.02)
    assert ok == {"float16": True}
    report = scan_report(equal, gap, ok)
    assert report.startswith("float16   naive fails at equal logits s =  10.40")
    assert report.endswith("log_softmax always finite: True")


def test_two_logit_scan_and_its_report_check_their_arguments():
    with pytest.raises(TypeError, match="callables"):
        two_logit_scan(None, jnp.exp, jnp.ones(3), {"float32": jnp.float32})
    with pytest.raises(ValueError, match="scan"):
        two_logit_scan(jnp.exp, jnp.exp, jnp.ones((2, 2)), {"float32": jnp.float32})
    with pytest.raises(ValueError, match="dtypes"):
        two_logit_scan(jnp.exp, jnp.exp, jnp.ones(3), {})
    with pytest.raises(ValueError, match="same dtypes"):
        scan_report({"a": 1.0}, {"b": 1.0}, {"a": True})
