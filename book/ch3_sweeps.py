"""Chapter 3's stored sweeps: each results file read and checked against its definition.

The sweeps themselves are defined in :mod:`book.ch3_experiments` and listed by name in
:mod:`book.experiments`; their stored results files are found by :mod:`book.stored`.
"""

from __future__ import annotations

from book import experiments, store
from book.stored import result_file

__all__ = ["read_sweep"]


def read_sweep(name: str) -> dict:
    """Return the stored results file of the sweep ``name`` (``{"runs": [...], ...}``),
    checked against its definition in :mod:`book.experiments` (chapter 3).

    Raises TypeError when ``name`` is not a string and ValueError when no experiment of
    that name is defined.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a sweep's name, got {name!r}")
    return store.read_results(result_file(f"{name}.jsonl"), experiments.get(name))
