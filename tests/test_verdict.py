from pathlib import Path

import pytest

from book.ledger import LedgerEntry, book_claims
from book.verdict import ARGUMENTS, Argument, Evidence, find_claim, main, render_verdict

ROOT = Path(__file__).resolve().parents[1]


def _entries():
    return book_claims(ROOT)


def test_every_number_on_the_verdict_page_is_one_stored_claim():
    entries = _entries()
    for argument in ARGUMENTS:
        for ev in argument.evidence:
            hit = find_claim(entries, ev.notebook, ev.statement)
            assert hit.evidence  # the number shown on the page
    page = render_verdict(entries)
    assert page.count("\n| ") == 2 + len(ARGUMENTS)  # header, rule, a row per argument
    for argument in ARGUMENTS:
        assert f"**{argument.verdict}**" in page
        assert (ROOT / f"{argument.chapter}.ipynb").exists()


def test_a_missing_or_ambiguous_claim_is_named():
    entries = [
        LedgerEntry("01_x", "X", "alpha holds", "1"),
        LedgerEntry("01_x", "X", "alpha also holds", "2"),
    ]
    assert find_claim(entries, "01_x", "alpha h").evidence == "1"
    with pytest.raises(LookupError, match="'beta'"):
        find_claim(entries, "01_x", "beta")
    with pytest.raises(LookupError, match="2 claims of 01_x"):
        find_claim(entries, "01_x", "alpha")
    with pytest.raises(LookupError, match="0 claims of 02_y"):
        find_claim(entries, "02_y", "alpha h")


def test_pipes_in_evidence_do_not_break_the_table():
    entries = [LedgerEntry("01_x", "X", "it holds", "|a - b| = 0")]
    row = Argument("arg", "holds", "why", (Evidence("gap", "01_x", "it"),), "papers", "c")
    page = render_verdict(entries, (row,))
    assert "gap: \\|a - b\\| = 0" in page


def test_main_writes_the_page(tmp_path):
    (tmp_path / "notebooks").mkdir()
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        (tmp_path / "notebooks" / nb.name).write_bytes(nb.read_bytes())
    assert main([str(tmp_path)]) == 0
    assert (tmp_path / "verdict.md").read_text().startswith("(verdict)=\n# The verdict")
