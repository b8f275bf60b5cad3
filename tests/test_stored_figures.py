"""Every figure the notebooks display is stored as a figure.

When an object's ``_repr_mimebundle_`` raises, IPython swallows the error and stores the
object's default ``repr`` (``<book.explore.Explorer at 0x...>``) as plain text: the book
then shows that line instead of the figure, and nbval still passes because the stored
text matches a fresh run. This test fails on such an output instead.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
    (ROOT / "appendices").glob("*.ipynb")
)
# a default object repr: <module.Class at 0x7f...> or <module.Class object at 0x7f...>
DEFAULT_REPR = re.compile(r"^<[\w.]+ (object )?at 0x[0-9a-fA-F]+>$")


def _is_rich(mimetype: str) -> bool:
    return mimetype == "text/html" or mimetype.startswith(("image/", "application/vnd."))


def unrendered_outputs(notebook: dict) -> list[tuple[str, str]]:
    """Return ``(cell id, text/plain)`` for every displayed output that holds only the
    plain-text repr of a book object (or any default object repr): a figure that failed
    to render."""
    found = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            if "text/plain" not in data or any(_is_rich(m) for m in data):
                continue
            text = "".join(data["text/plain"]).strip()
            if text.startswith("<book.") or DEFAULT_REPR.match(text):
                found.append((cell.get("id", "?"), text))
    return found


def _notebook(data: dict) -> dict:
    output = {"output_type": "execute_result", "data": data, "metadata": {}}
    return {"cells": [{"cell_type": "code", "id": "c1", "source": "x", "outputs": [output]}]}


def test_an_explorer_stored_as_plain_text_is_caught():
    # the stored output of chapter 4's sampling figure when its drawing function raised
    broken = _notebook({"text/plain": "<book.explore.Explorer at 0x7faba005fe50>"})
    assert unrendered_outputs(broken) == [("c1", "<book.explore.Explorer at 0x7faba005fe50>")]


@pytest.mark.parametrize(
    "text", ["<matplotlib.figure.Figure object at 0x7f00deadbeef>", "<book.plots.Shown>"]
)
def test_other_default_reprs_are_caught(text):
    assert unrendered_outputs(_notebook({"text/plain": [text]})) == [("c1", text)]


@pytest.mark.parametrize(
    "data",
    [
        {"text/plain": "<interactive figure: T>", "text/html": "<div>frame</div>"},
        {"text/plain": "<book.explore.Explorer at 0x7f00>", "image/png": "iVBOR"},
        {"text/plain": "<figure: alt text>", "text/html": "<figure></figure>"},
        {"text/plain": "array([1, 2, 3])"},
        {"text/plain": "<figure: alt text>"},
    ],
)
def test_rendered_figures_and_plain_values_pass(data):
    assert unrendered_outputs(_notebook(data)) == []


def test_the_book_has_notebooks_to_check():
    assert any(p.parent.name == "notebooks" for p in NOTEBOOKS)
    assert any(p.parent.name == "appendices" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_stored_output_is_an_unrendered_figure(path):
    found = unrendered_outputs(json.loads(path.read_text(encoding="utf-8")))
    assert not found, (
        f"{path.relative_to(ROOT)}: output(s) stored as a bare repr, not rendered "
        f"(its _repr_mimebundle_ raised; run the cell to see why): {found}"
    )
