"""The build helpers in _ext/: accessible bibliography roles, the execution-cache guard."""

from __future__ import annotations

import copy

import nbformat
import pytest
from accessible_bibliography import listitem_roles
from cache_guard import inputs_fingerprint, remove_broken_entries, reset_if_inputs_changed
from docutils.core import publish_parts
from exact_streams import join_streams
from exact_streams import setup as setup_exact_streams
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


def _course(tmp_path):
    root = tmp_path / "course"
    (root / "book" / "sub").mkdir(parents=True)
    (root / "results").mkdir()
    (root / "book" / "sub" / "code.py").write_text("x = 1\n")
    (root / "results" / "run.jsonl").write_text("{}\n")
    (root / "requirements.txt").write_text("jax==0.10.2\n")
    (root / "notes.md").write_text("not an input\n")
    return root


@pytest.mark.parametrize(
    "edit",
    ["book/sub/code.py", "results/run.jsonl", "requirements.txt", "results/new.json"],
)
def test_the_cache_is_emptied_when_the_code_results_or_lock_change(tmp_path, edit):
    root, cache = _course(tmp_path), tmp_path / "cache"
    cache.mkdir()
    (cache / "global.db").write_text("old entries")
    assert reset_if_inputs_changed(cache, root)  # no fingerprint yet: not trusted
    (cache / "global.db").write_text("entries made with these inputs")
    assert not reset_if_inputs_changed(cache, root)
    (root / "notes.md").write_text("edited, but not an input\n")
    assert not reset_if_inputs_changed(cache, root)
    assert (cache / "global.db").exists()
    (root / edit).write_text("changed\n")
    assert reset_if_inputs_changed(cache, root)
    assert not (cache / "global.db").exists()
    assert (cache / "inputs.sha256").read_text().strip() == inputs_fingerprint(root)
    with pytest.raises(ValueError, match="folder"):
        inputs_fingerprint(root / "missing")


def test_after_emptying_the_cache_sphinx_rereads_every_notebook():
    from types import SimpleNamespace

    from cache_guard import _reread_notebooks

    env = SimpleNamespace(
        found_docs={"intro", "notebooks/a", "appendices/b"},
        doc2path=lambda d: {"intro": "intro.md"}.get(d, f"{d}.ipynb"),
    )
    changed = SimpleNamespace(course_inputs_changed=True)
    same = SimpleNamespace(course_inputs_changed=False)
    assert _reread_notebooks(changed, env, set(), set(), set()) == ["appendices/b", "notebooks/a"]
    assert _reread_notebooks(same, env, set(), set(), set()) == []


def _stream(text, name="stdout"):
    return nbformat.v4.new_output("stream", name=name, text=text)


def test_printed_text_renders_the_same_however_the_kernel_split_it():
    import myst_nb.core.render as render

    whole = [_stream("parameter shapes: [(3, 16)]\n")]
    split = [_stream("parameter shapes:"), _stream(" [(3, 16)]\n")]
    before = render.coalesce_streams
    assert before(copy.deepcopy(split)) != before(copy.deepcopy(whole))  # myst-nb alone
    setup_exact_streams(None)
    try:
        merged = render.coalesce_streams(copy.deepcopy(split))
        assert merged == render.coalesce_streams(copy.deepcopy(whole))
        assert merged[0]["text"] == "parameter shapes: [(3, 16)]\n"
        setup_exact_streams(None)  # a second setup (another build) wraps nothing twice
        assert render.coalesce_streams(split)[0]["text"] == "parameter shapes: [(3, 16)]\n"
    finally:
        render.coalesce_streams = before


def test_join_streams_keeps_other_outputs_and_each_stream_apart():
    image = nbformat.v4.new_output("display_data", data={"text/plain": "<fig>"})
    outputs = [_stream("a"), image, _stream("warn", "stderr"), _stream("b\n")]
    joined = join_streams(outputs)
    assert [o.get("text") for o in joined] == ["ab\n", None, "warn"]
    assert outputs[0]["text"] == "a"  # the given outputs are not modified
