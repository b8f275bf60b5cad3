"""Performance measurements of the course's code, as ratios within one run (`make bench`).

Timings on shared machines are noisy, so nothing here is asserted by the tests; each
ratio compares two ways of doing the same work measured back to back. Results are
printed and written to benchmarks/results/latest.json with their provenance.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from book import data, diagnostics, nets
from book import transformer as tf
from book.explore import explore, slider
from book.losses import cross_entropy
from book.plots import encode_canvas
from book.train import optimizer_step, train

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
JB = [str(ROOT / ".venv" / "bin" / "jupyter-book"), "build", ".", "-W", "-n", "--keep-going"]
BOOK_ENV = os.environ | {"JAX_PLATFORMS": "cpu", "PYTHONHASHSEED": "0", "BOOK_STATIC_FRAMES": "all"}
TARGETS = {
    "cold_execution_s": 300.0,
    "warm_rebuild_s": 15.0,
    "widget_latency_s": 0.1,
    "ci_s": 25 * 60.0,
}
# Written by other commands, read into the table when present: the last `.ci/run` in this
# checkout (phase -> seconds) and `make widget-latency` (in a real JupyterLab).
CI_PHASES = BUILD / "ci-phases.json"
BROWSER_LATENCY = ROOT / "benchmarks" / "results" / "widget_latency.json"


def recorded() -> dict:
    """Return the CI phase times and the browser slider latency last recorded, if any."""
    out = {}
    for key, path in (("ci_phases", CI_PHASES), ("browser_widget_latency", BROWSER_LATENCY)):
        if path.exists():
            out[key] = json.loads(path.read_text())
    return out


class Tally:
    """The number of XLA compilations seen inside one ``with COMPILES as tally`` block."""

    def __init__(self):
        self.count = 0


class CompileCounter:
    """Counts XLA compilations (JAX's backend-compile events); each ``with`` block gets
    its own :class:`Tally`, so blocks timed one after another are counted apart."""

    def __init__(self):
        self._active: list[Tally] = []
        jax.monitoring.register_event_duration_secs_listener(self._listen)

    def _listen(self, event: str, duration: float, **kwargs) -> None:
        if event == "/jax/core/compile/backend_compile_duration":
            for tally in self._active:
                tally.count += 1

    def __enter__(self) -> Tally:
        self._active.append(Tally())
        return self._active[-1]

    def __exit__(self, *exc) -> None:
        self._active.pop()


COMPILES = CompileCounter()


def best_of(fn, repeats: int = 5) -> float:
    """Return the fastest wall time of ``repeats`` calls of ``fn`` (seconds)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - start)
    return min(times)


def matmul_peak() -> float:
    """Return this machine's float32 FLOP/s on a large jitted matmul."""
    n = 2048
    a = jax.random.normal(jax.random.key(0), (n, n))
    f = jax.jit(lambda a: a @ a)
    f(a).block_until_ready()
    return 2 * n**3 / best_of(lambda: f(a))


def jit_vs_eager() -> dict:
    """Gradient of a 20-layer sigmoid network, eager vs jitted (chapter 0's example)."""
    w = jax.random.normal(jax.random.key(1), (20, 64, 64)) / 8
    x = jnp.ones((32, 64))

    def loss(w):
        h = x
        for i in range(20):
            h = jax.nn.sigmoid(h @ w[i])
        return h.sum()

    eager, jitted = jax.grad(loss), jax.jit(jax.grad(loss))
    jitted(w).block_until_ready()
    t_eager, t_jit = best_of(lambda: eager(w), 3), best_of(lambda: jitted(w))
    return {"eager_s": t_eager, "jit_s": t_jit, "speedup": t_eager / t_jit}


