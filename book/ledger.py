"""Build the claims ledger appendix from the executed notebooks.

The ledger is never written by hand: ``python -m book.ledger`` reads the printed
claim lines stored in ``notebooks/*.ipynb`` and then ``appendices/*.ipynb`` (nbval
checks that these outputs match a fresh run) and writes ``appendices/claims_ledger.md``.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from book.claims import TICK

__all__ = ["LedgerEntry", "claims_in_notebook", "book_claims", "render_ledger", "main"]

_CLAIM_LINE = re.compile(rf"^{TICK} (?P<statement>.+) \(evidence: (?P<evidence>.+)\)$")
_HEADING = re.compile(r"^#\s+(?P<title>.+)$", re.MULTILINE)


@dataclass(frozen=True)
class LedgerEntry:
    """One verified claim: the notebook it comes from, its statement and evidence."""

    notebook: str
    chapter: str
    statement: str
    evidence: str


def _text(source: str | list[str]) -> str:
    return source if isinstance(source, str) else "".join(source)


def claims_in_notebook(path: Path) -> list[LedgerEntry]:
    """Return the claims printed in the stored outputs of the notebook at ``path``."""
    path = Path(path)
    if path.suffix != ".ipynb":
        raise ValueError(f"path must be a .ipynb notebook, got {path}")
    nb = json.loads(path.read_text(encoding="utf-8"))
    chapter = path.stem
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            match = _HEADING.search(_text(cell["source"]))
            if match:
                chapter = match.group("title").strip()
                break
    entries = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            if output.get("output_type") != "stream" or output.get("name") != "stdout":
                continue
            for line in _text(output["text"]).splitlines():
                match = _CLAIM_LINE.match(line)
                if match:
                    entries.append(
                        LedgerEntry(path.stem, chapter, match["statement"], match["evidence"])
                    )
    return entries


def book_claims(root: Path | str = ".") -> list[LedgerEntry]:
    """Return the claims of every ``notebooks/*.ipynb`` under the book ``root``, in
    notebook order, then those of the executable appendices (``appendices/*.ipynb``,
    e.g. the reproducibility checks moved out of the chapters); raise FileNotFoundError
    when there is no chapter notebook."""
    notebooks = sorted((Path(root) / "notebooks").glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no notebooks found under {Path(root) / 'notebooks'}")
    notebooks += sorted((Path(root) / "appendices").glob("*.ipynb"))
    return [e for nb in notebooks for e in claims_in_notebook(nb)]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_ledger(entries: list[LedgerEntry]) -> str:
    """Return the Markdown page listing ``entries`` grouped by chapter."""
    lines = [
        "# Claims ledger",
        "",
        "Every result the book states is checked by a `claim(...)` call when the book is",
        "executed; a claim that stops holding fails the build. This page is generated from",
        "the executed notebooks by `python -m book.ledger`, never written by hand.",
        "",
        f"The book currently verifies **{len(entries)}** claims.",
    ]
    chapters: dict[str, list[LedgerEntry]] = {}
    for entry in entries:
        chapters.setdefault(entry.chapter, []).append(entry)
    for chapter, group in chapters.items():
        lines += ["", f"## {chapter}", "", "| # | Claim | Evidence |", "| --- | --- | --- |"]
        for i, entry in enumerate(group, 1):
            lines.append(f"| {i} | {_cell(entry.statement)} | {_cell(entry.evidence)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the ledger of the book's notebooks (:func:`book_claims`) under the book root (argv[0], default '.')."""
    argv = sys.argv[1:] if argv is None else argv
    root = Path(argv[0]) if argv else Path(".")
    try:
        entries = book_claims(root)
    except FileNotFoundError as err:
        raise SystemExit(str(err)) from None
    out = root / "appendices" / "claims_ledger.md"
    out.write_text(render_ledger(entries), encoding="utf-8")
    print(f"wrote {out} with {len(entries)} claims")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
