"""Argument checks shared by the public functions of ``book/``."""

from __future__ import annotations

__all__ = ["check_positive_ints"]


def check_positive_ints(**values: object) -> None:
    """Raise ValueError naming the first of ``values`` (``name=value``) that is not a
    positive int; a bool is not accepted as an int here. Returns None."""
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
