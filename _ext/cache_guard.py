"""Sphinx extension: keep the notebook execution cache honest.

jupyter-cache keys a notebook by its code cells (and kernel) only, so after an edit to
``book/``, to the committed ``results/`` or to the lock it would serve outputs computed
with the old code. At the start of each build this extension fingerprints those inputs
(:func:`inputs_fingerprint`) and empties the cache when the fingerprint differs from
the one stored beside it, so every notebook executes again (tested).

It also drops half-written entries.
jupyter-cache records an executed notebook in its database *before* it writes the
notebook file, so a build killed at that moment leaves a record whose file is missing
or truncated. myst-nb would then match the record on the next build and fail reading
it, and every later build with it. At the start of each build this extension checks
that every record's notebook file exists and parses, and removes the records that do
not, so those notebooks simply execute again. ``.ci/interrupted_build.py`` checks it.
Listed in ``_config.yml`` under ``sphinx.local_extensions``.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import nbformat
from sphinx.util import logging

__all__ = ["setup", "remove_broken_entries", "inputs_fingerprint", "reset_if_inputs_changed"]

# What the notebooks execute besides their own cells: the course package, the results
# they read, and the environment.
INPUTS = ("book/**/*.py", "results/*", "requirements.txt", "pyproject.toml")
FINGERPRINT_FILE = "inputs.sha256"

LOGGER = logging.getLogger(__name__)


def remove_broken_entries(cache_path: str | Path) -> list[str]:
    """Remove cache records whose notebook file is missing or unreadable.

    Returns the URIs (notebook paths) of the removed records; a missing cache folder
    means nothing to check and returns an empty list.
    """
    if not isinstance(cache_path, str | Path):
        raise TypeError(f"cache_path must be a str or Path, got {type(cache_path).__name__}")
    if not Path(cache_path, "global.db").exists():
        return []
    from jupyter_cache import get_cache
    from jupyter_cache.cache.db import NbCacheRecord

    cache = get_cache(str(cache_path))
    removed = []
    for record in cache.list_cache_records():
        path = cache._get_notebook_path_cache(record.hashkey)
        try:
            nbformat.read(path, as_version=4)
        except Exception:  # missing, truncated or not JSON: the entry is unusable
            if path.parent.exists():
                shutil.rmtree(path.parent)
            NbCacheRecord.remove_records([record.pk], cache.db)
            removed.append(record.uri)
    return removed


def inputs_fingerprint(root: str | Path) -> str:
    """Return a SHA-256 over the paths and contents of the files of ``root`` matching
    :data:`INPUTS` (the notebooks' inputs besides their own cells)."""
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"root must be a folder, got {root}")
    digest = hashlib.sha256()
    files = sorted({p for pattern in INPUTS for p in root.glob(pattern) if p.is_file()})
    for path in files:
        if "__pycache__" in path.parts:
            continue
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def reset_if_inputs_changed(cache_path: str | Path, root: str | Path) -> bool:
    """Empty the execution cache at ``cache_path`` if the inputs under ``root`` changed
    since it was filled (or if it holds no fingerprint), then record the fingerprint.

    Returns whether the cache was emptied.
    """
    cache_path, current = Path(cache_path), inputs_fingerprint(root)
    stamp = cache_path / FINGERPRINT_FILE
    stored = stamp.read_text().strip() if stamp.exists() else None
    emptied = False
    if stored != current and cache_path.exists() and any(cache_path.iterdir()):
        shutil.rmtree(cache_path)
        emptied = True
    cache_path.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current + "\n")
    return emptied


def _check_cache(app) -> None:
    config = getattr(app.env, "mystnb_config", None)
    cache_path = getattr(config, "execution_cache_path", None)
    if cache_path:
        app.course_inputs_changed = reset_if_inputs_changed(cache_path, app.srcdir)
        if app.course_inputs_changed:
            LOGGER.info("book/, results/ or the lock changed: the execution cache was emptied")
        for uri in remove_broken_entries(cache_path):
            LOGGER.info(f"removed a half-written execution cache entry of {uri}")


def _reread_notebooks(app, env, added, changed, removed) -> list[str]:
    """After the cache was emptied, Sphinx must read every notebook again too: its own
    saved environment would otherwise keep the old outputs of unchanged notebooks."""
    if not getattr(app, "course_inputs_changed", False):
        return []
    return sorted(d for d in env.found_docs if str(env.doc2path(d)).endswith(".ipynb"))


def setup(app) -> dict[str, Any]:
    """Register the check after myst-nb has set the cache path; returns the metadata."""
    app.connect("builder-inited", _check_cache, priority=900)
    app.connect("env-get-outdated", _reread_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
