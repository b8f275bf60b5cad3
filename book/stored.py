"""Where the stored results live: the sweeps and benchmarks that chapters 3 and 5 read.

In a checkout of the repository they are the files in its ``results/`` folder, which
``make sweep`` writes. After ``pip install`` from the repository (Colab, Binder, a plain
install) they are the copy shipped inside the package as ``book.stored_results``, so a
notebook finds them wherever it runs.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["results_dir", "result_file"]

_ROOT = Path(__file__).resolve().parents[1]
# where pip puts results/ (pyproject.toml maps it to the package book.stored_results)
_INSTALLED = Path(__file__).resolve().parent / "stored_results"


def results_dir() -> Path:
    """Return the folder of stored results: the checkout's ``results/`` when this package
    is imported from a checkout, else the installed copy (``book.stored_results``)."""
    if (_ROOT / "pyproject.toml").is_file() and (_ROOT / "results").is_dir():
        return _ROOT / "results"
    if not _INSTALLED.is_dir():
        raise FileNotFoundError(
            "no stored results: neither a checkout's results/ folder nor the installed "
            f"{_INSTALLED} was found; reinstall the course from its repository"
        )
    return _INSTALLED


def result_file(name: str) -> Path:
    """Return the path of the stored results file ``name`` (e.g. ``"ch5_moe.jsonl"``).

    Raises ``TypeError`` when ``name`` is not a string and ``ValueError`` when it is not a
    plain file name or no such file is stored (the message lists those that are).
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a file name (str), got {type(name).__name__}")
    if not name or Path(name).name != name:
        raise ValueError(f"name must be a plain file name such as 'ch5_moe.jsonl', got {name!r}")
    folder = results_dir()
    path = folder / name
    if not path.is_file():
        stored = sorted(p.name for p in folder.iterdir() if p.suffix in (".json", ".jsonl"))
        raise ValueError(f"no stored results file {name!r}; stored: {', '.join(stored)}")
    return path
