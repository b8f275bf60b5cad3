"""The build's execution is compared with the stored outputs as nbval compares them."""

import inspect

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from nbval.plugin import IPyNbFile

from tests.stored_outputs import (
    SKIP_COMPARE,
    build_execution,
    compare_notebooks,
    sanitize_patterns,
)
from tests.test_explore import _figure

PATTERNS = sanitize_patterns()


def _nb(*cells):
    return new_notebook(cells=[new_markdown_cell("# A page"), *cells])


def _cell(source, *outputs, **kwargs):
    return new_code_cell(source, execution_count=1, outputs=list(outputs), **kwargs)


def _out(text, name="stdout"):
    return new_output("stream", name=name, text=text)


def _html(html):
    return new_output("display_data", data={"text/html": html, "text/plain": "<figure>"})


def test_identical_outputs_match_and_a_changed_number_is_named():
    stored = _nb(_cell("print(1)", _out("loss 0.25\n")), _cell("x = 2"))
    same = _nb(_cell("print(1)", _out("loss 0.25\n")), _cell("x = 2"))
    other = _nb(_cell("print(1)", _out("loss 0.26\n")), _cell("x = 2"))
    assert compare_notebooks(stored, same, PATTERNS) == []
    (failure,) = compare_notebooks(stored, other, PATTERNS)
    assert failure.startswith("cell 0 (print(1)): outputs differ")
    assert "-loss 0.25" in failure and "+loss 0.26" in failure


def test_streams_split_differently_are_coalesced_as_nbval_does():
    stored = _nb(_cell("f()", _out("a\nb\n")))
    split = _nb(_cell("f()", _out("a\n"), _out("b\n")))
    assert compare_notebooks(stored, split, PATTERNS) == []


def test_the_sanitising_file_applies_and_missing_outputs_fail():
    stored = _nb(_cell("t()", _out("1.23 ms per call at 0x7f00aa11bb22\n")))
    timed = _nb(_cell("t()", _out("4.56 ms per call at 0x7f00cc33dd44\n")))
    assert compare_notebooks(stored, timed, PATTERNS) == []
    silent = _nb(_cell("t()"))
    (failure,) = compare_notebooks(stored, silent, PATTERNS)
    assert "Missing output fields from running code: {'stdout'}" in failure


def test_nbval_markers_skip_or_ignore_a_cell():
    stored = _nb(
        _cell("# NBVAL_IGNORE_OUTPUT\nprint(r())", _out("0.1\n")),
        _cell("print(r())", _out("0.1\n"), metadata={"tags": ["nbval-skip"]}),
        _cell("print(2)", _out("2\n")),
    )
    run = _nb(
        _cell("# NBVAL_IGNORE_OUTPUT\nprint(r())", _out("0.9\n")),
        _cell("print(r())", _out("0.9\n"), metadata={"tags": ["nbval-skip"]}),
        _cell("print(2)", _out("3\n")),
    )
    (failure,) = compare_notebooks(stored, run, PATTERNS)
    assert failure.startswith("cell 2 (print(2))")


def test_an_interactive_figure_compares_through_its_one_frame_preview():
    fig = _figure()
    stored = _nb(_cell("fig", _html(fig.static_html(all_frames=False))))
    built = _nb(_cell("fig", _html(fig.static_html(all_frames=True))))
    assert compare_notebooks(stored, built, PATTERNS) == []
    other = _figure(alt="Another description of the default frame.")
    changed = _nb(_cell("fig", _html(other.static_html(all_frames=True))))
    (failure,) = compare_notebooks(stored, changed, PATTERNS)
    assert "mismatch in 'text/html'" in failure and "Another description" in failure


def test_code_cells_must_be_the_same():
    with pytest.raises(ValueError, match="same code cells"):
        compare_notebooks(_nb(_cell("a = 1")), _nb(_cell("a = 2")), PATTERNS)


def test_skip_compare_is_nbvals_own():
    source = inspect.getsource(IPyNbFile.__init__)
    positions = [source.index(f"'{key}'") for key in SKIP_COMPARE]
    assert positions == sorted(positions)  # every key, in nbval's order


def test_build_execution_reads_the_cache_entry_of_the_current_code(tmp_path):
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    path = tmp_path / "page.ipynb"
    nbformat.write(_nb(_cell("print(1)")), path)
    with pytest.raises(LookupError, match="no execution cache"):
        build_execution(path, tmp_path / "cache")
    cache = get_cache(str(tmp_path / "cache"))
    executed = _nb(_cell("print(1)", _out("1\n")))
    cache.cache_notebook_bundle(CacheBundleIn(executed, str(path)), check_validity=False)
    merged = build_execution(path, tmp_path / "cache")
    assert merged.cells[1].outputs[0]["text"] == "1\n"
    nbformat.write(_nb(_cell("print(2)")), path)  # code edited since the build
    with pytest.raises(LookupError, match="no run of page.ipynb's current code"):
        build_execution(path, tmp_path / "cache")
