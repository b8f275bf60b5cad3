"""Sweeps: grids of (variant x learning rate x seed) trained and stored run by run.

An :class:`Experiment` is a named grid of run configurations (JSON-able dicts with
``"lr"`` and ``"seed"``) and a ``build`` function that turns the rest of a configuration
(the *group*: the variant, sizes, steps) into a :class:`Task`. Runs of one group share
one compiled training function: ``lax.scan`` over steps inside, ``vmap`` over runs
(their learning rates and seeds) outside, the run axis sharded over every device with
``jax.sharding``; or, where vmapping does not pay (a small CPU), the same function
called one run at a time.

Each finished run is appended to a JSON Lines file at once: a header line with
provenance (command, commit, device, package versions), then one record per run
(config, losses over steps, final metrics, wall time). Rerunning the same command
resumes: finished runs are kept and skipped. A file written for another experiment
or grid, or one that cannot be parsed, raises :class:`ResultsFileError` and is never
overwritten.

    python -m book.sweep list
    python -m book.sweep run ch3_transformer --out results/ch3_transformer.jsonl
    python -m book.sweep compare results/a.jsonl elsewhere/a.jsonl
    python tests/sweep_smoke.py           # `make sweep-smoke`: interrupt, resume, compare

Chapter 3 explains the engine and plots its results. The experiments themselves are
defined by the chapters (``book.ch3_experiments``, ``book.ch5_experiments``) with the
model of ``book.experiment``, and listed by name in ``book.experiments``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from book import experiments
from book.experiment import Experiment, Task, group_of, run_key
from book.train import optimizer_step

__all__ = [
    "FORMAT",
    "MODES",
    "ResultsFileError",
    "get",
    "experiment_names",
    "make_trainer",
    "train_runs",
    "run_experiment",
    "read_results",
    "compare_results",
    "merge_results",
    "bench",
]

FORMAT = "book.sweep/1"
MODES = ("auto", "vmap", "loop")


class ResultsFileError(RuntimeError):
    """A results file that belongs to another experiment or grid, or cannot be parsed."""


def get(name: str) -> Experiment:
    """Return the experiment named ``name`` (:data:`book.experiments.EXPERIMENTS`);
    ValueError lists the valid names."""
    return experiments.get(name)


def experiment_names() -> list[str]:
    """Return the names of every experiment the sweeps can run."""
    return sorted(experiments.EXPERIMENTS)


# --------------------------------------------------------------------------- training


def _compile_chunk(task: Task):
    """One jitted call: ``eval_every`` steps of every run (vmapped)."""

    def one_run(params, opt_state, lr, key, chunk):
        sampled_step = optimizer_step(task.loss, task.optimizer(lr))

        def step(carry, step_key):
            return sampled_step(carry, task.sample_batch(step_key))

        keys = jax.random.split(jax.random.fold_in(key, chunk), task.eval_every)
        (params, opt_state), losses = jax.lax.scan(step, (params, opt_state), keys)
        return params, opt_state, losses.mean()

    return jax.jit(jax.vmap(one_run, in_axes=(0, 0, 0, 0, None)))


def _observe(task: Task, params, key):
    out = dict(task.evaluate(params))
    if task.measure is not None:
        batch = task.sample_batch(jax.random.fold_in(key, 2**30))  # the same batch each time
        grads = jax.grad(task.loss)(params, batch)
        out.update(task.measure(params, grads))
    return out


def _shard(tree, n_runs: int):
    """Place the leading run axis of every leaf across all devices (a no-op on one)."""
    devices = jax.devices()
    if len(devices) == 1 or n_runs % len(devices):
        return tree
    mesh = jax.sharding.Mesh(np.array(devices), ("runs",))
    sharding = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("runs"))
    return jax.device_put(tree, sharding)


def make_trainer(task: Task) -> Callable[..., list[dict]]:
    """Compile ``task`` once and return ``train(lrs, seeds, on_chunk=None)``.

    ``train`` trains one run per ``(lrs[i], seeds[i])`` together (vmapped, the run axis
    sharded over the devices, padded to a multiple of their count) and returns one dict
    per run: ``steps`` (0, eval_every, ...), ``train_loss`` (mean over each chunk, None
    at step 0), every ``evaluate``/``measure`` output as a list over ``steps``, and
    ``final`` (``final_evaluate``). ``on_chunk(chunk_index, mean_train_loss)`` reports
    progress. Calls with the same number of runs reuse the compiled code.
    """
    chunk = _compile_chunk(task)
    observe = jax.jit(jax.vmap(lambda p, k: _observe(task, p, k)))
    final_evaluate = jax.jit(jax.vmap(task.final_evaluate))

    def start(keys, lrs):
        params = jax.vmap(task.init)(keys)
        return params, jax.vmap(lambda p, lr: task.optimizer(lr).init(p))(params, lrs)

    start = jax.jit(start)

    def train(lrs: Sequence[float], seeds: Sequence[int], on_chunk=None) -> list[dict]:
        if len(lrs) != len(seeds) or not lrs:
            raise ValueError("lrs and seeds must be non-empty and of equal length")
        n = len(lrs)
        padded = n + (-n) % len(jax.devices())
        lrs_p = list(lrs) + [lrs[-1]] * (padded - n)
        seeds_p = [int(s) for s in seeds] + [int(seeds[-1])] * (padded - n)
        keys = jax.vmap(jax.random.key)(jnp.asarray(seeds_p, jnp.uint32))
        data_keys = jax.vmap(lambda k: jax.random.fold_in(k, 1))(keys)
        lr_arr = jnp.asarray(lrs_p, jnp.float32)
        params, opt_state = start(keys, lr_arr)
        params, opt_state, lr_arr, data_keys = _shard(
            (params, opt_state, lr_arr, data_keys), padded
        )
        history = [jax.device_get(observe(params, data_keys))]
        train_losses = [np.full(padded, np.nan)]
        for c in range(task.steps // task.eval_every):
            params, opt_state, loss = chunk(params, opt_state, lr_arr, data_keys, c)
            train_losses.append(np.asarray(loss))
            history.append(jax.device_get(observe(params, data_keys)))
            if on_chunk is not None:
                on_chunk(c, float(np.nanmean(np.asarray(loss)[:n])))
        final = jax.device_get(final_evaluate(params))
        records = []
        for i in range(n):
            rec = {
                "steps": list(range(0, task.steps + 1, task.eval_every)),
                "train_loss": [None] + [_num(t[i]) for t in train_losses[1:]],
            }
            for name in history[0]:
                rec[name] = [_num(h[name][i]) for h in history]
            rec["final"] = {k: _num(v[i]) for k, v in final.items()}
            records.append(rec)
        return records

    return train


def train_runs(task: Task, lrs, seeds, *, on_chunk=None) -> list[dict]:
    """Train the runs ``zip(lrs, seeds)`` of ``task`` together; see :func:`make_trainer`."""
    return make_trainer(task)(lrs, seeds, on_chunk)


def _num(x):
    """JSON-able float (or nested list) from an array; NaN/inf become None."""
    a = np.asarray(x, np.float64)
    if a.ndim == 0:
        v = float(a)
        return v if math.isfinite(v) else None
    return [_num(v) for v in a]


# --------------------------------------------------------------------------- results files


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


def _append(path: Path, record: dict) -> None:
    with path.open("a") as f:
        f.write(json.dumps(record, allow_nan=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


def choose_mode(mode: str) -> str:
    """Resolve ``"auto"`` to ``"vmap"`` on every backend.

    On accelerators vmapping is the point. On the course's 2-core CPU (``python -m
    book.sweep bench``, reported in chapter 3) vmapping 25 small MLP runs on one device
    was no faster than a loop, but vmapped and sharded over two host devices it was,
    and vmapping compiles once per group instead of once per run.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; valid: {', '.join(MODES)}")
    return "vmap" if mode == "auto" else mode


