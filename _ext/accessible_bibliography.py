"""Sphinx extension: give the bibliography ARIA roles that WCAG checkers accept.

docutils' HTML5 writer wraps each run of citations (sphinxcontrib-bibtex's
bibliography entries) in ``<div role="list" class="citation-list">`` and marks every
entry ``role="doc-biblioentry"``. ARIA 1.2 deprecates ``doc-biblioentry``
(axe-core: ``aria-deprecated-role``), and a ``list`` whose children are not
``listitem`` elements fails ``aria-required-children``. Giving each entry the role
``listitem`` fixes both: the entries are a list of items, as screen readers announce
them, and the page's visible markup is unchanged.
Listed in ``_config.yml`` under ``sphinx.local_extensions``.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["setup", "listitem_roles"]

# The exact attribute docutils writes on a citation's <div> (see visit_citation).
_ENTRY = re.compile(r'(<div\b[^>]*\bclass="citation(?: [^"]*)?"[^>]*\brole=)"doc-biblioentry"')


def listitem_roles(html: str) -> str:
    """Return ``html`` with every bibliography entry's role set to ``listitem``.

    Only ``<div class="citation" ... role="doc-biblioentry">`` is rewritten; other
    markup, including a ``doc-biblioentry`` in running text, is left alone.
    """
    if not isinstance(html, str):
        raise TypeError(f"html must be a str, got {type(html).__name__}")
    return _ENTRY.sub(r'\1"listitem"', html)


def rewrite_bibliography_roles(app, pagename, templatename, context, doctree) -> None:
    """Rewrite the page body's citation roles (html-page-context hook)."""
    body = context.get("body")
    if isinstance(body, str) and "doc-biblioentry" in body:
        context["body"] = listitem_roles(body)


def setup(app) -> dict[str, Any]:
    """Register the hook; returns the extension's metadata."""
    app.connect("html-page-context", rewrite_bibliography_roles)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
