"""Sphinx extension: a build killed while it writes pages leaves some pages but no
search index (Sphinx writes ``searchindex.js`` last).

The next build then rewrites only the pages it sees as outdated, cannot load the index
to keep the others' entries, and warns that "the index will be incomplete": with
warnings as errors the book never builds again. At the start of an HTML build this
extension checks that the index loads; when it does not and pages exist, it deletes the
pages, so every page is written again and the index is whole. ``.ci/interrupted_build.py``
kills builds; ``tests/test_search_index_guard.py`` tests this. Listed in ``_config.yml``
under ``sphinx.local_extensions``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.search import js_index
from sphinx.util import logging

__all__ = ["setup", "index_loads", "drop_pages_without_index"]

LOGGER = logging.getLogger(__name__)


def index_loads(outdir: str | Path, envversion: object = None) -> bool:
    """Return whether ``outdir/searchindex.js`` exists and loads as Sphinx would load it
    (a JavaScript index holding ``docnames``, of environment version ``envversion`` when
    given)."""
    try:
        with open(Path(outdir) / "searchindex.js", encoding="utf-8") as f:
            frozen = js_index.load(f)
    except (OSError, ValueError):
        return False
    if not isinstance(frozen, dict) or "docnames" not in frozen:
        return False
    return envversion is None or frozen.get("envversion") == envversion


def drop_pages_without_index(outdir: str | Path, envversion: object = None) -> int:
    """Delete the HTML pages of ``outdir`` when its search index does not load; return how
    many were deleted (0 when the index loads or there are no pages)."""
    if index_loads(outdir, envversion):
        return 0
    pages = list(Path(outdir).rglob("*.html"))
    for page in pages:
        page.unlink()
    return len(pages)


def _check(app) -> None:
    if app.builder.format != "html":
        return
    n = drop_pages_without_index(app.outdir, app.env.version if app.env else None)
    if n:
        LOGGER.info(
            f"search index missing or unreadable (an interrupted build?): {n} pages will "
            "be written again"
        )


def setup(app) -> dict[str, Any]:
    """Register the check at the start of the build; returns the metadata."""
    app.connect("builder-inited", _check)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
