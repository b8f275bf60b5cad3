"""Jit-compiled training: ``optax`` optimisers, ``lax.scan`` over steps, ``vmap`` over runs.

The building blocks are pure functions the caller may ``jit``, ``vmap`` or call inside
its own traced code (optax style): :func:`train_steps` runs minibatch steps of one run,
:func:`descend` runs full-batch descent. :func:`train` is the convenience driver the
chapters use: several runs at once (seeds and learning rates along a leading axis),
advancing in chunks of ``record_every`` steps; after each chunk ``record_fn`` measures
the parameters (chapter 1 records each layer's activation statistics), and progress is
printed at fixed fractions. Its compiled chunk is cached: a second call with the same
functions and shapes does not recompile. :func:`make_trainer` is the same engine for a
sweep's :class:`~book.experiment.Task` (batches drawn by the task, evaluations recorded,
the run axis sharded over devices); :mod:`book.sweep` runs and stores those.
:func:`make_family_trainer` compiles it once for tasks that differ only in a traced
variant index (the appendices' live runs).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import optax

from book.checks import check_positive_ints
from book.experiment import Task

__all__ = [
    "TrainResult",
    "optimizer_step",
    "train",
    "train_steps",
    "descend",
    "make_trainer",
    "make_family_trainer",
    "train_runs",
]


@dataclass(frozen=True)
class TrainResult:
    """Final parameters (leading run axis), mean loss per chunk (runs, chunks),
    records (leading axes runs, chunks+1; the first record is at initialisation)
    and the step count at each record."""

    params: object
    losses: np.ndarray
    records: object
    record_steps: np.ndarray


def _check_positive_rates(learning_rates: jax.Array) -> None:
    """Raise a ValueError naming ``learning_rates`` unless every (concrete) rate is > 0."""
    if isinstance(learning_rates, jax.core.Tracer):
        return  # traced rates (inside a caller's jit) cannot be checked here
    if not bool(jnp.all(jnp.isfinite(learning_rates) & (learning_rates > 0))):
        raise ValueError(f"learning_rates must be finite and > 0, got {learning_rates}")


def optimizer_step(
    loss_fn: Callable[[object, object], jax.Array], optimizer: optax.GradientTransformation
) -> Callable:
    """Return ``step((params, opt_state), batch) -> ((params, opt_state), loss)``: one
    ``optimizer`` step on ``loss_fn(params, batch)``.

    The body of every training loop in ``book/`` (:func:`train_steps`, :func:`descend`,
    the sweeps' engine in :mod:`book.sweep`) and of the benchmarks: a ``lax.scan`` over
    batches of it is a training run. The primer (chapter 0) writes the same step out.
    """

    def step(carry, batch):
        params, opt_state = carry
        loss, grads = jax.value_and_grad(loss_fn)(params, batch)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), loss

    return step


def train_steps(
    params: object,
    opt_state: object,
    key: jax.Array,
    x: jax.Array,
    y: jax.Array,
    *,
    loss_fn: Callable[[object, jax.Array, jax.Array], jax.Array],
    optimizer: optax.GradientTransformation,
    steps: int,
    batch_size: int,
) -> tuple[object, object, jax.Array]:
    """Run ``steps`` minibatch steps of one run; return ``(params, opt_state, losses)``.

    A pure function of arrays (``loss_fn``, ``optimizer``, ``steps`` and ``batch_size``
    are static): jit it, vmap it over runs, or call it inside your own traced code.
    Minibatches are drawn uniformly with replacement from ``(x, y)`` with ``key``.
    :func:`train` drives it chunk by chunk for the chapters.
    """

    step = optimizer_step(lambda p, batch: loss_fn(p, *batch), optimizer)

    def one_step(carry, idx):
        return step(carry, (x[idx], y[idx]))

    # One draw of all the minibatch indices: cheaper than a key split per step.
    batches = jax.random.randint(key, (steps, batch_size), 0, x.shape[0])
    (params, opt_state), losses = jax.lax.scan(one_step, (params, opt_state), batches)
    return params, opt_state, losses


def _no_record(params: object) -> jax.Array:
    return jnp.zeros(())


@functools.lru_cache(maxsize=32)
def _compiled_chunk(loss_fn, optimizer, record_fn, record_every: int, batch_size: int):
    """The jitted, run-vmapped chunk of :func:`train`, cached per functions and sizes.

    Chunk ``c`` of a run draws its minibatches with ``fold_in(run_key, c)``, inside the
    compiled function (an eager ``vmap`` per chunk would dispatch op by op).
    """
    record = record_fn or _no_record

    def run_chunk(params, opt_state, lr, run_key, chunk_index, x, y):
        params, opt_state, losses = train_steps(
            params,
            opt_state,
            jax.random.fold_in(run_key, chunk_index),
            x,
            y,
            loss_fn=loss_fn,
            optimizer=optimizer(lr),
            steps=record_every,
            batch_size=batch_size,
        )
        return params, opt_state, losses.mean(), record(params)

    return jax.jit(jax.vmap(run_chunk, in_axes=(0, 0, 0, 0, None, None, None)))


@functools.lru_cache(maxsize=32)
def _compiled_start(optimizer, record_fn):
    """The jitted, run-vmapped optimiser init and first record of :func:`train`."""
    record = record_fn or _no_record

    def start(params, lr):
        return optimizer(lr).init(params), record(params)

    return jax.jit(jax.vmap(start))


def train(
    init_params: object,
    loss_fn: Callable[[object, jax.Array, jax.Array], jax.Array],
    x: jax.Array,
    y: jax.Array,
    *,
    optimizer: Callable[[jax.Array], optax.GradientTransformation],
    learning_rates: jax.Array,
    steps: int,
    batch_size: int,
    key: jax.Array,
    record_every: int,
    record_fn: Callable[[object], object] | None = None,
    label: str | None = None,
) -> TrainResult:
    """Train ``len(learning_rates)`` runs in parallel and return a :class:`TrainResult`.

    ``init_params`` carries a leading run axis (e.g. ``vmap(init)(keys)``);
    ``optimizer(lr)`` builds the optax transformation for one run's learning rate
    (traced, so all rates share one compilation). Minibatches are drawn uniformly
    with replacement from ``(x, y)`` with a key per run. ``label`` turns on a
    progress line at each quarter of training. Used from chapter 1 on.
    """
    learning_rates = jnp.asarray(learning_rates, jnp.float32)
    if learning_rates.ndim != 1 or learning_rates.size == 0:
        raise ValueError("learning_rates must be a non-empty 1-D array (one rate per run)")
    _check_positive_rates(learning_rates)
    runs = learning_rates.shape[0]
    leading = {leaf.shape[0] for leaf in jax.tree_util.tree_leaves(init_params)}
    if leading != {runs}:
        raise ValueError(
            f"init_params leaves must all have a leading run axis of {runs} (one per entry "
            f"of learning_rates), got {leading}"
        )
    check_positive_ints(steps=steps, batch_size=batch_size, record_every=record_every)
    if steps % record_every:
        raise ValueError(f"steps ({steps}) must be a multiple of record_every ({record_every})")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y must have as many rows, got {x.shape[0]} and {y.shape[0]}")
    for name, value in (("x", x), ("y", y)):
        if not isinstance(value, jax.core.Tracer) and not bool(jnp.all(jnp.isfinite(value))):
            raise ValueError(f"{name} must be finite (no NaN or inf in the data)")

    chunk = _compiled_chunk(loss_fn, optimizer, record_fn, record_every, batch_size)
    opt_state, first_record = _compiled_start(optimizer, record_fn)(init_params, learning_rates)
    records = [first_record]
    losses = []
    params = init_params
    n_chunks = steps // record_every
    run_keys = jax.random.split(key, runs)
    milestones = {max(1, round(n_chunks * q / 4)) for q in (1, 2, 3, 4)}
    for c in range(n_chunks):
        params, opt_state, loss, rec = chunk(params, opt_state, learning_rates, run_keys, c, x, y)
        losses.append(loss)
        records.append(rec)
        if label and c + 1 in milestones:
            done = (c + 1) * record_every
            print(f"{label}: {100 * done // steps}% ({done}/{steps} steps, {runs} runs)")
    stacked = jax.tree_util.tree_map(lambda *r: np.stack(r, axis=1), *records)
    return TrainResult(
        params=params,
        losses=np.stack([np.asarray(v) for v in losses], axis=1),
        records=stacked,
        record_steps=np.arange(n_chunks + 1) * record_every,
    )


def descend(
    loss_fn: Callable[[object, object], jax.Array],
    init_params: object,
    data: object,
    *,
    optimizer: Callable[[jax.Array], optax.GradientTransformation],
    learning_rates: jax.Array,
    steps: int,
    record_path: bool = False,
) -> tuple[jax.Array, object]:
    """Full-batch descent on ``loss_fn(params, data)``, every run vmapped in one scan.

    ``init_params``, ``data`` and ``learning_rates`` carry a leading run axis (runs may
    differ in data, e.g. seeds, and in learning rate). Returns ``(losses, path)``: the
    loss before each step and after the last, shape (runs, steps + 1), and, with
    ``record_path``, the parameters at those points (leading axes runs, steps + 1),
    else ``None``. A pure function (``loss_fn``, ``optimizer``, ``steps`` and
    ``record_path`` are static): jit it once and reuse it, or call it inside traced code
    such as an interactive figure's ``compute``. Chapter 2 counts steps to a target loss
    with it and draws paths.
    """
    learning_rates = jnp.asarray(learning_rates, jnp.float32)
    if learning_rates.ndim != 1 or learning_rates.size == 0:
        raise ValueError("learning_rates must be a non-empty 1-D array (one rate per run)")
    _check_positive_rates(learning_rates)
    check_positive_ints(steps=steps)
    runs = learning_rates.shape[0]
    leading = {leaf.shape[0] for leaf in jax.tree_util.tree_leaves((init_params, data))}
    if leading != {runs}:
        raise ValueError(
            f"init_params and data need a leading run axis of {runs} (one per entry of "
            f"learning_rates), got {leading}"
        )

    def one_run(params, data, lr):
        opt = optimizer(lr)
        full_batch_step = optimizer_step(loss_fn, opt)

        def step(carry, _):
            (params, state), loss = full_batch_step(carry, data)
            return (params, state), (loss, params if record_path else None)

        init = (params, opt.init(params))
        (final, _), (losses, path) = jax.lax.scan(step, init, None, length=steps)
        losses = jnp.append(losses, loss_fn(final, data))
        if record_path:
            path = jax.tree_util.tree_map(
                lambda p0, p: jnp.concatenate([p0[None], p]), params, path
            )
        return losses, path

    return jax.vmap(one_run)(init_params, data, learning_rates)


# ---------------------------------------------------------------- the sweeps' engine: a Task


def _num(x):
    """JSON-able float (or nested list) from an array; NaN/inf become None."""
    a = np.asarray(x, np.float64)
    if a.ndim == 0:
        v = float(a)
        return v if math.isfinite(v) else None
    return [_num(v) for v in a]


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
        pieces = (start, chunk, observe, final_evaluate)
        return _train_loop(pieces, task.steps, task.eval_every, lrs, seeds, on_chunk)

    return train


def make_family_trainer(family: Callable[[jax.Array], Task]) -> Callable[..., list[dict]]:
    """:func:`make_trainer` for a family of tasks that share one compilation.

    ``family(member)`` returns the Task of ``member``, an int32 scalar that is traced
    inside the compiled code (the task picks its variant with it, e.g. by ``lax.switch``),
    so every member reuses the compiled functions of the first. Members must agree on
    ``steps``, ``eval_every``, ``measure`` and on the structure and shapes of their
    parameters and outputs. Returns ``train(member, lrs, seeds, on_chunk=None)``: the runs
    of one call all train ``member``; otherwise as :func:`make_trainer`'s ``train``. The
    numbers match :func:`make_trainer` on ``family``'s task only up to floating-point
    rounding (one program for all members is compiled differently).
    """
    template = family(jnp.zeros((), jnp.int32))

    def start(member, keys, lrs):
        task = family(member)
        params = jax.vmap(task.init)(keys)
        return params, jax.vmap(lambda p, lr: task.optimizer(lr).init(p))(params, lrs)

    compiled = (
        jax.jit(start),
        jax.jit(lambda member, *args: _compile_chunk(family(member))(*args)),
        jax.jit(lambda member, p, k: jax.vmap(lambda p, k: _observe(family(member), p, k))(p, k)),
        jax.jit(lambda member, p: jax.vmap(family(member).final_evaluate)(p)),
    )

    def train(member: int, lrs: Sequence[float], seeds: Sequence[int], on_chunk=None):
        m = jnp.asarray(member, jnp.int32)
        pieces = tuple(functools.partial(f, m) for f in compiled)
        return _train_loop(pieces, template.steps, template.eval_every, lrs, seeds, on_chunk)

    return train


def _train_loop(pieces, steps: int, eval_every: int, lrs, seeds, on_chunk) -> list[dict]:
    """The loop of :func:`make_trainer`'s ``train`` over its compiled ``pieces``
    (``start``, ``chunk``, ``observe``, ``final_evaluate``)."""
    start, chunk, observe, final_evaluate = pieces
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
    params, opt_state, lr_arr, data_keys = _shard((params, opt_state, lr_arr, data_keys), padded)
    history = [jax.device_get(observe(params, data_keys))]
    train_losses = [np.full(padded, np.nan)]
    for c in range(steps // eval_every):
        params, opt_state, loss = chunk(params, opt_state, lr_arr, data_keys, c)
        train_losses.append(np.asarray(loss))
        history.append(jax.device_get(observe(params, data_keys)))
        if on_chunk is not None:
            on_chunk(c, float(np.nanmean(np.asarray(loss)[:n])))
    final = jax.device_get(final_evaluate(params))
    records = []
    for i in range(n):
        rec = {
            "steps": list(range(0, steps + 1, eval_every)),
            "train_loss": [None] + [_num(t[i]) for t in train_losses[1:]],
        }
        for name in history[0]:
            rec[name] = [_num(h[name][i]) for h in history]
        rec["final"] = {k: _num(v[i]) for k, v in final.items()}
        records.append(rec)
    return records


def train_runs(task: Task, lrs, seeds, *, on_chunk=None) -> list[dict]:
    """Train the runs ``zip(lrs, seeds)`` of ``task`` together; see :func:`make_trainer`."""
    return make_trainer(task)(lrs, seeds, on_chunk)
