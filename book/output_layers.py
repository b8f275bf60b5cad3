"""Output layers compared: softmax cross-entropy vs one-vs-rest sigmoid (chapter 4).

The losses and metrics live in :mod:`book.losses`; this module keeps chapter 4's
import path (``from book import output_layers as out``) working.
"""

from __future__ import annotations

from book.losses import (
    LN2,
    bits_per_symbol,
    expected_calibration_error,
    one_vs_rest_bce,
    reliability,
    renormalised_sigmoid_log_probs,
    softmax_cross_entropy,
)

__all__ = [
    "softmax_cross_entropy",
    "one_vs_rest_bce",
    "renormalised_sigmoid_log_probs",
    "bits_per_symbol",
    "reliability",
    "expected_calibration_error",
    "LN2",
]
