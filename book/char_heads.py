"""One character model, three output heads, trained over a grid of rates and seeds (chapter 4).

Chapter 4 trains the same next-character MLP (:func:`book.nets.init_char_mlp`) with three
output heads that differ only in their loss and their initial output bias:

- ``"softmax"``: cross-entropy of the next character;
- ``"one-vs-rest, b = 0"``: one binary cross-entropy per character, output bias 0;
- ``"one-vs-rest, prior bias"``: the same loss, every output bias started at
  ``-log(V - 1)`` so that each sigmoid starts at ``1 / V``.

:func:`train_head` trains every rate with every seed at once and returns a
:class:`RateGrid`, whose rate is chosen on validation by :func:`book.results.tune_rates`
(:func:`train_heads` trains several heads in one compiled program, the head a traced index);
:func:`gaps_by_budget` re-tunes at every recorded budget and pairs a head with a
baseline seed by seed (:func:`book.results.paired_difference`), and
:func:`budget_gap_report` prints them; :func:`initial_sigmoid_sum` and
:func:`smallest_last_drop` measure a head at the start and at the end of training.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from book import nets
from book.losses import (
    bits_per_symbol,
    one_vs_rest_bce,
    renormalised_sigmoid_log_probs,
    softmax_cross_entropy,
)
from book.results import PairedDifference, TunedRate, paired_difference, tune_rates
from book.train import TrainResult, train_steps

__all__ = [
    "HEADS",
    "prior_bias",
    "init_head",
    "head_loss",
    "head_log_probs",
    "RateGrid",
    "train_head",
    "train_heads",
    "BudgetGap",
    "gaps_by_budget",
    "budget_gap_report",
    "initial_sigmoid_sum",
    "smallest_last_drop",
]

HEADS = ("softmax", "one-vs-rest, b = 0", "one-vs-rest, prior bias")
EMBED, HIDDEN, BATCH = 16, 128, 128


def _check_head(head: object) -> str:
    if head not in HEADS:
        raise ValueError(f"head must be one of {HEADS}, got {head!r}")
    return head


def prior_bias(vocab_size: int) -> float:
    """Return ``-log(vocab_size - 1)``: the output bias at which a sigmoid predicts
    ``1 / vocab_size``, the best constant one-vs-rest head (chapter 4)."""
    if not isinstance(vocab_size, int) or vocab_size < 2:
        raise ValueError(f"vocab_size must be an int >= 2, got {vocab_size!r}")
    return -float(np.log(vocab_size - 1))


def init_head(key: jax.Array, head: str, vocab_size: int, context: int) -> dict:
    """Return the parameters of chapter 4's character MLP for ``head``: every output bias
    at :func:`prior_bias` for the prior-bias head, at 0 otherwise."""
    _check_head(head)
    return _init(key, _bias(head, vocab_size), vocab_size, context)


def _bias(head: str, vocab_size: int) -> float:
    return prior_bias(vocab_size) if head == "one-vs-rest, prior bias" else 0.0


def _init(key: jax.Array, bias, vocab_size: int, context: int) -> dict:  # bias may be traced
    params = nets.init_char_mlp(key, vocab_size, context, EMBED, HIDDEN)
    return {**params, "out": {**params["out"], "b": jnp.full(vocab_size, bias)}}


def head_loss(head: str):
    """Return the training loss of ``head``: softmax cross-entropy or one-vs-rest BCE."""
    return softmax_cross_entropy if _check_head(head) == "softmax" else one_vs_rest_bce


@functools.partial(jax.jit, static_argnames="head")
def head_log_probs(logits: jax.Array, head: str) -> jax.Array:
    """Return the log-distribution ``head`` predicts: log-softmax, or the sigmoids
    renormalised to sum to 1 for the one-vs-rest heads (so every head is scored in bits).
    Compiled once per head and shape."""
    if _check_head(head) == "softmax":
        return jax.nn.log_softmax(logits)
    return renormalised_sigmoid_log_probs(logits)


@dataclass(frozen=True)
class RateGrid:
    """``rates`` x ``seeds`` runs of one head (run ``i * seeds + s`` has rate ``i`` and
    seed ``s``) with bits per symbol recorded on each evaluation split."""

    head: str
    rates: tuple[float, ...]
    seeds: int
    result: TrainResult

    @property
    def record_steps(self) -> np.ndarray:
        """The step count at each record (the first is at initialisation)."""
        return self.result.record_steps

    def table(self, split: str, at: int = -1) -> np.ndarray:
        """Return bits per symbol on ``split`` at record ``at``, shaped (rates, seeds)."""
        if split not in self.result.records:
            raise ValueError(f"split must be one of {sorted(self.result.records)}, got {split!r}")
        return np.asarray(self.result.records[split])[:, at].reshape(-1, self.seeds)

    def tuned(self, report: str = "test", at: int = -1) -> TunedRate:
        """Return the rate with the lowest mean validation bits at record ``at`` and the
        ``report`` bits at that rate, one per seed (:func:`book.results.tune_rates`)."""
        select, reported = self.table("validation", at), self.table(report, at)
        runs = [
            {
                "config": {"lr": lr, "seed": s},
                "final": {"validation": float(select[i, s]), report: float(reported[i, s])},
            }
            for i, lr in enumerate(self.rates)
            for s in range(self.seeds)
        ]
        return tune_rates(runs, (), "validation", report)[()]

    def _run(self, lr: float, seed: int) -> int:
        if lr not in self.rates:
            raise ValueError(f"lr must be one of {self.rates}, got {lr!r}")
        if not isinstance(seed, int) or not 0 <= seed < self.seeds:
            raise ValueError(f"seed must be an int in [0, {self.seeds}), got {seed!r}")
        return self.rates.index(lr) * self.seeds + seed

    def params(self, lr: float, seed: int) -> dict:
        """Return the final parameters of the run with rate ``lr`` and seed ``seed``."""
        run = self._run(lr, seed)  # sliced in NumPy: no compilation per run
        return jax.tree_util.tree_map(lambda p: jnp.asarray(np.asarray(p)[run]), self.result.params)

    def curve(self, split: str, lr: float, seed: int) -> np.ndarray:
        """Return the bits on ``split`` at every record of one run."""
        return np.asarray(self.result.records[split])[self._run(lr, seed)]


def train_head(
    head: str,
    x: jax.Array,
    y: jax.Array,
    evals: Mapping[str, tuple[jax.Array, jax.Array]],
    *,
    vocab_size: int,
    context: int,
    rates: Sequence[float],
    seeds: int,
    steps: int,
    records: int,
    seed: int = 0,
) -> RateGrid:
    """Train ``head`` with Adam (batches of 128) at every rate with every seed at once.

    ``evals`` maps split names (``"validation"`` among them) to ``(contexts, targets)``;
    bits per symbol on each are recorded ``records`` times, and at initialisation.
    Returns the :class:`RateGrid` (:func:`train_heads` with one head).
    """
    _check_head(head)
    return train_heads(
        (head,),
        x,
        y,
        evals,
        vocab_size=vocab_size,
        context=context,
        rates=rates,
        seeds=seeds,
        steps=steps,
        records=records,
        seed=seed,
    )[head]


# Each head's loss and read-out, chosen by a traced index: one compiled program for all.
_KIND = {"softmax": 0, "one-vs-rest, b = 0": 1, "one-vs-rest, prior bias": 1}
_LOSSES = (softmax_cross_entropy, one_vs_rest_bce)
_READ_OUTS = (jax.nn.log_softmax, renormalised_sigmoid_log_probs)


def _distinct_contexts(x: jax.Array, y: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Return the distinct rows of ``x``, the index of each row of ``x`` among them, and
    ``y``: an evaluation split whose repeated contexts are run through the network once."""
    distinct, index = np.unique(np.asarray(x), axis=0, return_inverse=True)
    return jnp.asarray(distinct), jnp.asarray(index.reshape(-1)), jnp.asarray(y)


