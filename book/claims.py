"""Checked claims: every sentence of the book that states a result calls ``claim``.

A claim that holds prints one line (a tick, the statement, the evidence); one that
does not raises :class:`ClaimFailed`, which fails the notebook cell, so nbval and
the book build fail with it. The claims ledger appendix is generated from these
printed lines (see :mod:`book.ledger`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ClaimFailed", "claim", "TICK", "format_claim"]

TICK = "\u2714"


class ClaimFailed(AssertionError):
    """Raised by :func:`claim` when the stated result does not hold."""


def format_claim(statement: str, evidence: str) -> str:
    """Return the one-line form of a verified claim, as printed and parsed by the ledger."""
    return f"{TICK} {statement} (evidence: {evidence})"


def claim(statement: str, holds: object, evidence: str) -> None:
    """Check a stated result and print it, or fail loudly.

    ``holds`` is the executed check (a Python, NumPy or JAX boolean scalar);
    ``evidence`` is the measured value that backs it, formatted at stable precision.
    Prints ``"✔ statement (evidence: ...)"`` and returns ``None`` when it holds;
    raises :class:`ClaimFailed` naming the statement and evidence when it does not.
    """
    if not isinstance(statement, str) or not statement.strip():
        raise TypeError("statement must be a non-empty str")
    if not isinstance(evidence, str) or not evidence.strip():
        raise TypeError("evidence must be a non-empty str (the measured value)")
    if "\n" in statement or "\n" in evidence:
        raise ValueError("statement and evidence must each fit on one line")
    value = np.asarray(holds)
    if value.shape != () or value.dtype != np.bool_:
        raise TypeError(
            f"holds must be a boolean scalar (the executed check), got {value.dtype}{value.shape}"
        )
    if not bool(value):
        raise ClaimFailed(f"claim does not hold: {statement} (evidence: {evidence})")
    print(format_claim(statement, evidence))