def vmap_vs_loop(runs: int = 4, steps: int = 2000) -> dict:
    """Train ``runs`` seeds as one vmapped call vs a Python loop of single-seed calls.

    Both sides are one jitted ``lax.scan`` of SGD steps on chapter 1's MLP, compiled
    before timing; the compilations counted while timing must be zero, so the ratio is
    execution only. ``book.train`` caches its jitted chunk, so a repeated call with the
    same functions and shapes compiles nothing (``train_compilations_second_call``).
    """
    d = data.load_digits_split()
    x, y = jnp.asarray(d["x_train"]), jnp.asarray(d["y_train"])

    def loss(p, xb, yb):
        return cross_entropy(nets.mlp_forward(p, xb, "sigmoid")[0], yb)

    def one_run(key):
        p = nets.init_mlp(key, [64, 128, 128, 10])

        def step(p, k):
            i = jax.random.randint(k, (32,), 0, x.shape[0])
            g = jax.grad(loss)(p, x[i], y[i])
            return jax.tree_util.tree_map(lambda a, b: a - 0.1 * b, p, g), None

        p, _ = jax.lax.scan(step, p, jax.random.split(jax.random.fold_in(key, 1), steps))
        return loss(p, x, y)

    batched, single = jax.jit(jax.vmap(one_run)), jax.jit(one_run)
    keys = jax.random.split(jax.random.key(0), runs)
    key_list = list(keys)
    vmapped, looped = lambda: batched(keys), lambda: [single(k) for k in key_list]
    jax.block_until_ready((vmapped(), looped()))  # compile both before timing
    with COMPILES as c_vmap:
        t_vmap = best_of(vmapped, 3)
    with COMPILES as c_loop:
        t_loop = best_of(looped, 3)

    params = jax.vmap(lambda k: nets.init_mlp(k, [64, 128, 128, 10]))(keys[:1])
    kwargs = dict(optimizer=optax.sgd, steps=20, batch_size=32, key=jax.random.key(1))
    train(params, loss, x, y, learning_rates=jnp.full(1, 0.1), record_every=20, **kwargs)
    with COMPILES as c_train:
        train(params, loss, x, y, learning_rates=jnp.full(1, 0.1), record_every=20, **kwargs)
    return {
        "runs": runs,
        "steps": steps,
        "vmap_s": t_vmap,
        "loop_s": t_loop,
        "speedup": t_loop / t_vmap,
        "compilations_while_timed": {"vmap": c_vmap.count, "loop": c_loop.count},
        "train_compilations_second_call": c_train.count,
    }


def optimiser_step(loss, opt: optax.GradientTransformation):
    """Return ``step(params, opt_state, *batch)``: one ``opt`` step on ``loss(params, *batch)``
    (:func:`book.train.optimizer_step`, the step every training loop of the book runs)."""
    one_step = optimizer_step(lambda p, batch: loss(p, *batch), opt)

    def step(p, s, *batch):
        return one_step((p, s), batch)[0]

    return step


def step_flops(name: str, step, args, peak: float, note: str, flops: float | None = None) -> dict:
    """Achieved FLOP/s of one jitted training step vs ``peak``.

    FLOPs come from XLA's cost analysis unless ``flops`` is given: XLA counts the body
    of a ``lax.scan`` once, not once per iteration, so scanned stacks pass a count.
    """
    compiled = jax.jit(step).lower(*args).compile()
    cost = compiled.cost_analysis()
    cost = cost[0] if isinstance(cost, list) else cost
    xla_flops = float(cost["flops"])
    flops = xla_flops if flops is None else flops
    jax.block_until_ready(compiled(*args))
    seconds = best_of(lambda: compiled(*args), 10)
    return {
        "name": name,
        "flops_per_step": flops,
        "xla_cost_analysis_flops": xla_flops,
        "seconds": seconds,
        "flops_per_s": flops / seconds,
        "fraction_of_peak": flops / seconds / peak,
        "shape": note,
    }


