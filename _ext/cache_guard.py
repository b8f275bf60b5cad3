"""Sphinx extension: drop half-written entries from the notebook execution cache.

jupyter-cache records an executed notebook in its database *before* it writes the
notebook file, so a build killed at that moment leaves a record whose file is missing
or truncated. myst-nb would then match the record on the next build and fail reading
it, and every later build with it. At the start of each build this extension checks
that every record's notebook file exists and parses, and removes the records that do
not, so those notebooks simply execute again. ``.ci/interrupted_build.py`` checks it.
Listed in ``_config.yml`` under ``sphinx.local_extensions``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import nbformat
from sphinx.util import logging

__all__ = ["setup", "remove_broken_entries"]

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


def _check_cache(app) -> None:
    config = getattr(app.env, "mystnb_config", None)
    cache_path = getattr(config, "execution_cache_path", None)
    if cache_path:
        for uri in remove_broken_entries(cache_path):
            LOGGER.info(f"removed a half-written execution cache entry of {uri}")


def setup(app) -> dict[str, Any]:
    """Register the check after myst-nb has set the cache path; returns the metadata."""
    app.connect("builder-inited", _check_cache, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