def _record(params, kind, evals):
    bits = {}
    for split, (distinct, index, targets) in evals.items():
        logits = nets.char_mlp_logits(params, distinct)
        log_probs = jax.lax.switch(kind, _READ_OUTS, logits)[index]  # one row per position
        bits[split] = bits_per_symbol(log_probs, targets)
    return bits


def _start(key, lr, bias, kind, evals, *, vocab_size, context):
    params = _init(key, bias, vocab_size, context)
    return (params, optax.adam(lr).init(params)), _record(params, kind, evals)


def _chunk(state, lr, kind, run_key, chunk_index, x, y, evals, *, steps):
    def loss(params, xb, yb):
        return jax.lax.switch(kind, _LOSSES, nets.char_mlp_logits(params, xb), yb)

    params, opt_state, losses = train_steps(
        *state,
        jax.random.fold_in(run_key, chunk_index),
        x,
        y,
        loss_fn=loss,
        optimizer=optax.adam(lr),
        steps=steps,
        batch_size=BATCH,
    )
    return (params, opt_state), losses.mean(), _record(params, kind, evals)


@functools.partial(jax.jit, static_argnames=("vocab_size", "context"))
def _start_runs(keys, lrs, biases, kinds, evals, *, vocab_size, context):
    start = functools.partial(_start, vocab_size=vocab_size, context=context)
    return jax.vmap(start, in_axes=(0, 0, 0, 0, None))(keys, lrs, biases, kinds, evals)