def run_experiment(
    experiment: Experiment | str,
    out: str | os.PathLike,
    *,
    mode: str = "auto",
    max_runs: int | None = None,
    progress: bool = True,
    argv: Sequence[str] | None = None,
    pause: float = 0.0,
    reverse: bool = False,
    only: dict | None = None,
) -> Path:
    """Train every run of ``experiment`` not yet in ``out`` and append each as it ends.

    ``mode``: ``"vmap"`` trains the pending runs of a group together, ``"loop"`` one at a
    time, ``"auto"`` picks per device (:func:`choose_mode`). ``max_runs`` stops after that
    many new runs and ``pause`` sleeps that many seconds after each (both for tests).
    ``reverse`` trains the groups last first: a second process writing another file
    can share a long sweep, and :func:`merge_results` joins the two files. ``only``
    (``{key: [values]}``) trains just the runs whose configuration matches, in the
    order of the values (``--only ffn=swiglu,glu``).
    Returns the path of the results file.
    """
    exp = get(experiment) if isinstance(experiment, str) else experiment
    mode = choose_mode(mode)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # one writer per results file: a second sweep on the same file stops at once
    lock = open(out.with_name(out.name + ".lock"), "w")  # noqa: SIM115 (held until return)
    if not _try_lock(lock):
        lock.close()
        raise ResultsFileError(f"another sweep is writing {out}; wait for it to end")
    try:
        return _run_locked(exp, out, mode, max_runs, progress, argv, pause, reverse, only)
    finally:
        _unlock(lock)
        lock.close()


