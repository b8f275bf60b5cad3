"""Sweeps: grids of (variant x learning rate x seed) trained and stored run by run.

An :class:`Experiment` is a named grid of run configurations (JSON-able dicts with
``"lr"`` and ``"seed"``) and a ``build`` function that turns the rest of a configuration
(the *group*: the variant, sizes, steps) into a :class:`Task`. Runs of one group share
one compiled training function: ``lax.scan`` over steps inside, ``vmap`` over runs
(their learning rates and seeds) outside, the run axis sharded over every device with
``jax.sharding`` (``--mode vmap``, the default); or the same function called one run at
a time (``--mode loop``).

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

The reproducibility appendix explains the engine; chapters 3 and 5 plot its results. Where
each job lives: the
experiments are defined by the chapters (``book.ch3_experiments``, ``book.ch5_experiments``)
with the model of ``book.experiment`` and listed by name in ``book.experiments``; the
engine is ``book.train.make_trainer``; the results files are ``book.store``. This module
runs experiments (resuming, locking, progress), times them (``bench``) and is the command
line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import jax

from book import experiments
from book.experiment import Experiment, group_of, run_key
from book.store import (
    FORMAT,
    ResultsFileError,
    append_record,
    compare_results,
    merge_results,
    provenance,
    read_results,
)
from book.train import make_trainer

__all__ = [
    "FORMAT",
    "MODES",
    "ResultsFileError",
    "get",
    "experiment_names",
    "run_experiment",
    "bench",
]

# "vmap" trains a group's pending runs together (one compilation per group; on the
# course's 2-core CPU no faster than a loop on one device, faster sharded over two host
# devices: `python -m book.sweep bench`, reported in the reproducibility appendix);
# "loop" trains them one at a time.
MODES = ("vmap", "loop")


def get(name: str) -> Experiment:
    """Return the experiment named ``name`` (:data:`book.experiments.EXPERIMENTS`);
    ValueError lists the valid names."""
    return experiments.get(name)


def experiment_names() -> list[str]:
    """Return the names of every experiment the sweeps can run."""
    return sorted(experiments.EXPERIMENTS)


def check_mode(mode: str) -> str:
    """Return ``mode`` if it is one of :data:`MODES`; ValueError lists the valid modes."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; valid: {', '.join(MODES)}")
    return mode


def run_experiment(
    experiment: Experiment | str,
    out: str | os.PathLike,
    *,
    mode: str = "vmap",
    max_runs: int | None = None,
    progress: bool = True,
    argv: Sequence[str] | None = None,
    pause: float = 0.0,
    reverse: bool = False,
    only: dict | None = None,
) -> Path:
    """Train every run of ``experiment`` not yet in ``out`` and append each as it ends.

    ``mode``: ``"vmap"`` trains the pending runs of a group together, ``"loop"`` one at a
    time (:data:`MODES`). ``max_runs`` stops after that
    many new runs and ``pause`` sleeps that many seconds after each (both for tests).
    ``reverse`` trains the groups last first: a second process writing another file
    can share a long sweep, and :func:`merge_results` joins the two files. ``only``
    (``{key: [values]}``) trains just the runs whose configuration matches, in the
    order of the values (``--only ffn=swiglu,glu``).
    Returns the path of the results file.
    """
    exp = get(experiment) if isinstance(experiment, str) else experiment
    mode = check_mode(mode)
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
        append_record(out, {"kind": "session", "mode": mode, **prov})
    else:
        done = set()
        header = {"format": FORMAT, "experiment": exp.name, "description": exp.description}
        header.update(grid_hash=exp.grid_hash, n_runs=len(exp.grid), mode=mode, **prov)
        append_record(out, header)

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
                append_record(
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


def _cmd_list(args) -> int:
    for name in experiment_names():
        e = get(name)
        print(f"{name}: {len(e.grid)} runs. {e.description}")
    return 0


def _cmd_run(args) -> int:
    try:
        run_experiment(
            args.experiment,
            args.out,
            mode=args.mode,
            max_runs=args.max_runs,
            progress=not args.quiet,
            argv=["python -m book.sweep", *args.argv],
            pause=args.pause,
            reverse=args.reverse,
            only={k: v.split(",") for k, v in (o.split("=", 1) for o in args.only)},
        )
    except ResultsFileError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


def _cmd_compare(args) -> int:
    gap = compare_results(args.a, args.b)
    print(f"largest difference of final metrics: {gap:.2e}")
    return 0 if gap <= args.tolerance else 1


def _cmd_merge(args) -> int:
    try:
        n = merge_results(args.a, args.b, args.out)
    except ResultsFileError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{n} runs written to {args.out}")
    return 0


def _cmd_bench(args) -> int:
    result = bench(args.experiment, args.runs)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(f"loop {result['loop_s']:.1f} s, vmap {result['vmap_s']:.1f} s for {args.runs} runs")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (``python -m book.sweep --help``); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="python -m book.sweep", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the experiments").set_defaults(func=_cmd_list)
    run = sub.add_parser("run", help="run (or resume) an experiment")
    run.set_defaults(func=_cmd_run)
    run.add_argument("experiment")
    run.add_argument("--out", required=True)
    run.add_argument("--mode", choices=MODES, default="vmap")
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
    mg.set_defaults(func=_cmd_merge)
    mg.add_argument("a")
    mg.add_argument("b")
    mg.add_argument("--out", required=True)
    cmp = sub.add_parser("compare", help="largest difference of final metrics of two files")
    cmp.set_defaults(func=_cmd_compare)
    cmp.add_argument("a")
    cmp.add_argument("b")
    cmp.add_argument("--tolerance", type=float, default=1e-4)
    bn = sub.add_parser("bench", help="time looped vs vmapped runs of one group")
    bn.set_defaults(func=_cmd_bench)
    bn.add_argument("experiment")
    bn.add_argument("--runs", type=int, default=3)
    bn.add_argument("--out", required=True, help="JSON file for the timings")
    args = parser.parse_args(argv)
    args.argv = argv
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
