"""Sphinx extension: write the claims ledger page before the book is read.

``appendices/claims_ledger.md`` is generated from the claims printed in the stored
outputs of ``notebooks/*.ipynb`` (``book.ledger``), never committed. ``make book``
writes it first; this hook writes it too, so a bare ``jupyter-book build .`` on a fresh
clone works, or stops with a message that says to run ``make book``.
Listed in ``_config.yml`` under ``sphinx.local_extensions``.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.errors import ExtensionError

__all__ = ["setup", "write_ledger_page"]

PAGE = Path("appendices") / "claims_ledger.md"


def write_ledger_page(root: Path) -> bool:
    """Write the ledger page under ``root`` if its text changed; return whether it did.

    Raises ExtensionError (saying to run ``make book``) when it cannot be generated.
    """
    try:
        from book.ledger import claims_in_notebook, render_ledger
    except ImportError as err:  # the course package is not installed
        raise ExtensionError(
            f"cannot generate {PAGE} ({err}); run `make book`, which installs the course "
            "environment and writes it"
        ) from err
    notebooks = sorted((root / "notebooks").glob("*.ipynb"))
    if not notebooks:
        raise ExtensionError(f"no notebooks under {root / 'notebooks'}; run `make book`")
    text = render_ledger([e for nb in notebooks for e in claims_in_notebook(nb)])
    out = root / PAGE
    if out.exists() and out.read_text(encoding="utf-8") == text:
        return False
    out.write_text(text, encoding="utf-8")
    return True


def _on_config_inited(app, config) -> None:
    write_ledger_page(Path(app.srcdir))


def setup(app) -> dict:
    """Register the hook; returns the extension's metadata."""
    app.connect("config-inited", _on_config_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