# File locks differ by platform (fcntl on POSIX, msvcrt on Windows); imported where the
# lock is taken, so that importing this module works everywhere.
def _try_lock(f) -> bool:
    """Take an exclusive lock on the open file ``f`` without waiting; return whether
    it was taken (False: another process holds it)."""
    if os.name == "nt":
        import msvcrt

        try:
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(f) -> None:
    if os.name == "nt":
        import msvcrt

        msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(f, fcntl.LOCK_UN)


def _run_locked(exp, out, mode, max_runs, progress, argv, pause, reverse, only) -> Path:
    from tqdm.auto import tqdm

    prov = provenance(argv)
    if out.exists():
        done = {run_key(r["config"]) for r in read_results(out, exp)["runs"]}
        _append(out, {"kind": "session", "mode": mode, **prov})
    else:
        done = set()
        header = {"format": FORMAT, "experiment": exp.name, "description": exp.description}
        header.update(grid_hash=exp.grid_hash, n_runs=len(exp.grid), mode=mode, **prov)
        _append(out, header)

    pending = [r for r in exp.grid if run_key(r) not in done]
    if only:
        for k, values in only.items():
            values = [str(v) for v in values]
            pending = [r for r in pending if str(r.get(k)) in values]
            pending.sort(key=lambda r, k=k, values=values: values.index(str(r.get(k))))
    groups: dict[str, list[dict]] = {}
    for r in pending:
        groups.setdefault(run_key(group_of(r)), []).append(r)
    bar = tqdm(
        total=len(exp.grid),
        initial=len(exp.grid) - len(pending),
        desc=exp.name,
        unit="run",
        disable=not progress,
        bar_format="{desc}: {n:.1f}/{total} runs |{bar}| {elapsed}<{remaining}{postfix}",
    )
    new = 0
    for gkey, runs in reversed(groups.items()) if reverse else groups.items():
        task = exp.build(json.loads(gkey))
        trainer = make_trainer(task)
        batches = [[r] for r in runs] if mode == "loop" else [runs]
        for batch in batches:
            if max_runs is not None and new >= max_runs:
                bar.close()
                return out
            n_chunks = task.steps // task.eval_every
            start_n = bar.n

            def on_chunk(c, loss, batch=batch, n_chunks=n_chunks, start_n=start_n):
                bar.n = start_n + len(batch) * (c + 1) / n_chunks
                bar.set_postfix_str(f"loss {loss:.3f}", refresh=True)

            t0 = time.perf_counter()
            results = trainer([r["lr"] for r in batch], [r["seed"] for r in batch], on_chunk)
            wall = time.perf_counter() - t0
            for cfg, res in zip(batch, results, strict=True):
                _append(
                    out,
                    {
                        "kind": "run",
                        "config": cfg,
                        **res,
                        "wall_s": round(wall / len(batch), 3),
                        "trained_with": len(batch),
                    },
                )
            new += len(batch)
            time.sleep(pause)
            bar.n = start_n + len(batch)
            bar.refresh()
    bar.close()
    return out


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
    order = {run_key(r): i for i, r in enumerate(get(da["header"]["experiment"]).grid)}
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


