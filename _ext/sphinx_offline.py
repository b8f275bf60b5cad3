"""Sphinx extension: keep the built book self-contained and free of console errors.

Jupyter Book 1.x always loads ``sphinx_thebe``, which adds an inline script declaring
``const THEBE_JS_URL = "https://unpkg.com/..."`` once per read phase (so twice on a
page when notebooks are executed during the build: a console error, "Identifier
'THEBE_JS_URL' has already been declared") and ``sphinx-thebe.js``, which fetches
thebe from that other host when asked. The course does not use thebe (launch buttons
open Binder or Colab instead), so this extension removes both from every page.
Listed in ``_config.yml`` under ``sphinx.extra_extensions``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["setup", "remove_thebe_scripts"]


def _is_thebe(script: Any) -> bool:
    body = getattr(script, "attributes", {}).get("body", "") or ""
    filename = getattr(script, "filename", None) or str(script)
    return "THEBE_JS_URL" in body or filename.endswith("sphinx-thebe.js")


def remove_thebe_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop thebe's scripts from the page's ``script_files`` (html-page-context hook)."""
    scripts = context.get("script_files")
    if scripts:
        scripts[:] = [s for s in scripts if not _is_thebe(s)]


def setup(app) -> dict:
    """Register the hook; returns the extension's metadata."""
    app.connect("html-page-context", remove_thebe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
