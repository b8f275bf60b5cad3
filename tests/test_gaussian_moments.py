"""Tests of book.gaussian_moments: means and variances of f(Z), Z ~ N(0, 1)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from book import gaussian_moments


def test_quadrature_matches_closed_forms():
    mean, var = gaussian_moments.quadrature(lambda x: x)
    assert mean == pytest.approx(0.0, abs=1e-12) and var == pytest.approx(1.0, rel=1e-10)
    mean, var = gaussian_moments.quadrature(lambda x: np.maximum(x, 0.0))  # ReLU
    assert mean == pytest.approx(1 / np.sqrt(2 * np.pi), rel=1e-10)
    assert var == pytest.approx(0.5 - 1 / (2 * np.pi), rel=1e-10)
    with pytest.raises(TypeError, match="f must be"):
        gaussian_moments.quadrature(3.0)


def test_trapezoid_matches_closed_forms_on_jax_functions():
    mean, var = gaussian_moments.trapezoid(lambda x: x)
    assert mean == 0.0 and var == pytest.approx(1.0, abs=1e-4)  # odd: the residue is zeroed
    mean, var = gaussian_moments.trapezoid(jax.nn.relu)
    assert mean == pytest.approx(1 / np.sqrt(2 * np.pi), abs=1e-4)
    assert var == pytest.approx(0.5 - 1 / (2 * np.pi), abs=1e-4)
    assert gaussian_moments.trapezoid(jax.nn.sigmoid)[0] == pytest.approx(0.5, abs=1e-5)
    assert gaussian_moments.trapezoid(jnp.ones_like, points=11)[1] == pytest.approx(0, abs=1e-6)
    with pytest.raises(ValueError, match="points"):
        gaussian_moments.trapezoid(jnp.tanh, points=2)
    with pytest.raises(ValueError, match="half_width"):
        gaussian_moments.trapezoid(jnp.tanh, half_width=-1.0)


def test_print_moments_shows_the_three_methods(capsys):
    gaussian_moments.print_moments({"relu": (0.4, 0.25, 0.41, 0.26)}, {"relu": (0.39, 0.24)})
    out = capsys.readouterr().out.split()
    assert out == [
        "ReLU", "mean", "0.40000", "(MC", "0.41000,", "quad", "0.39000)", "var", "0.2500",
        "(MC", "0.2600,", "quad", "0.2400)", "mean/std", "0.80",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="reference lacks"):
        gaussian_moments.print_moments({"relu": (0.4, 0.25, 0.4, 0.25)}, {})
    with pytest.raises(TypeError, match="moments"):
        gaussian_moments.print_moments({}, {})
