"""The experiment model of the sweeps: what a group of runs trains, and a named grid.

A :class:`Task` is what one group of runs trains (jittable functions and a budget); an
:class:`Experiment` is a named grid of run configurations (JSON-able dicts with ``"lr"``
and ``"seed"``) with a ``build`` function from a group to its Task. Chapters define their
experiments with these (``book.ch3_experiments``, ``book.ch5_experiments``);
``book.experiments`` is the registry; ``book.sweep`` trains and stores them. Explained in
chapter 3.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from book.checks import check_positive_ints

__all__ = ["Task", "Experiment", "product_grid", "run_key", "group_of"]


@dataclass(frozen=True)
class Task:
    """What a group of runs trains. All functions must be jittable.

    ``init(key) -> params``; ``loss(params, batch) -> scalar``; ``sample_batch(key) ->
    batch``; ``evaluate(params) -> {name: scalar}`` (recorded every ``eval_every`` steps
    and at step 0); ``final_evaluate(params) -> {name: scalar}`` (after the last step,
    e.g. validation and test loss on larger sets); ``measure(params, grads) -> {name:
    array}`` optional diagnostics recorded with ``evaluate`` (grads on one batch);
    ``optimizer(lr)`` builds the optax transformation for a traced learning rate.
    """

    init: Callable
    loss: Callable
    sample_batch: Callable
    evaluate: Callable
    final_evaluate: Callable
    optimizer: Callable
    steps: int
    eval_every: int
    measure: Callable | None = None

    def __post_init__(self):
        check_positive_ints(**{name: getattr(self, name) for name in ("steps", "eval_every")})
        if self.steps % self.eval_every:
            raise ValueError(f"steps ({self.steps}) must be a multiple of eval_every")


@dataclass(frozen=True)
class Experiment:
    """A named grid of runs. ``grid``: one JSON-able dict per run, each with ``"lr"``
    (float) and ``"seed"`` (int); ``build(group) -> Task`` receives the dict without them."""

    name: str
    description: str
    grid: tuple[dict, ...]
    build: Callable[[dict], Task]

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"experiment name must be an identifier, got {self.name!r}")
        if not self.grid:
            raise ValueError("grid must hold at least one run")
        keys = set()
        for run in self.grid:
            if not isinstance(run, dict) or "lr" not in run or "seed" not in run:
                raise ValueError(f"every grid entry needs 'lr' and 'seed', got {run!r}")
            keys.add(run_key(run))
        if len(keys) != len(self.grid):
            raise ValueError("grid entries must be distinct")

    @property
    def grid_hash(self) -> str:
        blob = json.dumps(sorted(run_key(r) for r in self.grid)).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def product_grid(**axes: Sequence) -> tuple[dict, ...]:
    """Return every combination of ``axes`` (name -> values) as run configurations, the
    first axis outermost, e.g. ``product_grid(variant=V, lr=R, seed=S)``."""
    if not axes:
        raise ValueError("product_grid needs at least one axis, e.g. lr=(1e-3,), seed=(0,)")
    for name, values in axes.items():
        if isinstance(values, str) or not isinstance(values, Sequence) or not values:
            raise ValueError(f"axis {name!r} must be a non-empty sequence, got {values!r}")
    names = list(axes)
    return tuple(
        dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes.values())
    )


def run_key(config: dict) -> str:
    """Return the canonical JSON text of a run configuration (its identity in a file)."""
    return json.dumps(config, sort_keys=True)


def group_of(config: dict) -> dict:
    """Return ``config`` without its learning rate and seed (what a compiled group shares)."""
    return {k: v for k, v in config.items() if k not in ("lr", "seed")}
