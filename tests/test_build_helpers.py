"""The build helpers in _ext/: accessible bibliography roles, the execution-cache guard."""

from __future__ import annotations

import nbformat
import pytest
from accessible_bibliography import listitem_roles
from cache_guard import remove_broken_entries
from docutils.core import publish_parts
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn


def _bibliography_html() -> str:
    source = "text [X]_\n\n.. [X] one\n.. [Y] two\n"
    return publish_parts(source, writer_name="html5")["body"]


def test_bibliography_entries_become_list_items():
    html = _bibliography_html()
    assert html.count('role="doc-biblioentry"') == 2  # what docutils writes
    fixed = listitem_roles(html)
    assert "doc-biblioentry" not in fixed
    assert fixed.count('role="listitem"') == 2
    assert '<div role="list" class="citation-list">' in fixed
    assert fixed.replace('role="listitem"', 'role="doc-biblioentry"') == html


def test_other_markup_is_left_alone():
    text = '<p role="doc-biblioentry">prose</p><div class="citations" role="doc-biblioentry">'
    assert listitem_roles(text) == text
    with pytest.raises(TypeError, match="html"):
        listitem_roles(None)


def _cache_with_two_notebooks(tmp_path):
    cache = get_cache(str(tmp_path / "cache"))
    uris = []
    for name in ("a", "b"):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"print('{name}')")])
        path = tmp_path / f"{name}.ipynb"
        nbformat.write(nb, path)
        cache.cache_notebook_bundle(CacheBundleIn(nb, str(path)), check_validity=False)
        uris.append(str(path))
    return cache, uris


@pytest.mark.parametrize("damage", ["truncate", "delete"])
def test_half_written_cache_entries_are_removed(tmp_path, damage):
    cache, (uri_a, uri_b) = _cache_with_two_notebooks(tmp_path)
    record = next(r for r in cache.list_cache_records() if r.uri == uri_a)
    entry = cache._get_notebook_path_cache(record.hashkey)
    if damage == "truncate":
        entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
    else:
        entry.unlink()
    assert remove_broken_entries(tmp_path / "cache") == [uri_a]
    assert [r.uri for r in get_cache(str(tmp_path / "cache")).list_cache_records()] == [uri_b]


def test_an_intact_or_missing_cache_is_left_alone(tmp_path):
    _cache_with_two_notebooks(tmp_path)
    assert remove_broken_entries(tmp_path / "cache") == []
    assert remove_broken_entries(tmp_path / "nowhere") == []
    with pytest.raises(TypeError, match="cache_path"):
        remove_broken_entries(3)
