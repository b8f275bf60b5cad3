"""The sweep engine's interrupt-and-resume check: ``make sweep-smoke`` (and a unit test).

Runs the ``smoke`` grid (book.experiments.SMOKE) whole, and again killed after its first
record and resumed; fails unless both files hold the same runs with the same numbers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from book.experiments import SMOKE
from book.sweep import compare_results, read_results


def smoke(workdir: str | os.PathLike, mode: str = "loop") -> None:
    """Run the smoke grid whole, and again killed after its first record and resumed;
    raise AssertionError unless both files hold the same runs with the same numbers."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    whole, resumed = workdir / "whole.jsonl", workdir / "resumed.jsonl"
    for p in (whole, resumed):
        p.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "book.sweep", "run", "smoke", "--mode", mode, "--quiet"]
    subprocess.run([*cmd, "--out", str(whole)], check=True)
    # a pause after each run lets the kill land between the first and the last run
    proc = subprocess.Popen([*cmd, "--out", str(resumed), "--pause", "2"])
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if resumed.exists() and '"kind": "run"' in resumed.read_text():
            proc.kill()
            break
        time.sleep(0.05)
    proc.wait()
    n_before = len(read_results(resumed)["runs"]) if resumed.exists() else 0
    assert 0 < n_before < len(SMOKE.grid), f"interrupt came too late ({n_before} runs)"
    subprocess.run([*cmd, "--out", str(resumed)], check=True)
    data = read_results(resumed)
    assert len(data["runs"]) == len(SMOKE.grid) and len(data["sessions"]) == 1
    gap = compare_results(whole, resumed)
    assert gap == 0.0, f"resumed runs differ from uninterrupted ones by {gap}"
    print(f"smoke: killed after {n_before} runs, resumed, all {len(data['runs'])} runs equal")


if __name__ == "__main__":
    smoke(sys.argv[1] if len(sys.argv) > 1 else "_build/sweep-smoke")