def training_steps(peak: float) -> list[dict]:
    """The chapters' main training steps (one optimiser step each) vs the matmul peak."""
    out = []
    d = data.load_digits_split()
    x, y = jnp.asarray(d["x_train"]), jnp.asarray(d["y_train"])

    # Chapter 1: gradient of the 50-layer sigmoid stack (the depth sweep's unit of work).
    stack = nets.init_deep_stack(jax.random.key(0), 64, 128, 10, 50)
    xb, yb = x[:128], y[:128]
    out.append(
        step_flops(
            "ch1 50-layer gradient",
            lambda p: diagnostics.gradient_norm_per_layer(
                jax.grad(
                    lambda q: cross_entropy(nets.deep_stack_forward(q, xb, 50, 0, ["sigmoid"]), yb)
                )(p)
            ),
            (stack,),
            peak,
            "batch 128, 50 layers of 128x128",
            # forward + backward (3x) matmul FLOPs of the scanned stack
            flops=3 * 2 * 128 * (64 * 128 + 49 * 128 * 128 + 128 * 10),
        )
    )

    # Chapter 3: the deep MLP's SGD step (5 hidden layers of 100, batch 16).
    params = nets.init_mlp(jax.random.key(1), [64] + [100] * 5 + [10])
    opt = optax.sgd(0.1)

    mlp_step = optimiser_step(
        lambda q, xb, yb: cross_entropy(nets.mlp_forward(q, xb, "sigmoid")[0], yb), opt
    )

    out.append(
        step_flops(
            "ch3 deep MLP step",
            mlp_step,
            (params, opt.init(params), x[:16], y[:16]),
            peak,
            "batch 16, 5 layers of 100",
        )
    )

    # Chapter 4: the character MLP's Adam step (context 4, embed 16, hidden 128, batch 128).
    text = data.load_pydoc_text()[:20000]
    vocab = data.char_vocabulary(text)
    ctx, tgt = data.context_windows(data.encode_text(text, vocab), 4)
    char = nets.init_char_mlp(jax.random.key(2), len(vocab), 4, 16, 128)
    adam = optax.adam(3e-3)

    char_step = optimiser_step(
        lambda q, cb, tb: cross_entropy(nets.char_mlp_logits(q, cb), tb), adam
    )

    out.append(
        step_flops(
            "ch4 character MLP step",
            char_step,
            (char, adam.init(char), jnp.asarray(ctx[:128]), jnp.asarray(tgt[:128])),
            peak,
            f"batch 128, vocab {len(vocab)}, hidden 128",
        )
    )

    # Chapter 3: the transformer LM's AdamW step (2 layers, d 64, context 64, batch 32).
    config = tf.Config(vocab_size=len(vocab), context=64, d_model=64, n_layers=2, n_heads=4)
    model = tf.init(jax.random.key(3), config)
    adamw = optax.adamw(1e-3)
    tokens = jnp.asarray(data.encode_text(text, vocab)[: 32 * 65].reshape(32, 65))

    lm_step = optimiser_step(lambda q, batch: tf.loss(q, batch, config), adamw)

    out.append(
        step_flops(
            "ch3 transformer step",
            lm_step,
            (model, adamw.init(model), tokens),
            peak,
            "batch 32, context 64, d_model 64, 2 layers",
        )
    )
    return out


