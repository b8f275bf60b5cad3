"""Interrupted build: kill the book build while a notebook executes, rerun, same site.

Needs a finished build in ``_build`` (``make book``): its site is the reference and its
execution cache the starting point, so only two notebooks execute here. In a scratch
copy of the build, the script

1. forgets the cache entry of ``--kill`` and starts the build, then SIGKILLs the whole
   build (kernel included) a few seconds after that notebook starts executing;
2. truncates the cached notebook of ``--truncate`` to half its bytes: the state a
   kill leaves when it lands while jupyter-cache writes an entry (record first, file
   second);
3. runs the build again, which must complete (``_ext/cache_guard.py`` drops the broken
   entry, so that notebook re-executes) and produce the reference site: every file
   equal, except what differs whenever a notebook executes: the execution table's run
   times, timings that nbval also ignores (tests/sanitize.cfg) and the numeric search
   terms they make, and ipywidgets' random model ids.

Run by ``make interrupted-build``; exits non-zero with the differences otherwise.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
JB = [str(ROOT / ".venv" / "bin" / "jupyter-book"), "build", ".", "-W", "-n", "--keep-going"]
ENV = os.environ | {"JAX_PLATFORMS": "cpu", "PYTHONHASHSEED": "0", "BOOK_STATIC_FRAMES": "all"}
# The execution table (performance appendix) holds per-build times and cache status.
VOLATILE = [
    (re.compile(r"<td>(<p>)?\d+(\.\d+)?(</p>)?</td>"), "<td>T</td>"),
    (re.compile(r"<td>(<p>)?(cache|execute|cached|executed)(</p>)?</td>"), "<td>M</td>"),
    (re.compile(r"<td>(<p>)?\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?(</p>)?</td>"), "<td>D</td>"),
    (re.compile(r"<td>(<p>)?[✅❌](</p>)?</td>"), "<td>S</td>"),
    # Sphinx's cache-busting query on assets: absent when a page is written before the
    # asset is copied into a new output folder, as in the scratch build's first pass.
    (re.compile(r"\?v=[0-9a-f]{8}\b"), ""),
    # ipywidgets' saved state: random model ids, drawn afresh at every execution (unused by
    # the static book, whose figures are the precomputed HTML frames).
    (
        re.compile(r'<script type="application/vnd.jupyter.widget-state\+json">.*?</script>', re.S),
        "<script>WIDGET-STATE</script>",
    ),
]


def cache_records(cache_dir: Path) -> dict[str, object]:
    from jupyter_cache import get_cache

    cache = get_cache(str(cache_dir))
    return {
        Path(r.uri).resolve().relative_to(ROOT).as_posix(): (cache, r)
        for r in cache.list_cache_records()
    }


def build(out: Path, log: Path, kill_after: tuple[str, float] | None = None) -> int:
    """Run the build into ``out``; with ``kill_after=(notebook, s)`` SIGKILL it mid-execution."""
    with log.open("w") as f:
        proc = subprocess.Popen(
            [*JB, "--path-output", str(out)],
            cwd=ROOT,
            env=ENV,
            stdout=f,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if kill_after is None:
            return proc.wait()
        notebook, seconds = kill_after
        marker = f"{notebook}: Executing notebook"
        deadline = time.monotonic() + 900
        while marker not in log.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the build never executed {notebook}; see {log}")
            time.sleep(0.2)
        time.sleep(seconds)
        os.killpg(proc.pid, signal.SIGKILL)
        return proc.wait()


def _sanitize_cfg() -> list[tuple[re.Pattern, str]]:
    """nbval's sanitising rules (timings, addresses): volatile in the site as in nbval."""
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "tests" / "sanitize.cfg")
    return [(re.compile(cfg[s]["regex"]), cfg[s]["replace"]) for s in cfg.sections()]


