"""Sphinx extension: write the claims ledger and verdict pages before the book is read.

``appendices/claims_ledger.md`` and ``verdict.md`` are generated from the claims printed
in the stored outputs of ``notebooks/*.ipynb`` (``book.ledger``, ``book.verdict``), never
committed. ``make book``
writes it first; this hook writes it too, so a bare ``jupyter-book build .`` on a fresh
clone works, or stops with a message that says to run ``make book``.
Listed in ``_config.yml`` under ``sphinx.local_extensions``.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.errors import ExtensionError

__all__ = ["setup", "write_ledger_page"]

PAGE = Path("appendices") / "claims_ledger.md"
VERDICT = Path("verdict.md")


def write_ledger_page(root: Path, arguments=None) -> bool:
    """Write the ledger and verdict pages under ``root`` where their text changed; return
    whether either did. ``arguments`` are the verdict page's rows (default: the book's).

    Raises ExtensionError (saying to run ``make book``) when it cannot be generated.
    """
    try:
        from book.ledger import book_claims, render_ledger
        from book.verdict import ARGUMENTS, render_verdict
    except ImportError as err:  # the course package is not installed
        raise ExtensionError(
            f"cannot generate {PAGE} ({err}); run `make book`, which installs the course "
            "environment and writes it"
        ) from err
    try:
        entries = book_claims(root)
    except FileNotFoundError as err:
        raise ExtensionError(f"{err}; run `make book`") from err
    try:
        pages = {
            PAGE: render_ledger(entries),
            VERDICT: render_verdict(entries, arguments or ARGUMENTS),
        }
    except LookupError as err:  # a claim the verdict page cites is gone
        raise ExtensionError(str(err)) from err
    changed = False
    for page, text in pages.items():
        out = root / page
        if not (out.exists() and out.read_text(encoding="utf-8") == text):
            out.write_text(text, encoding="utf-8")
            changed = True
    return changed


def _on_config_inited(app, config) -> None:
    write_ledger_page(Path(app.srcdir))


def setup(app) -> dict:
    """Register the hook; returns the extension's metadata."""
    app.connect("config-inited", _on_config_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