def widget_latency() -> dict:
    """Slider value to PNG in a live kernel: compute, draw and encode, after the first frame."""
    stack = nets.init_deep_stack(jax.random.key(0), 64, 128, 10, 50)
    d = data.load_digits_split()
    x, y = jnp.asarray(d["x_train"][:128]), jnp.asarray(d["y_train"][:128])

    def compute(depth, scale):
        return diagnostics.gradient_norm_per_layer(
            jax.grad(
                lambda p: cross_entropy(
                    nets.deep_stack_forward(p, x, depth, 0, ["sigmoid"], weight_scale=scale), y
                )
            )(stack)
        )

    def draw(fig, norms, values):
        ax = fig.subplots()
        ax.semilogy(norms)
        ax.set(xlabel="layer", ylabel="gradient norm", title=f"depth {values['depth']}")

    fig = explore(
        compute,
        draw,
        [slider("depth", [5, 10, 20, 50]), slider("scale", [0.5, 1.0, 2.0])],
        title="bench",
        alt="benchmark figure",
    )
    fig.update(depth=5, scale=0.5)  # the first frame compiles
    phases = {"compute": [], "draw": [], "render": [], "encode": [], "update": [], "floor": []}
    moves = [(dd, s) for dd in (10, 20, 50) for s in (1.0, 2.0)]
    with COMPILES as compiles:
        for dd, s in moves:
            # The end-to-end path the live widget runs on a slider move...
            t0 = time.perf_counter()
            fig.update(depth=dd, scale=s)
            phases["update"].append(time.perf_counter() - t0)
            # ...and its parts, on the figure's own canvas as `render` uses it: jitted
            # compute, draw callback, Agg render, PNG encode.
            shown = {"depth": dd, "scale": s}
            arrays = [
                sl.as_array(sl.values.index(v)) for sl, v in zip(fig.sliders, (dd, s), strict=True)
            ]
            t0 = time.perf_counter()
            result = jax.device_get(fig._compute(*arrays))
            t1 = time.perf_counter()
            figure = fig.draw_frame(result, shown)
            t2 = time.perf_counter()
            figure.canvas.draw()
            t3 = time.perf_counter()
            encode_canvas(figure.canvas)
            t4 = time.perf_counter()
            for k, dt in zip(
                ("compute", "draw", "render", "encode"),
                (t1 - t0, t2 - t1, t3 - t2, t4 - t3),
                strict=True,
            ):
                phases[k].append(dt)
    # The floor of any matplotlib redraw: the same figure kept, only the line's data
    # and the title changed in place, then rendered and encoded (no compute, no new
    # axes, ticks or layout objects). A frame drawn from scratch cannot beat it.
    kept = Figure(figsize=(6.4, 3.6), layout="constrained", dpi=80)
    canvas = FigureCanvasAgg(kept)
    ax = kept.subplots()
    (line,) = ax.semilogy(np.asarray(fig._compute(jnp.int32(50), jnp.float32(1.0))))
    ax.set(xlabel="layer", ylabel="gradient norm", title="depth 50")
    canvas.draw()
    for dd, s in moves:
        norms = np.asarray(fig._compute(jnp.int32(dd), jnp.float32(s)))
        t0 = time.perf_counter()
        line.set_data(np.arange(norms.size), norms)
        ax.relim()
        ax.autoscale_view()
        ax.set_title(f"depth {dd}")
        canvas.draw()
        encode_canvas(canvas)
        phases["floor"].append(time.perf_counter() - t0)
    med = {k: float(np.median(v)) for k, v in phases.items()}
    return {
        **{f"{k}_s": v for k, v in med.items()},
        "total_s": med["update"],
        "target_s": TARGETS["widget_latency_s"],
        "moves": len(moves),
        "recompilations": compiles.count,
        "traces": fig.traces,
    }


def execution_table() -> dict:
    """Per-notebook execution seconds of the last executions, from the build's cache."""
    cache_dir = BUILD / ".jupyter_cache"
    if not (cache_dir / "global.db").exists():
        return {"available": False, "why": "no execution cache: run `make book` first"}
    from jupyter_cache import get_cache

    rows = {}
    for r in get_cache(str(cache_dir)).list_cache_records():
        rel = Path(r.uri).resolve()
        rel = rel.relative_to(ROOT).as_posix() if rel.is_relative_to(ROOT) else str(rel)
        rows[rel] = {"seconds": r.data.get("execution_seconds"), "executed": r.created.isoformat()}
    chapters = {k: v for k, v in rows.items() if re.match(r"notebooks/0[0-5]_", k)}
    total = sum(v["seconds"] for v in chapters.values() if v["seconds"] is not None)
    return {
        "available": True,
        "notebooks": rows,
        "chapters_total_s": total,
        "all_total_s": sum(v["seconds"] or 0 for v in rows.values()),
        "target_s": TARGETS["cold_execution_s"],
    }


