"""How long each page of the book reads (`make book-size`).

Per notebook and in total: words of prose (maths and code fences left out), hedging phrases
per 1,000 words, lines of code (non-blank), the longest code cell, code cells over 40 lines,
and the claims it checks. The hedging phrases are the caveats a chapter should state once,
in its "Scale and evidence" box, rather than in every paragraph.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LONG_CELL = 40
HEDGES = (
    "at this scale",
    "at toy scale",
    "within this budget",
    "this budget",
    "toy",
    "anecdotal",
    "edge of the grid",
    "chosen on test",
    "three seeds",
    "five seeds",
    "few seeds",
    "small model",
    "cannot show",
    "does not show",
    "not separated",
    "caveat",
    "suggestive",
)


def prose_words(markdown: str) -> list[str]:
    """Return the words of a markdown text, with code fences and maths removed."""
    text = re.sub(r"```.*?```|\$\$.*?\$\$|\$[^$\n]*\$", " ", markdown, flags=re.S)
    return re.findall(r"[A-Za-z][A-Za-z'\-]*", text)


def notebook_size(path: Path) -> dict:
    """Return words, hedges per 1,000 words, code lines, longest cell and claims of a notebook."""
    cells = json.loads(path.read_text())["cells"]
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    words = prose_words(markdown)
    lowered = " ".join(words).lower()
    hedges = sum(len(re.findall(r"\b" + re.escape(h) + r"\b", lowered)) for h in HEDGES)
    code = [
        [line for line in "".join(c["source"]).splitlines() if line.strip()]
        for c in cells
        if c["cell_type"] == "code"
    ]
    sources = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return {
        "words": len(words),
        "hedges_per_1000": round(1000 * hedges / max(len(words), 1), 1),
        "code_lines": sum(map(len, code)),
        "longest_cell": max(map(len, code), default=0),
        "cells_over_40": sum(len(c) > LONG_CELL for c in code),
        "claims": len(re.findall(r"\bclaim\(", sources)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "paths", nargs="*", type=Path, help="notebooks (default: all of the book's)"
    )
    args = parser.parse_args()
    paths = args.paths or sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
        (ROOT / "appendices").glob("*.ipynb")
    )
    rows = {p.stem: notebook_size(p) for p in paths}
    keys = ["words", "hedges_per_1000", "code_lines", "longest_cell", "cells_over_40", "claims"]
    print(f"{'notebook':28}" + "".join(f"{k:>17}" for k in keys))
    for name, row in rows.items():
        print(f"{name:28}" + "".join(f"{row[k]:>17}" for k in keys))
    chapters = [r for n, r in rows.items() if n[:2].isdigit()]
    print(
        f"{'chapters, total':28}{sum(r['words'] for r in chapters):>17}{'':>17}"
        f"{sum(r['code_lines'] for r in chapters):>17}"
    )


if __name__ == "__main__":
    main()