@functools.partial(jax.jit, static_argnames="steps")
def _chunk_runs(states, lrs, kinds, run_keys, chunk_index, x, y, evals, *, steps):
    chunk = functools.partial(_chunk, steps=steps)
    return jax.vmap(chunk, in_axes=(0, 0, 0, 0, None, None, None, None))(
        states, lrs, kinds, run_keys, chunk_index, x, y, evals
    )


def train_heads(
    heads: Sequence[str],
    x: jax.Array,
    y: jax.Array,
    evals: Mapping[str, tuple[jax.Array, jax.Array]],
    *,
    vocab_size: int,
    context: int,
    rates: Sequence[float],
    seeds: int,
    steps: int,
    records: int,
    seed: int = 0,
) -> dict[str, RateGrid]:
    """Train every head of ``heads`` at every rate with every seed, with one compilation.

    A head's loss and the distribution it is scored with are chosen by a traced index
    (``lax.switch``), so every head runs the same compiled program; the heads' calls run
    side by side, one thread each (XLA runs such a call on one core). Each head's runs
    start from the same keys and draw the same minibatches as :func:`train_head` gives it
    alone: the heads differ only in their loss and output bias. Adam, batches of 128;
    ``evals`` maps split names (``"validation"`` among them) to ``(contexts, targets)``,
    scored in bits per symbol ``records`` times and at initialisation (each distinct
    context through the network once). Returns head -> :class:`RateGrid`.
    """
    heads = tuple(_check_head(h) for h in heads)
    if not heads or len(set(heads)) != len(heads):
        raise ValueError(f"heads must be distinct and non-empty, got {heads!r}")
    if "validation" not in evals:
        raise ValueError(f"evals must include 'validation', got {sorted(evals)}")
    if not isinstance(seeds, int) or seeds < 2:
        raise ValueError(f"seeds must be an int >= 2 (intervals need two), got {seeds!r}")
    if not isinstance(records, int) or records < 1 or steps % records:
        raise ValueError(
            f"records must be a positive int dividing steps ({steps}), got {records!r}"
        )
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y must have as many rows, got {x.shape[0]} and {y.shape[0]}")
    rates = tuple(float(r) for r in rates)
    n = len(rates) * seeds  # runs per head: run i * seeds + s has rate i and seed s
    every = steps // records
    keys = jax.random.split(jax.random.key(seed), n)
    run_keys = jax.random.split(jax.random.key(seed + 1), n)
    lrs = jnp.asarray(np.repeat(np.float32(rates), seeds))
    evals = {split: _distinct_contexts(xe, ye) for split, (xe, ye) in evals.items()}
    x, y = jnp.asarray(x), jnp.asarray(y)
    biases = [jnp.asarray(np.full(n, _bias(h, vocab_size), np.float32)) for h in heads]
    kinds = [jnp.asarray(np.full(n, _KIND[h], np.int32)) for h in heads]

    # compiled once, ahead of the threads; then one thread per head
    start = _start_runs.lower(
        keys, lrs, biases[0], kinds[0], evals, vocab_size=vocab_size, context=context
    ).compile()
    with ThreadPoolExecutor(len(heads)) as pool:

        def each_head(fn, *per_head):  # fn(*args of head h) for every head, in parallel
            return list(pool.map(lambda *args: jax.block_until_ready(fn(*args)), *per_head))

        started = each_head(lambda b, k: start(keys, lrs, b, k, evals), biases, kinds)
        states = [state for state, _ in started]
        recs, losses = [[first] for _, first in started], [[] for _ in heads]
        chunk = _chunk_runs.lower(
            states[0], lrs, kinds[0], run_keys, 0, x, y, evals, steps=every
        ).compile()
        label = f"{len(heads)} head{'s' if len(heads) > 1 else ''} x {n} runs"
        milestones = {max(1, round(records * q / 4)) for q in (1, 2, 3, 4)}
        for c in range(records):
            out = each_head(
                lambda state, k, c=c: chunk(state, lrs, k, run_keys, c, x, y, evals),
                states,
                kinds,
            )
            for h, (state, loss, rec) in enumerate(out):
                states[h] = state
                losses[h].append(np.asarray(loss))
                recs[h].append(rec)
            if c + 1 in milestones:
                print(f"{label}: {100 * (c + 1) // records}% ({(c + 1) * every}/{steps} steps)")
    grids = {}
    for h, head in enumerate(heads):
        result = TrainResult(
            params=states[h][0],
            losses=np.stack(losses[h], axis=1),
            records={
                split: np.stack([np.asarray(r[split]) for r in recs[h]], axis=1) for split in evals
            },
            record_steps=np.arange(records + 1) * every,
        )
        grids[head] = RateGrid(head, rates, seeds, result)
    return grids


