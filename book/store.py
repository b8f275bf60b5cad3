"""Results files of the sweeps: a provenance header, then one JSON record per run.

A file is JSON Lines: a header (format, experiment, grid hash, command, commit, device,
package versions, load average), session records for later resumptions, and one record
per finished run (configuration, losses over steps, final metrics, wall time). A file of
another experiment or grid, or one that does not parse, raises :class:`ResultsFileError`
and is never overwritten. Explained in chapter 3.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import jax

from book import experiments
from book.experiment import Experiment, run_key

__all__ = [
    "FORMAT",
    "ResultsFileError",
    "provenance",
    "read_results",
    "append_record",
    "merge_results",
    "compare_results",
]

FORMAT = "book.sweep/1"


class ResultsFileError(RuntimeError):
    """A results file that belongs to another experiment or grid, or cannot be parsed."""


def provenance(argv: Sequence[str] | None = None) -> dict:
    """Return the command, commit, device and package versions of this process."""

    def git(*args):
        try:
            out = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10)
            return out.stdout.strip() if out.returncode == 0 else "unknown"
        except (OSError, subprocess.TimeoutExpired):
            return "unknown"

    dirty = git("status", "--porcelain", "--", "book")
    versions = {}
    for pkg in ("jax", "jaxlib", "optax", "numpy"):
        try:
            versions[pkg] = importlib.import_module(pkg).__version__
        except (ImportError, AttributeError):
            versions[pkg] = "unknown"
    devices = jax.devices()
    return {
        "command": " ".join(argv if argv is not None else sys.argv),
        "commit": git("rev-parse", "HEAD") + (" (book/ modified)" if dirty else ""),
        "device": f"{len(devices)} x {devices[0].device_kind} ({jax.default_backend()})",
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def read_results(path: str | os.PathLike, experiment: Experiment | None = None) -> dict:
    """Read a results file: ``{"header": dict, "sessions": [dict], "runs": [dict]}``.

    Raises :class:`ResultsFileError` naming the line if the file is not a results file of
    this format, belongs to another experiment or grid (when ``experiment`` is given), or
    has a line that does not parse (e.g. cut short by a crash: remove that line to resume).
    """
    path = Path(path)
    lines = path.read_text().splitlines()
    if not lines:
        raise ResultsFileError(f"{path} is empty; remove it or choose another --out")
    parsed = []
    for i, line in enumerate(lines, 1):
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError as e:
            raise ResultsFileError(
                f"{path}, line {i}: not valid JSON ({e.msg}); the file is corrupt or was "
                "cut short. It is left untouched: fix or delete that line to resume."
            ) from None
    header = parsed[0]
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ResultsFileError(
            f"{path} is not a {FORMAT} results file (first line has no matching 'format'); "
            "refusing to append to it"
        )
    if experiment is not None:
        if header.get("experiment") != experiment.name:
            raise ResultsFileError(
                f"{path} holds experiment {header.get('experiment')!r}, not {experiment.name!r}"
            )
        if header.get("grid_hash") != experiment.grid_hash:
            raise ResultsFileError(
                f"{path} was written for another grid of {experiment.name!r} (grid hash "
                f"{header.get('grid_hash')} != {experiment.grid_hash}); use a new --out"
            )
    runs, sessions = [], []
    for i, rec in enumerate(parsed[1:], 2):
        kind = rec.get("kind") if isinstance(rec, dict) else None
        if kind == "run" and "config" in rec:
            runs.append(rec)
        elif kind == "session":
            sessions.append(rec)
        else:
            raise ResultsFileError(f"{path}, line {i}: unknown record {str(rec)[:80]!r}")
    keys = [run_key(r["config"]) for r in runs]
    if len(set(keys)) != len(keys):
        raise ResultsFileError(f"{path} holds the same run twice")
    return {"header": header, "sessions": sessions, "runs": runs}


def append_record(path: Path, record: dict) -> None:
    """Append ``record`` as one JSON line to ``path`` and flush it to disk."""
    with path.open("a") as f:
        f.write(json.dumps(record, allow_nan=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


def merge_results(a: str | os.PathLike, b: str | os.PathLike, out: str | os.PathLike) -> int:
    """Write to ``out`` the runs of ``a`` and of ``b`` (two files of one experiment and grid).

    ``a``'s header comes first; ``b``'s header and sessions become session records, so
    the provenance of both is kept. A run in both files must have equal final metrics.
    Returns the number of runs written; raises :class:`ResultsFileError` otherwise.
    """
    da, db = read_results(a), read_results(b)
    for key in ("format", "experiment", "grid_hash"):
        if da["header"].get(key) != db["header"].get(key):
            raise ResultsFileError(f"{a} and {b} differ in {key}; they cannot be merged")
    out = Path(out)
    if out.exists():
        raise ResultsFileError(f"{out} exists; merge writes a new file")
    runs = {run_key(r["config"]): r for r in da["runs"]}
    for r in db["runs"]:
        k = run_key(r["config"])
        if k in runs and runs[k]["final"] != r["final"]:
            raise ResultsFileError(f"{a} and {b} disagree on run {k}")
        runs.setdefault(k, r)
    b_header = {k: v for k, v in db["header"].items() if k != "format"}
    lines = [da["header"], *da["sessions"], {"kind": "session", **b_header}, *db["sessions"]]
    order = {run_key(r): i for i, r in enumerate(experiments.get(da["header"]["experiment"]).grid)}
    lines += sorted(runs.values(), key=lambda r: order.get(run_key(r["config"]), len(order)))
    out.write_text("".join(json.dumps(x, allow_nan=False) + "\n" for x in lines))
    return len(runs)


def compare_results(a: str | os.PathLike, b: str | os.PathLike, metric: str = "final") -> float:
    """Return the largest |difference| between the final metrics of the runs of two files.

    Raises ValueError if they do not hold the same runs.
    """
    ra = {run_key(r["config"]): r for r in read_results(a)["runs"]}
    rb = {run_key(r["config"]): r for r in read_results(b)["runs"]}
    if set(ra) != set(rb):
        raise ValueError(f"{a} and {b} hold different runs ({len(ra)} vs {len(rb)})")
    worst = 0.0
    for k, r in ra.items():
        for name, v in r[metric].items():
            w = rb[k][metric][name]
            if (v is None) != (w is None):
                return math.inf
            if v is not None:
                worst = max(worst, abs(v - w))
    return worst