def _jb(out: Path | None, log: Path) -> float:
    cmd = [*JB] + ([] if out is None else ["--path-output", str(out)])
    start = time.perf_counter()
    with log.open("w") as f:
        rc = subprocess.run(
            cmd, cwd=ROOT, env=BOOK_ENV, stdout=f, stderr=subprocess.STDOUT
        ).returncode
    if rc:
        raise RuntimeError(f"book build failed (status {rc}); see {log}")
    return time.perf_counter() - start


def rebuilds(edited: str = "appendices/performance.ipynb") -> dict:
    """Warm rebuild (nothing changed) and a rebuild after one notebook changed."""
    if not (BUILD / "html" / "index.html").exists():
        return {"available": False, "why": "no built book: run `make book` first"}
    scratch = Path(tempfile.mkdtemp(prefix="bench-rebuild-"))
    try:
        _jb(None, scratch / "settle.log")  # bring _build up to date with the sources
        warm = _jb(None, scratch / "warm.log")
        warm_executed = (scratch / "warm.log").read_text().count("Executing notebook")
        # One notebook changed: in a copy of the build, forget its cache entry (as an edit
        # of its code would) and make it newer than the build, so Sphinx re-reads it.
        shutil.copytree(BUILD, scratch / "_build", symlinks=True)
        from jupyter_cache import get_cache

        cache = get_cache(str(scratch / "_build" / ".jupyter_cache"))
        for r in cache.list_cache_records():
            if Path(r.uri).resolve() == (ROOT / edited).resolve():
                cache.remove_cache(r.pk)
        os.utime(ROOT / edited)
        one = _jb(scratch, scratch / "one.log")
        log = (scratch / "one.log").read_text()
        executed = sorted(set(re.findall(r"(\S+\.ipynb): Executing notebook", log)))
        return {
            "available": True,
            "warm_rebuild_s": warm,
            "warm_executed_notebooks": warm_executed,
            "target_s": TARGETS["warm_rebuild_s"],
            "one_edited": edited,
            "one_edited_rebuild_s": one,
            "one_edited_executed": [
                Path(p).resolve().relative_to(ROOT).as_posix() for p in executed
            ],
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def make_test_phases() -> dict:
    """Wall time of each phase of `make test` (run only with --phases: it runs them all)."""
    phases = {}
    for target in [
        "lint",
        "unit",
        "book",
        "outputs",
        "browser-test",
        "nbval-one-thread",
        "interrupted-build",
    ]:
        start = time.perf_counter()
        rc = subprocess.run(["make", "--no-print-directory", target], cwd=ROOT).returncode
        phases[target] = {"seconds": time.perf_counter() - start, "status": rc}
    return phases


README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"


def readme_table(results: dict) -> str:
    """Return the README's performance table, generated from ``results``."""
    rows = ["| Figure | Measured | Target |", "| --- | --- | --- |"]
    ex = results.get("execution_table", {})
    if ex.get("available"):
        rows.append(
            f"| Whole book, cold execution (chapters, from the cache) | {ex['chapters_total_s']:.0f} s "
            f"| < {ex['target_s']:.0f} s |"
        )
        rows.append(
            f"| Every notebook, chapters and appendices (same build) | {ex['all_total_s']:.0f} s "
            f"| < {ex['target_s']:.0f} s |"
        )
    ci = results.get("ci_phases")
    if ci:
        phases = ", ".join(f"{k} {v:.0f}" for k, v in ci["phases"].items())
        rows.append(
            f"| CI (`.ci/run`, last run in this checkout; phases in s: {phases}) | "
            f"{ci['total_s'] / 60:.1f} min | < {TARGETS['ci_s'] / 60:.0f} min |"
        )
    rb = results.get("rebuilds", {})
    if rb.get("available"):
        rows.append(f"| Warm rebuild | {rb['warm_rebuild_s']:.1f} s | < {rb['target_s']:.0f} s |")
        rows.append(
            f"| One notebook changed: rebuild | {rb['one_edited_rebuild_s']:.1f} s, "
            f"{len(rb['one_edited_executed'])} notebook executed | only that notebook |"
        )
    for st in results["training_steps"]:
        rows.append(
            f"| {st['name']}: share of matmul peak | {100 * st['fraction_of_peak']:.0f}% | "
            "none set |"
        )
    w = results["widget_latency"]
    rows.append(
        f"| Slider move (compute / draw / render / PNG encode) | {1000 * w['total_s']:.0f} ms "
        f"({1000 * w['compute_s']:.0f} / {1000 * w['draw_s']:.0f} / {1000 * w['render_s']:.0f} / "
        f"{1000 * w['encode_s']:.0f}), {w['recompilations']} recompilations | < 100 ms, 0 |"
    )
    rows.append(
        f"| Floor of a matplotlib redraw (one line changed in place, render, encode) | "
        f"{1000 * w['floor_s']:.0f} ms | none set |"
    )
    b = results.get("browser_widget_latency")
    if b:
        rows.append(
            f"| Slider move in JupyterLab, key press to new image: revisit (the browser's frame) "
            f"| {b['revisit_ms']:.1f} ms | < {b['target_revisit_ms']:.0f} ms |"
        )
        rows.append(
            f"| The same, first visit (the kernel computes and draws) | {b['first_visit_ms']:.0f} ms "
            "| compute + draw |"
        )
    v = results["vmap_vs_loop"]
    rows.append(f"| vmap vs loop ({v['runs']} runs) | {v['speedup']:.1f}x | > 1 |")
    rows.append(
        f"| jit vs eager (grad, 20 layers) | {results['jit_vs_eager']['speedup']:.0f}x | > 1 |"
    )
    p = results["provenance"]
    rows.append("")
    rows.append(
        f"Measured by `make bench` at commit `{p['commit'][:10]}` on {p['device']}, "
        f"{p['cpus']} CPUs ({p['platform']})." + (f" {p['note']}" if p.get("note") else "")
    )
    return "\n".join(rows)


def write_readme(results: dict) -> bool:
    readme = ROOT / "README.md"
    text = readme.read_text()
    if README_START not in text or README_END not in text:
        return False
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    readme.write_text(f"{head}{README_START}\n{readme_table(results)}\n{README_END}{tail}")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The course's performance figures.")
    parser.add_argument("--no-build", action="store_true", help="skip the rebuild timings")
    parser.add_argument("--phases", action="store_true", help="also time every make test phase")
    parser.add_argument("--readme", action="store_true", help="regenerate the README table")
    parser.add_argument("--note", default="", help="a remark kept with the provenance")
    parser.add_argument(
        "--readme-only",
        action="store_true",
        help="regenerate the README table from benchmarks/results/latest.json, measure nothing",
    )
    args = parser.parse_args(argv)
    if args.readme_only:
        results = json.loads((ROOT / "benchmarks" / "results" / "latest.json").read_text())
        results.update(recorded())
        print("README table regenerated" if write_readme(results) else "no table markers")
        return 0
    started = time.perf_counter()
    peak = matmul_peak()
    results = {
        "matmul_peak_flops_per_s": peak,
        "jit_vs_eager": jit_vs_eager(),
        "vmap_vs_loop": vmap_vs_loop(),
        "training_steps": training_steps(peak),
        "matmul_peak_after_flops_per_s": matmul_peak(),
        "widget_latency": widget_latency(),
        "execution_table": execution_table(),
        "rebuilds": {"available": False, "why": "--no-build"} if args.no_build else rebuilds(),
    }
    if args.phases:
        results["make_test_phases"] = make_test_phases()
    results.update(recorded())
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = "unknown"
    results["provenance"] = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "commit": commit,
        "device": str(jax.devices()),
        "cpus": os.cpu_count(),
        "note": args.note,
        "platform": platform.platform(),
        "versions": {p: version(p) for p in ("jax", "jaxlib", "optax", "numpy")},
        "wall_s": time.perf_counter() - started,
    }
    report(results)
    out = ROOT / "benchmarks" / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    tmp = out.with_suffix(".json.tmp")  # written whole, then renamed: never half a file
    tmp.write_text(json.dumps(results, indent=2))
    tmp.replace(out)
    print(f"wrote {out.relative_to(ROOT)}")
    if args.readme:
        print(
            "README table regenerated" if write_readme(results) else "README has no table markers"
        )
    return 0