class BudgetGap(NamedTuple):
    """At ``steps``: the paired ``gap`` (head - baseline, reported bits) with each side's
    rate re-chosen on validation at that budget, and whether each chosen rate is at the
    grid's edge."""

    steps: int
    gap: PairedDifference
    head_lr: float
    head_edge: bool
    base_lr: float
    base_edge: bool


def gaps_by_budget(grid: RateGrid, base: RateGrid, report: str = "test") -> list[BudgetGap]:
    """Return a :class:`BudgetGap` for every record after initialisation: how far
    ``grid`` lies behind ``base`` on ``report``, seed by seed, if training stopped there."""
    if grid.seeds != base.seeds or not np.array_equal(grid.record_steps, base.record_steps):
        raise ValueError("grid and base must share seeds and record steps")
    gaps = []
    for at in range(1, len(grid.record_steps)):
        h, b = grid.tuned(report, at), base.tuned(report, at)
        gaps.append(
            BudgetGap(
                int(grid.record_steps[at]),
                paired_difference(h.values, b.values),
                h.lr,
                h.edge,
                b.lr,
                b.edge,
            )
        )
    return gaps


def _rate_text(lr: float, edge: bool) -> str:
    return f"{lr:.0e}" + (" EDGE" if edge else "")


def budget_gap_report(gaps: Mapping[str, Sequence[BudgetGap]]) -> str:
    """Return, for each head of ``gaps`` (head -> :func:`gaps_by_budget`), a header line
    and one line per budget: the paired gap and the rate each side chose (chapter 4)."""
    if not gaps or not all(isinstance(g, BudgetGap) for gs in gaps.values() for g in gs):
        raise ValueError("gaps must map each head to a list of BudgetGap")
    lines = []
    for head, head_gaps in gaps.items():
        lines.append(f"{head}: test gap to softmax, bits/char (rates: head / softmax)")
        lines += [
            f"  {g.steps:5d} steps: {g.gap}  ({_rate_text(g.head_lr, g.head_edge)} / "
            f"{_rate_text(g.base_lr, g.base_edge)})"
            for g in head_gaps
        ]
    return "\n".join(lines)


def initial_sigmoid_sum(
    key: jax.Array, head: str, vocab_size: int, context: int, x: jax.Array
) -> float:
    """Return the mean over the contexts ``x`` of the sum of the sigmoids of the logits of
    ``head``'s network at initialisation (:func:`init_head`): about ``vocab_size / 2`` with
    output bias 0, about 1 with the prior bias (chapter 4)."""
    x = jnp.asarray(x)
    if x.ndim != 2 or x.shape[1] != context:
        raise ValueError(f"x must be (positions, context={context}), got shape {x.shape}")
    _check_head(head)
    return float(_initial_sigmoid_sum(key, _bias(head, vocab_size), x, vocab_size, context))


@functools.partial(jax.jit, static_argnums=(3, 4))  # one compilation for every head
def _initial_sigmoid_sum(key, bias, x, vocab_size, context):
    logits = nets.char_mlp_logits(_init(key, bias, vocab_size, context), x)
    return jax.nn.sigmoid(logits).sum(-1).mean()


def smallest_last_drop(grid: RateGrid, lr: float, split: str = "validation") -> float:
    """Return the smallest, over seeds, drop in bits on ``split`` between the last two
    records of ``grid``'s runs at rate ``lr``: positive if every run was still improving."""
    if len(grid.record_steps) < 2:
        raise ValueError("grid must hold at least two records")
    drops = []
    for seed in range(grid.seeds):
        curve = grid.curve(split, lr, seed)
        drops.append(float(curve[-2] - curve[-1]))
    return min(drops)
