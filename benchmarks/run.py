"""Performance measurements of the course's code, as ratios within one run (`make bench`).

Timings on shared machines are noisy, so nothing here is asserted by the tests; each
ratio compares two ways of doing the same work measured back to back. Results are
printed and written to benchmarks/results/latest.json with their provenance.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import jax
import jax.numpy as jnp
import optax

from book import data, diagnostics, nets
from book.explore import explore, slider
from book.train import cross_entropy, train

ROOT = Path(__file__).resolve().parents[1]


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


def vmap_vs_loop(runs: int = 4) -> dict:
    """Train ``runs`` seeds as one vmapped call vs a Python loop of single-seed calls."""
    d = data.load_digits_split()
    x, y = jnp.asarray(d["x_train"]), jnp.asarray(d["y_train"])

    def loss(p, xb, yb):
        return cross_entropy(nets.mlp_forward(p, xb, "sigmoid")[0], yb)

    def run(n):
        params = jax.vmap(lambda k: nets.init_mlp(k, [64, 128, 128, 10]))(
            jax.random.split(jax.random.key(0), n)
        )
        return train(
            params,
            loss,
            x,
            y,
            optimizer=optax.sgd,
            learning_rates=jnp.full(n, 0.1),
            steps=2000,
            batch_size=32,
            key=jax.random.key(1),
            record_every=1000,
        ).losses

    run(runs), run(1)  # compile both
    t_vmap = best_of(lambda: run(runs), 3)
    t_loop = best_of(lambda: [run(1) for _ in range(runs)], 3)
    return {"runs": runs, "vmap_s": t_vmap, "loop_s": t_loop, "speedup": t_loop / t_vmap}


def gradient_sweep_flops(peak: float) -> dict:
    """Achieved FLOP/s of chapter 1's 50-layer gradient computation vs the matmul peak."""
    stack = nets.init_deep_stack(jax.random.key(0), 64, 128, 10, 50)
    d = data.load_digits_split()
    x, y = jnp.asarray(d["x_train"][:128]), jnp.asarray(d["y_train"][:128])

    def norms(p):
        logits = lambda q: nets.deep_stack_forward(q, x, 50, 0, ["sigmoid"])  # noqa: E731
        grads = jax.grad(lambda q: cross_entropy(logits(q), y))(p)
        return diagnostics.gradient_norm_per_layer(grads)

    f = jax.jit(norms)
    f(stack).block_until_ready()
    seconds = best_of(lambda: f(stack))
    flops = 3 * 2 * 128 * (64 * 128 + 49 * 128 * 128 + 128 * 10)  # forward + backward matmuls
    return {
        "seconds": seconds,
        "flops_per_s": flops / seconds,
        "fraction_of_peak": flops / seconds / peak,
    }


def slider_moves() -> dict:
    """First render (compiles) vs later renders of an interactive figure: no recompilation."""
    stack = nets.init_deep_stack(jax.random.key(0), 64, 128, 10, 50)
    d = data.load_digits_split()
    x, y = jnp.asarray(d["x_train"][:128]), jnp.asarray(d["y_train"][:128])

    def compute(depth, scale):
        def loss(p):
            logits = nets.deep_stack_forward(p, x, depth, 0, ["sigmoid"], weight_scale=scale)
            return cross_entropy(logits, y)

        return diagnostics.gradient_norm_per_layer(jax.grad(loss)(stack))

    def draw(fig, norms, values):
        fig.subplots().plot(norms)

    fig = explore(
        compute,
        draw,
        [slider("depth", [5, 10, 20, 50]), slider("scale", [0.5, 1.0, 2.0])],
        title="bench",
        alt="benchmark figure",
    )
    start = time.perf_counter()
    fig.update(depth=5, scale=0.5)
    first = time.perf_counter() - start
    moves = [(dd, s) for dd in (10, 20, 50) for s in (1.0, 2.0)]
    start = time.perf_counter()
    for dd, s in moves:
        fig.update(depth=dd, scale=s)
    later = (time.perf_counter() - start) / len(moves)
    return {
        "first_render_s": first,
        "later_render_s": later,
        "ratio": first / later,
        "traces": fig.traces,
    }


def main() -> int:
    started = time.perf_counter()
    peak = matmul_peak()
    results = {
        "matmul_peak_flops_per_s": peak,
        "jit_vs_eager": jit_vs_eager(),
        "vmap_vs_loop": vmap_vs_loop(),
        "gradient_sweep": gradient_sweep_flops(peak),
        "slider_moves": slider_moves(),
    }
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
        "platform": platform.platform(),
        "versions": {p: version(p) for p in ("jax", "jaxlib", "optax", "numpy")},
        "wall_s": time.perf_counter() - started,
    }
    print(f"matmul peak (this machine, float32):  {peak / 1e9:8.1f} GFLOP/s")
    r = results["jit_vs_eager"]
    print(f"jit vs eager (grad, 20 layers):       {r['speedup']:8.1f}x faster")
    r = results["vmap_vs_loop"]
    print(f"vmap vs loop ({r['runs']} training runs):     {r['speedup']:8.1f}x faster")
    r = results["gradient_sweep"]
    print(
        f"50-layer gradient: {r['flops_per_s'] / 1e9:.1f} GFLOP/s = {100 * r['fraction_of_peak']:.0f}% of the matmul peak"
    )
    r = results["slider_moves"]
    print(
        f"slider move vs first render:          {r['ratio']:8.1f}x faster ({r['traces']} compilation)"
    )
    out = ROOT / "benchmarks" / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
