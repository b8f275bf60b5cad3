"""A killed build's pages without a search index are written again (_ext/search_index_guard)."""

from __future__ import annotations

import search_index_guard as guard


def _site(tmp_path, index: str | None):
    (tmp_path / "notebooks").mkdir()
    for name in ("intro.html", "notebooks/01.html"):
        (tmp_path / name).write_text("<html></html>")
    if index is not None:
        (tmp_path / "searchindex.js").write_text(index)
    return tmp_path


def test_pages_without_an_index_are_deleted(tmp_path):
    site = _site(tmp_path, None)
    assert guard.drop_pages_without_index(site) == 2
    assert not list(site.rglob("*.html"))


def test_a_half_written_index_counts_as_missing(tmp_path):
    site = _site(tmp_path, 'Search.setIndex({"docnames":["intro"')  # cut mid-write
    assert not guard.index_loads(site)
    assert guard.drop_pages_without_index(site) == 2


def test_a_whole_index_keeps_the_pages(tmp_path):
    index = 'Search.setIndex({"docnames":["intro"],"envversion":{"sphinx":61}})'
    site = _site(tmp_path, index)
    assert guard.index_loads(site) and guard.index_loads(site, {"sphinx": 61})
    assert guard.drop_pages_without_index(site, {"sphinx": 61}) == 0
    assert len(list(site.rglob("*.html"))) == 2
    assert not guard.index_loads(site, {"sphinx": 62})  # another Sphinx: rebuild all
