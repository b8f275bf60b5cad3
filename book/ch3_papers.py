"""Published results that chapter 3 compares its own runs with, as printed in the papers.

``GLOROT``: Glorot & Bengio (2010), Table 1, test error (%) of five-layer MLPs as
(Shapeset, MNIST) per (activation, init), init ``"glorot"`` being their normalised
init. ``NARANG``: Narang et al. (2021), Table 1, (early loss at 65,536 steps, final loss
at 524,288 steps) per FFN variant. ``SHAZEER``: Shazeer (2020), log-perplexity at 65,536
steps. Chapter 3 ("Stored results") explains how they are compared.
"""

from __future__ import annotations

__all__ = ["GLOROT", "NARANG", "NARANG_ELU_SELU_FINAL", "NARANG_SELU", "SHAZEER"]

GLOROT = {  # Glorot & Bengio 2010, Table 1: (Shapeset, MNIST) test error %
    ("softsign", "standard"): (16.27, 1.64),
    ("softsign", "glorot"): (16.06, 1.72),
    ("tanh", "standard"): (27.15, 1.76),
    ("tanh", "glorot"): (15.60, 1.64),
    ("sigmoid", "standard"): (82.61, 2.21),
}
# Narang et al. 2021, Table 1: (early loss at 65,536 steps, final loss at 524,288)
NARANG = {
    "relu": (2.182, 1.838),
    "gelu": (2.179, 1.838),
    "silu": (2.186, 1.847),
    "sigmoid": (2.291, 1.867),
    "glu": (2.174, 1.814),
    "geglu": (2.130, 1.792),
    "reglu": (2.145, 1.803),
    "swiglu": (2.127, 1.789),
    "bilinear": (2.149, 1.798),  # Narang's LiGLU (linear gate)
}
NARANG_ELU_SELU_FINAL = (1.932, 1.948)  # the two rows behind sigmoid's final loss
NARANG_SELU = 2.315  # SeLU's early loss: the one row worse than sigmoid's
SHAZEER = {  # Shazeer 2020: log-perplexity at 65,536 steps
    "relu": 1.997,
    "gelu": 1.983,
    "silu": 1.994,
    "glu": 1.982,
    "bilinear": 1.960,
    "geglu": 1.942,
    "reglu": 1.953,
    "swiglu": 1.944,
}