def normalised(path: Path) -> bytes:
    data = path.read_bytes()
    if path.name == "searchindex.js":
        # Printed timings (and speedups, 3x) become search terms: compare all but those.
        text = data.decode("utf-8")
        body = json.loads(text[text.index("(") + 1 : text.rindex(")")])
        body["terms"] = {k: v for k, v in body["terms"].items() if not re.fullmatch(r"[\d.]+x?", k)}
        return json.dumps(body, sort_keys=True).encode()
    if path.suffix != ".html":
        return data
    text = data.decode("utf-8")
    for pattern, repl in VOLATILE + _sanitize_cfg():
        text = pattern.sub(repl, text)
    return text.encode()


def compare_sites(reference: Path, rebuilt: Path) -> list[str]:
    files = lambda d: {p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file()}  # noqa: E731
    ref, new = files(reference), files(rebuilt)
    problems = [f"only in the reference: {p}" for p in sorted(ref - new)]
    problems += [f"only in the rebuilt site: {p}" for p in sorted(new - ref)]
    for p in sorted(ref & new):
        a, b = normalised(reference / p), normalised(rebuilt / p)
        if a != b:
            i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), 0)
            old, new = (t[max(0, i - 60) : i + 100].decode(errors="replace") for t in (a, b))
            problems.append(f"differs: {p} at byte {i}:\n    - {old!r}\n    + {new!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kill", default="appendices/performance.ipynb")
    parser.add_argument("--truncate", default="notebooks/00_jax_primer.ipynb")
    # 0.3 s, within the kernel's start: with the compilation cache warm the notebook can
    # finish within 1 s, and the kill then lands while pages are written (a state
    # _ext/search_index_guard.py recovers from; tests/test_search_index_guard.py)
    parser.add_argument("--seconds", type=float, default=0.3, help="kill delay after start")
    args = parser.parse_args(argv)
    reference = BUILD / "html"
    if not (reference / "index.html").exists() or not (BUILD / ".jupyter_cache").exists():
        print(f"no finished build in {BUILD}: run `make book` first", file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="interrupted-build-"))
    try:
        shutil.copytree(BUILD / ".jupyter_cache", scratch / "_build" / ".jupyter_cache")
        cache_dir = scratch / "_build" / ".jupyter_cache"
        records = cache_records(cache_dir)
        for nb in (args.kill, args.truncate):
            if nb not in records:
                print(f"{nb} has no cache entry in {BUILD}: is it in the book?", file=sys.stderr)
                return 2
        cache, record = records[args.kill]
        cache.remove_cache(record.pk)

        started = time.perf_counter()
        rc = build(scratch, scratch / "killed.log", kill_after=(args.kill, args.seconds))
        phase = (
            "writing pages"
            if "writing output" in (scratch / "killed.log").read_text(errors="replace")
            else "executing"
        )
        print(
            f"== build killed (SIGKILL, status {rc}) {args.seconds:g} s into {args.kill}, "
            f"while {phase}"
        )
        cache, record = cache_records(cache_dir)[args.truncate]
        entry = cache._get_notebook_path_cache(record.hashkey)
        entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
        print(f"== cache entry of {args.truncate} truncated to half (a kill during its write)")

        rc = build(scratch, scratch / "rerun.log")
        log = (scratch / "rerun.log").read_text(errors="replace")
        if rc != 0:
            print(log[-4000:])
            warnings = [ln for ln in log.splitlines() if "WARNING" in ln or "ERROR" in ln]
            print("the rerun's warnings and errors:", *warnings or ["(none found)"], sep="\n  ")
            print(f"FAIL: the rerun after the kill exited with status {rc}")
            return 1
        if "removed a half-written execution cache entry" not in log:
            print("FAIL: the truncated cache entry was not detected")
            return 1
        problems = compare_sites(reference, scratch / "_build" / "html")
        wall = time.perf_counter() - started
        if problems:
            print("FAIL: the rerun's site differs from the reference build:")
            print("\n".join(f"  {p}" for p in problems[:50]))
            return 1
        n = sum(1 for p in reference.rglob("*") if p.is_file())
        print(f"== rerun completed; its site equals the reference ({n} files) [{wall:.0f} s]")
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
