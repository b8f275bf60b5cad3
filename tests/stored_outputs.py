"""Compare the book build's execution of a notebook with its stored outputs, as nbval does.

The book build executes every notebook (jupyter-cache, ``_build/.jupyter_cache``), so
the check that the stored outputs match a fresh run needs no execution of its own: this
module takes the build's executed notebook and compares it with the committed one cell
by cell, with nbval's own comparison (``nbval.plugin.IPyNbCell.compare_outputs``: the
same keys skipped, streams coalesced the same way, the same sanitising file
``tests/sanitize.cfg``) and nbval's cell markers (``# NBVAL_SKIP``, ``nbval-ignore-output``
tags, ...). One difference is by design: the build renders every frame of an interactive
figure and committed notebooks hold the default frame alone, so the build's all-frame
HTML is compared through :func:`book.explore_static.preview_html` (tested to give the
one-frame HTML). ``tests/site/test_build_outputs.py`` runs it on every notebook of the
book after ``make book``; ``make nbval`` still executes the notebooks itself.
"""

from __future__ import annotations

import difflib
from collections import OrderedDict, defaultdict
from pathlib import Path
from types import SimpleNamespace

import nbformat
from nbval.plugin import (
    IPyNbCell,
    coalesce_streams,
    find_comment_markers,
    find_metadata_tags,
    get_sanitize_patterns,
    nocolors,
)

from book.explore_static import preview_html

ROOT = Path(__file__).resolve().parents[1]
SANITIZE = ROOT / "tests" / "sanitize.cfg"
CACHE = ROOT / "_build" / ".jupyter_cache"
# nbval 0.11's IPyNbFile.skip_compare when run without --nbdime (as `make nbval` runs it).
SKIP_COMPARE = (
    "metadata",
    "traceback",
    "prompt_number",
    "output_type",
    "name",
    "execution_count",
    "application/vnd.jupyter.widget-view+json",
    "image/png",
    "image/jpeg",
)
EXPLORER, ALL_FRAMES_MARK = '<div class="book-explore"', '<script type="module">'


class _Comparison:
    """nbval's comparison methods on a stand-in for its pytest cell item."""

    compare_outputs = IPyNbCell.compare_outputs
    sanitize = IPyNbCell.sanitize
    colors = nocolors

    def __init__(self, patterns: list[tuple[str, str]]):
        self.parent = SimpleNamespace(
            sanitize_patterns=OrderedDict(patterns), skip_compare=SKIP_COMPARE
        )
        self.comparison_traceback: list[str] = []

    def format_output_compare(self, key, left, right):
        # nbval prints through pytest's assertion hook; a unified diff says the same here.
        left, right = str(left).splitlines(), str(right).splitlines()
        diff = difflib.unified_diff(left, right, "stored", "build", lineterm="", n=1)
        self.comparison_traceback.append(f"mismatch in {key!r}:\n" + "\n".join(diff))


def sanitize_patterns(path: str | Path = SANITIZE) -> list[tuple[str, str]]:
    """Return the (regex, replacement) pairs of an nbval sanitising file."""
    return get_sanitize_patterns(Path(path).read_text())


def cell_options(cell) -> dict:
    """Return nbval's options for a code cell: ``skip`` and ``check`` (compare outputs),
    from its tags and comment markers, comments winning as in nbval."""
    options = defaultdict(bool, find_metadata_tags(cell.metadata))
    options.update(dict(find_comment_markers(cell.source)))
    options.setdefault("check", True)
    return options


def _as_stored(output):
    """The build's output with every all-frame interactive figure as its one-frame preview."""
    html = output.get("data", {}).get("text/html")
    if isinstance(html, str) and html.startswith(EXPLORER) and ALL_FRAMES_MARK in html:
        output = nbformat.from_dict(output)
        output["data"]["text/html"] = preview_html(html)
    return output


def compare_notebooks(stored, executed, patterns: list[tuple[str, str]]) -> list[str]:
    """Return one message per code cell whose outputs in ``executed`` differ from those
    stored in ``stored`` as nbval judges them (empty: they match).

    Both are notebooks (``nbformat`` nodes) with the same code cells in the same order.
    Raises ``ValueError`` if their code cells differ in number or source.
    """
    stored_cells = [c for c in stored.cells if c.cell_type == "code"]
    executed_cells = [c for c in executed.cells if c.cell_type == "code"]
    if [c.source for c in stored_cells] != [c.source for c in executed_cells]:
        raise ValueError("stored and executed must have the same code cells, in order")
    failures = []
    for number, (ref, run) in enumerate(zip(stored_cells, executed_cells, strict=True)):
        options = cell_options(ref)
        if options["skip"]:
            continue
        first = ref.source.strip().splitlines()[0][:60] if ref.source.strip() else ""
        if ref.execution_count is None:
            if ref.outputs:
                failures.append(f"cell {number} ({first}): unrun reference cell has outputs")
            continue
        if not options["check"]:
            continue
        comparison = _Comparison(patterns)
        test = coalesce_streams([_as_stored(o) for o in run.outputs])
        if not comparison.compare_outputs(test, coalesce_streams(list(ref.outputs))):
            detail = "\n".join(comparison.comparison_traceback)
            failures.append(f"cell {number} ({first}): outputs differ\n{detail}")
    return failures


def build_execution(notebook: str | Path, cache: str | Path = CACHE):
    """Return ``notebook`` with the outputs of the book build's execution of its current
    code (the execution cache's entry for exactly these code cells).

    Raises ``LookupError`` when the cache holds no such execution (``make book`` has not
    run since the notebook's code last changed).
    """
    from jupyter_cache import get_cache

    notebook, cache = Path(notebook), Path(cache)
    if not (cache / "global.db").exists():
        raise LookupError(f"no execution cache at {cache}: run `make book` first")
    nb = nbformat.read(notebook, as_version=4)
    try:
        _, merged = get_cache(str(cache)).merge_match_into_notebook(nb)
    except KeyError:
        raise LookupError(
            f"the execution cache holds no run of {notebook.name}'s current code: "
            "run `make book` first"
        ) from None
    return merged
