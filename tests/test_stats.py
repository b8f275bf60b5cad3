import pytest

from book.stats import mean_ci


def test_mean_ci_matches_the_t_interval():
    mean, half = mean_ci([1.0, 2.0, 3.0, 4.0])
    assert mean == 2.5
    # t(0.975, 3) = 3.182446; sd = 1.290994; n = 4
    assert abs(half - 3.182446 * 1.290994 / 2) < 1e-4
    with pytest.raises(ValueError, match="at least 2"):
        mean_ci([1.0])
    with pytest.raises(ValueError, match="finite"):
        mean_ci([1.0, float("nan")])
    with pytest.raises(ValueError, match="level"):
        mean_ci([1.0, 2.0], level=1.5)