def report(results: dict) -> None:
    """Print every figure beside its target."""
    peak = results["matmul_peak_flops_per_s"]
    print(f"matmul peak (this machine, float32):  {peak / 1e9:8.1f} GFLOP/s")
    after = results.get("matmul_peak_after_flops_per_s")
    if after is not None and abs(after / peak - 1) > 0.2:
        print(
            f"  warning: the peak measured after the training steps is {after / 1e9:.1f} GFLOP/s: "
            "the machine's load changed during the run, so the shares below are uncertain"
        )
    r = results["jit_vs_eager"]
    print(f"jit vs eager (grad, 20 layers):       {r['speedup']:8.1f}x faster")
    r = results["vmap_vs_loop"]
    c = r["compilations_while_timed"]
    print(
        f"vmap vs loop ({r['runs']} training runs):     {r['speedup']:8.1f}x faster "
        f"(compilations while timed: vmap {c['vmap']}, loop {c['loop']}; a second "
        f"book.train call compiles {r['train_compilations_second_call']}x)"
    )
    for st in results["training_steps"]:
        print(
            f"{st['name']:<26} {st['flops_per_s'] / 1e9:6.2f} GFLOP/s = "
            f"{100 * st['fraction_of_peak']:4.1f}% of peak ({st['shape']})"
        )
    w = results["widget_latency"]
    print(
        f"slider move: {1000 * w['total_s']:.1f} ms end to end (target < 100 ms): compute "
        f"{1000 * w['compute_s']:.1f}, draw {1000 * w['draw_s']:.1f}, render "
        f"{1000 * w['render_s']:.1f}, PNG encode {1000 * w['encode_s']:.1f} ms (medians); "
        f"{w['recompilations']} recompilations over {w['moves']} moves"
    )
    print(
        f"  floor of any matplotlib redraw (same figure, one line changed in place, "
        f"rendered and encoded): {1000 * w['floor_s']:.1f} ms"
    )
    ex = results["execution_table"]
    if ex["available"]:
        print(
            f"whole book execution (chapters 0-5, last executions): {ex['chapters_total_s']:.0f} s "
            f"(target < {ex['target_s']:.0f} s); all notebooks {ex['all_total_s']:.0f} s"
        )
        for nb, row in sorted(ex["notebooks"].items()):
            print(f"    {nb:<40} {row['seconds']:7.1f} s")
    else:
        print(f"whole book execution: not measured ({ex['why']})")
    rb = results["rebuilds"]
    if rb["available"]:
        print(
            f"warm rebuild: {rb['warm_rebuild_s']:.1f} s (target < {rb['target_s']:.0f} s), "
            f"{rb['warm_executed_notebooks']} notebooks executed"
        )
        print(
            f"one notebook changed ({rb['one_edited']}): rebuild {rb['one_edited_rebuild_s']:.1f} s, "
            f"executed {rb['one_edited_executed']}"
        )
    else:
        print(f"rebuilds: not measured ({rb['why']})")
    for phase, row in results.get("make_test_phases", {}).items():
        print(f"make {phase:<18} {row['seconds']:7.1f} s (status {row['status']})")


if __name__ == "__main__":
    raise SystemExit(main())
