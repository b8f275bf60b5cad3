"""Every experiment the sweeps can run, by name: the registry of ``python -m book.sweep``.

An explicit table, built from the chapters' own tuples (``book.ch3_experiments``,
``book.ch5_experiments``) and the engine's smoke check; importing it registers nothing
anywhere. Add a chapter's experiments by adding its tuple below. Explained in chapter 3.
"""

from __future__ import annotations

import jax
import optax

from book import ch3_experiments, ch5_experiments, nets
from book.experiment import Experiment, Task

__all__ = ["SMOKE", "EXPERIMENTS", "get"]


def _smoke_task(group: dict) -> Task:
    # a toy problem: 4 classes, the arg-max of a fixed random linear map of 8 inputs
    x = jax.random.normal(jax.random.key(7), (512, 8))
    y = (x @ jax.random.normal(jax.random.key(8), (8, 4))).argmax(-1)
    x_val, y_val = x[384:], y[384:]

    def loss(params, batch):
        logits = nets.mlp_forward(params, batch[0], group["activation"])[0]
        return optax.softmax_cross_entropy_with_integer_labels(logits, batch[1]).mean()

    def sample_batch(key):
        idx = jax.random.randint(key, (16,), 0, 384)
        return x[idx], y[idx]

    return Task(
        init=lambda key: nets.init_mlp(key, [8, 16, 4], "glorot"),
        loss=loss,
        sample_batch=sample_batch,
        evaluate=lambda p: {"val_loss": loss(p, (x_val, y_val))},
        final_evaluate=lambda p: {"val_loss": loss(p, (x_val, y_val))},
        optimizer=optax.adam,
        steps=group["steps"],
        eval_every=10,
    )


# The engine's own check (`make sweep-smoke`, tests/sweep_smoke.py): 8 quick runs.
SMOKE = Experiment(
    name="smoke",
    description="Engine check: a one-hidden-layer MLP on a toy problem, 2 x 2 x 2 runs.",
    grid=tuple(
        {"activation": a, "steps": 40, "lr": lr, "seed": s}
        for a in ("gelu", "sigmoid")
        for lr in (1e-3, 1e-2)
        for s in (0, 1)
    ),
    build=_smoke_task,
)

EXPERIMENTS: dict[str, Experiment] = {
    e.name: e for e in (*ch3_experiments.EXPERIMENTS, *ch5_experiments.EXPERIMENTS, SMOKE)
}


def get(name: str) -> Experiment:
    """Return the experiment named ``name``; ValueError lists the valid names."""
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; valid: {', '.join(sorted(EXPERIMENTS))}")
    return EXPERIMENTS[name]