def bench(experiment: Experiment | str, runs: int = 3, group_index: int = 0) -> dict:
    """Time ``runs`` runs of one group of ``experiment`` looped and vmapped, on this machine.

    Each mode is compiled and run once, then timed on a second call. Returns a dict
    with the seconds of each (``loop_s``, ``vmap_s``, ``*_first_s`` with compilation),
    the load average before and after, the device count and the provenance. Chapter 3
    reports it; ``python -m book.sweep bench`` writes it next to the results.
    """
    exp = get(experiment) if isinstance(experiment, str) else experiment
    if not isinstance(runs, int) or runs < 1:
        raise ValueError(f"runs must be a positive int, got {runs!r}")
    groups = list(dict.fromkeys(run_key(group_of(r)) for r in exp.grid))
    group = json.loads(groups[group_index])
    trainer = make_trainer(exp.build(group))
    lrs = [r["lr"] for r in exp.grid if group_of(r) == group][:runs]
    lrs = (lrs * runs)[:runs]
    seeds = list(range(runs))
    out = {"experiment": exp.name, "group": group, "runs": runs, "load_before": os.getloadavg()}
    t = time.perf_counter()
    trainer(lrs[:1], seeds[:1])
    out["loop_first_s"] = time.perf_counter() - t
    t = time.perf_counter()
    for lr, seed in zip(lrs, seeds, strict=True):
        trainer([lr], [seed])
    out["loop_s"] = time.perf_counter() - t
    t = time.perf_counter()
    trainer(lrs, seeds)
    out["vmap_first_s"] = time.perf_counter() - t
    t = time.perf_counter()
    trainer(lrs, seeds)
    out["vmap_s"] = time.perf_counter() - t
    out["load_after"] = os.getloadavg()
    out["devices"] = len(jax.devices())
    out.update(provenance())
    return out


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="python -m book.sweep", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the registered experiments")
    run = sub.add_parser("run", help="run (or resume) an experiment")
    run.add_argument("experiment")
    run.add_argument("--out", required=True)
    run.add_argument("--mode", choices=MODES, default="auto")
    run.add_argument("--max-runs", type=int, default=None)
    run.add_argument("--quiet", action="store_true")
    run.add_argument("--pause", type=float, default=0.0, help="seconds after each run (tests)")
    run.add_argument("--reverse", action="store_true", help="train the last groups first")
    run.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="KEY=V1,V2",
        help="train only runs whose KEY is one of the values, in that order",
    )
    mg = sub.add_parser("merge", help="join two results files of one experiment")
    mg.add_argument("a")
    mg.add_argument("b")
    mg.add_argument("--out", required=True)
    cmp = sub.add_parser("compare", help="largest difference of final metrics of two files")
    cmp.add_argument("a")
    cmp.add_argument("b")
    cmp.add_argument("--tolerance", type=float, default=1e-4)
    bn = sub.add_parser("bench", help="time looped vs vmapped runs of one group")
    bn.add_argument("experiment")
    bn.add_argument("--runs", type=int, default=3)
    bn.add_argument("--out", required=True, help="JSON file for the timings")
    args = parser.parse_args(argv)
    if args.command == "list":
        for name in experiment_names():
            e = get(name)
            print(f"{name}: {len(e.grid)} runs. {e.description}")
    elif args.command == "run":
        try:
            run_experiment(
                args.experiment,
                args.out,
                mode=args.mode,
                max_runs=args.max_runs,
                progress=not args.quiet,
                argv=["python -m book.sweep", *argv],
                pause=args.pause,
                reverse=args.reverse,
                only={k: v.split(",") for k, v in (o.split("=", 1) for o in args.only)},
            )
        except ResultsFileError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    elif args.command == "compare":
        gap = compare_results(args.a, args.b)
        print(f"largest difference of final metrics: {gap:.2e}")
        return 0 if gap <= args.tolerance else 1
    elif args.command == "merge":
        try:
            n = merge_results(args.a, args.b, args.out)
        except ResultsFileError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        print(f"{n} runs written to {args.out}")
    elif args.command == "bench":
        result = bench(args.experiment, args.runs)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
        print(f"loop {result['loop_s']:.1f} s, vmap {result['vmap_s']:.1f} s for {args.runs} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
