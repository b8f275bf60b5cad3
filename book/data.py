"""Bundled data only: nothing is downloaded at build or test time.

Chapter 1 trains on scikit-learn's handwritten digits (1,797 8x8 images, shipped
inside the scikit-learn package).
"""

from __future__ import annotations

import numpy as np

__all__ = ["load_digits_split"]


def load_digits_split(test_fraction: float = 0.25, seed: int = 0) -> dict[str, np.ndarray]:
    """Return the digits data standardised with training statistics, split by ``seed``.

    Keys ``x_train, y_train, x_test, y_test``; inputs are float32 of shape (n, 64),
    labels int32 in 0..9.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    if not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = int(round(test_fraction * len(y)))
    test, train = order[:n_test], order[n_test:]
    mean = x[train].mean(0)
    std = x[train].std(0)
    std = np.where(std > 0, std, 1.0)  # pixels that are always blank stay 0
    scale = lambda a: ((a - mean) / std).astype(np.float32)  # noqa: E731
    return {
        "x_train": scale(x[train]),
        "y_train": y[train].astype(np.int32),
        "x_test": scale(x[test]),
        "y_test": y[test].astype(np.int32),
    }
