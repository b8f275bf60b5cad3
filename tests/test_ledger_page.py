import nbformat
import pytest
from ledger_page import PAGE, VERDICT, write_ledger_page
from sphinx.errors import ExtensionError

from book.claims import format_claim
from book.verdict import Argument, Evidence


def _book(root, claims):
    (root / "notebooks").mkdir()
    (root / "appendices").mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Chapter X"),
        nbformat.v4.new_code_cell(
            "", outputs=[nbformat.v4.new_output("stream", name="stdout", text=claims)]
        ),
    ]
    nbformat.write(nb, root / "notebooks" / "01_x.ipynb")


ROW = Argument("an argument", "holds", "why", (Evidence("n", "01_x", "it ho"),), "p", "c")


def test_missing_ledger_and_verdict_pages_are_written_from_the_notebooks(tmp_path):
    _book(tmp_path, format_claim("it holds", "0.5") + "\n")
    assert write_ledger_page(tmp_path, [ROW]) is True
    assert "| 1 | it holds | 0.5 |" in (tmp_path / PAGE).read_text()
    assert "n: 0.5" in (tmp_path / VERDICT).read_text()
    assert write_ledger_page(tmp_path, [ROW]) is False  # unchanged text: not rewritten


def test_a_claim_the_verdict_cites_that_is_gone_stops_the_build(tmp_path):
    _book(tmp_path, format_claim("something else", "0.5") + "\n")
    with pytest.raises(ExtensionError, match="it ho"):
        write_ledger_page(tmp_path, [ROW])


def test_without_notebooks_it_says_to_run_make_book(tmp_path):
    with pytest.raises(ExtensionError, match="make book"):
        write_ledger_page(tmp_path)
