"""Count notebook executions per CI phase.

``install DIR`` writes an IPython startup file into the profile folder ``DIR`` (used as
``IPYTHONDIR``): every kernel started with it appends one line to ``$EXECUTION_LOG`` when
it runs its first cell — the phase (``$CI_PHASE``) and a hash of that cell's source.
``report`` maps the hashes back to notebooks (each notebook's first code cell) and
prints a table: notebooks x phases, executions in each.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STARTUP = """
import hashlib, json, os

def _ci_first_cell(info):
    get_ipython().events.unregister("pre_run_cell", _ci_first_cell)
    log = os.environ.get("EXECUTION_LOG")
    if log:
        digest = hashlib.sha256(info.raw_cell.strip().encode()).hexdigest()[:16]
        with open(log, "a") as f:
            f.write(json.dumps({"phase": os.environ.get("CI_PHASE", "?"), "cell": digest}) + "\\n")

get_ipython().events.register("pre_run_cell", _ci_first_cell)
"""


def first_cell_hash(path: Path) -> str:
    """Return the hash the startup file logs for ``path``'s first code cell."""
    nb = json.loads(path.read_text())
    source = next("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    return hashlib.sha256(source.strip().encode()).hexdigest()[:16]


def install(folder: Path) -> None:
    startup = folder / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-ci-executions.py").write_text(STARTUP)


def report(log: Path) -> None:
    notebooks = sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("appendices/*.ipynb")])
    names = {first_cell_hash(p): p.relative_to(ROOT).as_posix() for p in notebooks}
    rows = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    phases = list(dict.fromkeys(r["phase"] for r in rows))
    counts = Counter((names.get(r["cell"], "(other)"), r["phase"]) for r in rows)
    width = max(len(n) for n in [*names.values(), "notebook"])
    print("== notebook executions per phase")
    cols = [max(len(p), 5) + 2 for p in phases]  # each phase's column fits its name
    head = "".join(f"{p:>{w}}" for p, w in zip(phases, cols, strict=True))
    print("  " + "notebook".ljust(width) + head + "     total")
    for name in [*names.values(), "(other)"]:
        n = [counts[name, p] for p in phases]
        if name != "(other)" or sum(n):
            line = "".join(f"{k:>{w}}" for k, w in zip(n, cols, strict=True))
            print("  " + name.ljust(width) + line + f"{sum(n):>10}")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "install" and len(sys.argv) == 3:
        install(Path(sys.argv[2]))
    elif command == "report" and len(sys.argv) == 3:
        report(Path(sys.argv[2]))
    else:
        raise SystemExit("usage: executions.py install IPYTHONDIR | report LOG")
