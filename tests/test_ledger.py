import json

import nbformat
import pytest

from book.claims import claim
from book.ledger import claims_in_notebook, main, render_ledger


def _notebook_with_claims(path, lines):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A chapter title\n\ntext"),
        nbformat.v4.new_code_cell(
            "x", outputs=[nbformat.v4.new_output("stream", name="stdout", text="".join(lines))]
        ),
    ]
    nbformat.write(nb, path)


def test_ledger_reads_claims_from_stored_outputs(tmp_path, capsys):
    claim("a | b holds", True, "measured 0.5")
    claim("(nested) parentheses survive", True, "x (y) = 3")
    printed = capsys.readouterr().out
    _notebook_with_claims(tmp_path / "01_x.ipynb", ["noise line\n", printed])
    entries = claims_in_notebook(tmp_path / "01_x.ipynb")
    assert [e.statement for e in entries] == ["a | b holds", "(nested) parentheses survive"]
    assert [e.evidence for e in entries] == ["measured 0.5", "x (y) = 3"]
    assert entries[0].chapter == "A chapter title"
    page = render_ledger(entries)
    assert "**2** claims" in page and "a \\| b holds" in page and "## A chapter title" in page


def test_ledger_main_writes_the_page(tmp_path, capsys):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "appendices").mkdir()
    claim("it works", True, "yes")
    _notebook_with_claims(tmp_path / "notebooks" / "00_a.ipynb", [capsys.readouterr().out])
    assert main([str(tmp_path)]) == 0
    text = (tmp_path / "appendices" / "claims_ledger.md").read_text()
    assert "| 1 | it works | yes |" in text


def test_ledger_rejects_non_notebooks(tmp_path):
    with pytest.raises(ValueError, match=".ipynb"):
        claims_in_notebook(tmp_path / "x.md")


def test_ledger_of_the_books_notebooks_is_not_empty():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    total = sum(len(claims_in_notebook(p)) for p in (root / "notebooks").glob("*.ipynb"))
    assert total >= 10
    assert json.loads((root / "notebooks" / "01_saturation.ipynb").read_text())["cells"]


def test_book_claims_names_the_folder_without_notebooks(tmp_path):
    from book.ledger import book_claims

    (tmp_path / "notebooks").mkdir()
    with pytest.raises(FileNotFoundError, match="no notebooks found"):
        book_claims(tmp_path)


def test_book_claims_reads_the_chapters_then_the_appendices(tmp_path, capsys):
    from book.ledger import book_claims

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "appendices").mkdir()
    claim("in a chapter", True, "yes")
    _notebook_with_claims(tmp_path / "notebooks" / "01_a.ipynb", [capsys.readouterr().out])
    claim("in an appendix", True, "yes")
    _notebook_with_claims(tmp_path / "appendices" / "a_page.ipynb", [capsys.readouterr().out])
    assert [e.statement for e in book_claims(tmp_path)] == ["in a chapter", "in an appendix"]
