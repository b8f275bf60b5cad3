"""Where the book's execution time goes: every notebook executed cell by cell (`make profile`).

Each notebook runs in a fresh kernel, as the book build runs it (CPU, every static
frame rendered). An IPython startup file in a scratch profile times every cell and
counts the XLA compilations it triggers, with their seconds (JAX's backend-compile
events; the startup file imports JAX, so the first cell's time leaves out that import).
Printed: per notebook, its total, the share spent compiling and the slowest
cells; written to benchmarks/results/cells.json with provenance. It takes as long as
executing the book (about ten minutes on a 2-core CPU); `make bench` does not run it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "cells.json"

# Runs in the kernel before the notebook: one JSON line per executed cell.
STARTUP = """
import json, os, time
import jax

_book_profile = {"compile_s": 0.0, "compiles": 0}


def _book_listen(event, duration, **kwargs):
    if event == "/jax/core/compile/backend_compile_duration":
        _book_profile["compile_s"] += duration
        _book_profile["compiles"] += 1


def _book_pre(info):
    _book_profile["start"] = (
        time.perf_counter(), _book_profile["compile_s"], _book_profile["compiles"]
    )
    _book_profile["source"] = info.raw_cell


def _book_post(result):
    t0, c0, n0 = _book_profile["start"]
    row = {
        "first_line": _book_profile["source"].strip().splitlines()[0][:70]
        if _book_profile["source"].strip() else "",
        "seconds": time.perf_counter() - t0,
        "compile_s": _book_profile["compile_s"] - c0,
        "compiles": _book_profile["compiles"] - n0,
    }
    with open(os.environ["BOOK_PROFILE_LOG"], "a") as f:
        f.write(json.dumps(row) + "\\n")


jax.monitoring.register_event_duration_secs_listener(_book_listen)
get_ipython().events.register("pre_run_cell", _book_pre)
get_ipython().events.register("post_run_cell", _book_post)
"""


def profile_notebook(path: Path, ipython_dir: Path, log: Path) -> dict:
    """Execute ``path`` in a fresh kernel and return its per-cell rows and totals."""
    import nbformat
    from nbclient import NotebookClient

    log.unlink(missing_ok=True)
    os.environ["IPYTHONDIR"] = str(ipython_dir)  # inherited by the kernel
    os.environ["BOOK_PROFILE_LOG"] = str(log)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=1800, kernel_name="python3", resources={"metadata": {"path": path.parent}}
    )
    start = time.perf_counter()
    client.execute()
    wall = time.perf_counter() - start
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    cells_s = sum(r["seconds"] for r in rows)
    return {
        "wall_s": wall,
        "cells_s": cells_s,
        "compile_s": sum(r["compile_s"] for r in rows),
        "compiles": sum(r["compiles"] for r in rows),
        "cells": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Per-cell execution profile of the book.")
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        help="notebooks to profile (default: every chapter and appendix notebook)",
    )
    parser.add_argument("--top", type=int, default=5, help="slowest cells shown per notebook")
    parser.add_argument(
        "--out", type=Path, default=OUT, help=f"where to write the JSON (default: {OUT.name})"
    )
    args = parser.parse_args(argv)
    if args.top < 1:
        parser.error(f"--top must be a positive int, got {args.top}")
    notebooks = args.notebooks or sorted(
        [*ROOT.glob("notebooks/[0-9][0-9]_*.ipynb"), *ROOT.glob("appendices/*.ipynb")]
    )
    missing = [str(p) for p in notebooks if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    os.environ.update(JAX_PLATFORMS="cpu", PYTHONHASHSEED="0", BOOK_STATIC_FRAMES="all")
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        ipython_dir = Path(scratch) / "ipython"
        startup = ipython_dir / "profile_default" / "startup"
        startup.mkdir(parents=True)
        (startup / "00-book-profile.py").write_text(STARTUP)
        for path in notebooks:
            path = path.resolve()
            name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
            r = profile_notebook(path, ipython_dir, Path(scratch) / "cells.jsonl")
            results[name] = r
            share = r["compile_s"] / r["cells_s"] if r["cells_s"] else 0.0
            print(
                f"{name}: {r['cells_s']:.1f} s in cells, {r['compile_s']:.1f} s of it "
                f"compiling ({100 * share:.0f}%, {r['compiles']} XLA compilations)",
                flush=True,
            )
            for row in sorted(r["cells"], key=lambda c: -c["seconds"])[: args.top]:
                print(
                    f"  {row['seconds']:6.1f} s (compiling {row['compile_s']:5.1f} s, "
                    f"{row['compiles']:3d}x)  {row['first_line']}",
                    flush=True,
                )
    total = sum(r["cells_s"] for r in results.values())
    compiling = sum(r["compile_s"] for r in results.values())
    print(
        f"all: {total:.0f} s in cells, {compiling:.0f} s compiling ({100 * compiling / total:.0f}%)"
    )
    commit = subprocess.run(
        ["git", "rev-parse", "--short=10", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    out = args.out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "provenance": {
                    "commit": commit,
                    "machine": platform.platform(),
                    "cpu_count": os.cpu_count(),
                    "python": sys.version.split()[0],
                    "measured": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                },
                "notebooks": results,
            },
            indent=1,
        )
    )
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
