"""Chapter 3's experiments (listed by name in :mod:`book.experiments`).

``ch3_transformer``: a tiny character transformer on Python's own documentation with
every FFN variant of :data:`book.transformer.FFN_VARIANTS`, a learning-rate grid and
seeds. ``ch3_deep_mlp``: Glorot & Bengio's five-hidden-layer MLPs on scikit-learn's
digits with six activations and two initialisations. The chapter plots the stored
results; :func:`lm_task` and :func:`mlp_task` also serve its live runs.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from book import data, nets, ngram
from book import transformer as tf
from book.experiment import Experiment, Task, product_grid
from book.lm import lm_data, lm_optimizer, windows

__all__ = [
    "ffn_switch",
    "lm_family_task",
    "LM_SIZES",
    "LM_VARIANTS",
    "LM_RATES",
    "LM_MECHANISM",
    "LM_LONG_VARIANTS",
    "LM_LONG_RATES",
    "MLP_ACTIVATIONS",
    "MLP_RATES",
    "lm_data",
    "eval_windows",
    "lm_config",
    "lm_task",
    "mlp_data",
    "mlp_task",
    "count_baselines",
]

# ---------------------------------------------------------------------- the language model

LM_SIZES = dict(context=64, d_model=64, n_layers=2, n_heads=4)
LM_BATCH = 32
LM_STEPS = 200
LM_EVAL_EVERY = 25
# every FFN variant; the sweep trains them in this order (the main comparison first)
LM_VARIANTS = (
    "sigmoid", "relu", "gelu", "swiglu", "glu", "tanh", "silu", "geglu", "reglu", "relu2",
    "bilinear",
)  # fmt: skip
LM_RATES = (1.25e-3, 2.5e-3, 5e-3, 1e-2, 2e-2)
LM_SEEDS = (0, 1, 2)
# where sigmoid's deficit comes from: the same grid, seeds and budget for sigmoid with
# its mean removed, with its mean and 1/4 slope removed, a linear FFN and no FFN
LM_MECHANISM = ("sigmoid_centred", "sigmoid_centred4", "linear", "none")


def eval_windows(split: str, n: int = 1024) -> np.ndarray:
    """Return the ``n`` evenly spaced windows of ``context + 1`` symbols of ``split``
    ("train", "val" or "test") on which every model of chapter 3 is scored (count models
    too; the training windows are those of the train/validation gap)."""
    if split not in ("train", "val", "test"):
        raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}")
    return np.asarray(windows(lm_data()[split], n, LM_SIZES["context"] + 1))


def lm_config(ffn: str, **overrides) -> tf.Config:
    """Return the chapter's model configuration with FFN ``ffn``."""
    sizes = {**LM_SIZES, **overrides}
    return tf.Config(vocab_size=len(lm_data()["vocab"]), ffn=ffn, **sizes)


def _saturated(act, pre, threshold=0.01):
    d = jax.vmap(jax.grad(lambda z: act(z)))(pre.ravel())
    return (jnp.abs(d) < threshold).mean()


def lm_task(group: dict, *, ffn_fn=None, act=None) -> Task:
    """The :class:`~book.experiment.Task` of one FFN variant (``group["ffn"]``).

    ``evaluate`` gives the validation loss (nats) on 128 fixed windows; ``final_evaluate``
    the validation and test losses on 1024 windows each; ``measure`` per block: gradient
    norm, mean FFN hidden activation (what enters W_down), mean FFN output and the
    fraction of FFN units with |act'(pre)| < 0.01 (saturated), on one fixed batch.
    ``ffn_fn`` replaces the FFN (:func:`book.transformer.apply`) and ``act`` the activation
    whose saturation is measured (:func:`lm_family_task`); by default both are
    ``group["ffn"]``'s.
    """
    config = lm_config(group["ffn"], **group.get("sizes", {}))
    steps, batch = group.get("steps", LM_STEPS), group.get("batch", LM_BATCH)
    d = lm_data()
    train = jnp.asarray(d["train"])
    length = config.context + 1
    val_small = windows(d["val"], 128, length)
    val, test = windows(d["val"], 1024, length), windows(d["test"], 1024, length)
    # a run that passes over the training text more than once also reports its loss on
    # training windows, so the chapter can show the train/validation gap (overfitting)
    passes = steps * batch * length / train.size
    train_windows = windows(d["train"], 1024, length) if passes > 1 else None
    probe = val_small[:32]
    act = act or tf.FFN_VARIANTS[config.ffn][0]

    def sample_batch(key):
        starts = jax.random.randint(key, (batch,), 0, train.size - length)
        return jax.vmap(lambda s: jax.lax.dynamic_slice(train, (s,), (length,)))(starts)

    def loss(params, b):
        return tf.loss(params, b, config, ffn_fn=ffn_fn)

    def mean_loss(params, windows):
        chunks = windows.reshape(-1, 128, length)
        return jax.lax.map(lambda w: loss(params, w), chunks).mean()

    def measure(params, grads):
        _, blocks = tf.apply(
            params, probe[:, :-1], config, ffn_fn=ffn_fn, return_intermediates=True
        )
        norms = [optax.global_norm(g) for g in grads["blocks"]]
        return {
            "grad_norm": jnp.stack(norms),
            # the scale of what enters the activation: its std and 99th percentile of |z|
            "ffn_pre_std": jnp.stack([b["ffn_pre"].std() for b in blocks]),
            "ffn_pre_p99": jnp.stack([jnp.percentile(jnp.abs(b["ffn_pre"]), 99.0) for b in blocks]),
            "ffn_hidden_mean": jnp.stack([b["ffn_hidden"].mean() for b in blocks]),
            "ffn_out_mean": jnp.stack([b["ffn_out"].mean() for b in blocks]),
            "saturated": jnp.stack([_saturated(act, b["ffn_pre"]) for b in blocks]),
        }

    return Task(
        init=lambda key: tf.init(key, config),
        loss=loss,
        sample_batch=sample_batch,
        evaluate=lambda p: {"val_loss": mean_loss(p, val_small)},
        final_evaluate=lambda p: {
            "val_loss": mean_loss(p, val),
            "test_loss": mean_loss(p, test),
            **({} if train_windows is None else {"train_loss": mean_loss(p, train_windows)}),
        },
        optimizer=functools.partial(lm_optimizer, steps=steps),
        steps=steps,
        eval_every=group.get("eval_every", LM_EVAL_EVERY),
        measure=measure,
    )


def ffn_switch(member: jax.Array, ffns: tuple[str, ...]):
    """Return an ``ffn_fn`` (:func:`book.transformer.apply`) that applies the FFN
    ``ffns[member]`` for a traced int32 ``member`` (``lax.switch``). The FFNs must agree
    on gating, so that their weights have the same shapes."""
    configs = [lm_config(f) for f in ffns]
    if len({c.gated for c in configs}) != 1:
        raise ValueError(f"the FFNs must be all gated or all ungated, got {ffns}")
    branches = [functools.partial(tf.ffn, config=c) for c in configs]

    def ffn_fn(p, x, config):
        return jax.lax.switch(member, branches, p, x)

    return ffn_fn


def lm_family_task(member: jax.Array, ffns: tuple[str, ...]) -> Task:
    """:func:`lm_task` of FFN ``ffns[member]`` for a traced int32 ``member``: one program
    serves every FFN of ``ffns`` (:func:`book.train.make_family_trainer`). The numbers
    match :func:`lm_task`'s up to floating-point rounding."""
    acts = [tf.FFN_VARIANTS[f][0] for f in ffns]
    return lm_task(
        {"ffn": ffns[0]},
        ffn_fn=ffn_switch(member, ffns),
        act=lambda z: jax.lax.switch(member, acts, z),
    )


CH3_TRANSFORMER = Experiment(
    name="ch3_transformer",
    description=(
        "Chapter 3: character transformer (d=64, 2 layers, 4 heads, context 64, batch 32, "
        f"{LM_STEPS} AdamW steps) on pydoc text; every FFN variant x {len(LM_RATES)} "
        f"learning rates x {len(LM_SEEDS)} seeds."
    ),
    grid=product_grid(ffn=LM_VARIANTS, lr=LM_RATES, seed=LM_SEEDS),
    build=lm_task,
)

CH3_MECHANISM = Experiment(
    name="ch3_mechanism",
    description=(
        "Chapter 3: the ch3_transformer model, grid, seeds and budget with FFNs "
        "sigma - 1/2, 4(sigma - 1/2), linear and none (where sigmoid's deficit comes "
        f"from) x {len(LM_RATES)} learning rates x {len(LM_SEEDS)} seeds."
    ),
    grid=product_grid(ffn=LM_MECHANISM, lr=LM_RATES, seed=LM_SEEDS),
    build=lm_task,
)

# the ch3_transformer runs of sigmoid and GELU at their tuned rate (5e-3 for both, chosen
# on validation in that sweep), again, recording the FFN pre-activation scale (which the
# ch3_transformer records do not hold); they must reproduce its losses exactly
CH3_PREACTIVATION = Experiment(
    name="ch3_preactivation",
    description=(
        "Chapter 3: the ch3_transformer runs of sigmoid and GELU at their tuned rate "
        f"5e-3, {len(LM_SEEDS)} seeds, with the FFN pre-activation scale recorded."
    ),
    grid=product_grid(ffn=("sigmoid", "gelu"), lr=(5e-3,), seed=LM_SEEDS),
    build=lm_task,
)

# the second budget: a wider model trained five times longer, where the question is asked
# of models that beat a trigram count table (sigmoid, its centred twin, the ungated and
# gated leaders), rates around the tuned rates of the first budget
LM_LONG_SIZES = dict(d_model=128)
LM_LONG_STEPS = 1000
LM_LONG_VARIANTS = ("sigmoid", "sigmoid_centred", "relu", "relu2", "gelu", "glu", "swiglu")
LM_LONG_RATES = (1.25e-3, 2.5e-3, 5e-3, 1e-2)
CH3_TRANSFORMER_LONG = Experiment(
    name="ch3_transformer_long",
    description=(
        "Chapter 3, second budget: the character transformer at d=128 (2 layers, 4 heads, "
        f"context 64, batch 32), {LM_LONG_STEPS} AdamW steps; {len(LM_LONG_VARIANTS)} FFN "
        f"variants x {len(LM_LONG_RATES)} learning rates x {len(LM_SEEDS)} seeds."
    ),
    grid=product_grid(
        ffn=LM_LONG_VARIANTS,
        sizes=(LM_LONG_SIZES,),
        steps=(LM_LONG_STEPS,),
        eval_every=(50,),
        lr=LM_LONG_RATES,
        seed=LM_SEEDS,
    ),
    build=lm_task,
)

# ---------------------------------------------------------------------- deep MLPs (Glorot)

MLP_ACTIVATIONS = ("sigmoid", "tanh", "softsign", "relu", "gelu", "silu")
MLP_INITS = ("standard", "glorot")
MLP_WIDTH = 100
MLP_DEPTH = 5
MLP_STEPS = 2000
MLP_BATCH = 16
MLP_RATES = (0.01, 0.03, 0.1, 0.3, 1.0)
MLP_SEEDS = (0, 1, 2, 3, 4)


@functools.cache
def mlp_data() -> dict:
    """Return the digits split into train (60%), validation (15%) and test (25%)."""
    d = data.load_digits_split(test_fraction=0.25, seed=0)
    n_val = int(round(0.2 * len(d["y_train"])))
    return {
        "x_train": d["x_train"][n_val:],
        "y_train": d["y_train"][n_val:],
        "x_val": d["x_train"][:n_val],
        "y_val": d["y_train"][:n_val],
        "x_test": d["x_test"],
        "y_test": d["y_test"],
    }


def mlp_task(group: dict) -> Task:
    """The :class:`~book.experiment.Task` of a five-hidden-layer MLP with ``group["activation"]``
    and ``group["init"]`` (``"standard"`` or ``"glorot"``, the normalised init), plain SGD.

    ``evaluate``/``final_evaluate``: validation and test error (fractions) and losses.
    """
    d = {k: jnp.asarray(v) for k, v in mlp_data().items()}
    activation, init = group["activation"], group["init"]
    steps = group.get("steps", MLP_STEPS)
    sizes = [64] + [MLP_WIDTH] * MLP_DEPTH + [10]

    def logits(params, x):
        return nets.mlp_forward(params, x, activation)[0]

    def loss(params, b):
        return optax.softmax_cross_entropy_with_integer_labels(logits(params, b[0]), b[1]).mean()

    def error(params, x, y):
        return (logits(params, x).argmax(-1) != y).mean()

    def sample_batch(key):
        idx = jax.random.randint(key, (MLP_BATCH,), 0, d["y_train"].size)
        return d["x_train"][idx], d["y_train"][idx]

    def evaluate(params):
        return {
            "val_error": error(params, d["x_val"], d["y_val"]),
            "val_loss": loss(params, (d["x_val"], d["y_val"])),
        }

    def final(params):
        return {**evaluate(params), "test_error": error(params, d["x_test"], d["y_test"])}

    return Task(
        init=lambda key: nets.init_mlp(key, sizes, init),
        loss=loss,
        sample_batch=sample_batch,
        evaluate=evaluate,
        final_evaluate=final,
        optimizer=optax.sgd,
        steps=steps,
        eval_every=group.get("eval_every", 250),
    )


CH3_DEEP_MLP = Experiment(
    name="ch3_deep_mlp",
    description=(
        f"Chapter 3: {MLP_DEPTH} hidden layers of {MLP_WIDTH} units on digits, SGD, "
        f"batch {MLP_BATCH}, {MLP_STEPS} steps; 6 activations x 2 inits x "
        f"{len(MLP_RATES)} learning rates x {len(MLP_SEEDS)} seeds."
    ),
    grid=product_grid(activation=MLP_ACTIVATIONS, init=MLP_INITS, lr=MLP_RATES, seed=MLP_SEEDS),
    build=mlp_task,
)

# Sigmoid's and softsign's best rates in the grid above are its largest; this extends
# their rates upward so that each best rate lies inside the grid.
MLP_EXTRA_RATES = (3.0, 10.0)
CH3_DEEP_MLP_LARGE_RATES = Experiment(
    name="ch3_deep_mlp_large_rates",
    description=(
        "Chapter 3: the deep MLPs of ch3_deep_mlp with sigmoid and softsign at larger "
        f"rates {MLP_EXTRA_RATES}, both inits, {len(MLP_SEEDS)} seeds."
    ),
    grid=product_grid(
        activation=("sigmoid", "softsign"), init=MLP_INITS, lr=MLP_EXTRA_RATES, seed=MLP_SEEDS
    ),
    build=mlp_task,
)

# Every experiment of this chapter, for the registry (book.experiments).
EXPERIMENTS = (
    CH3_TRANSFORMER,
    CH3_MECHANISM,
    CH3_PREACTIVATION,
    CH3_TRANSFORMER_LONG,
    CH3_DEEP_MLP,
    CH3_DEEP_MLP_LARGE_RATES,
)


# ------------------------------------------------------------------ the count baselines


def count_baselines(
    train: np.ndarray, vocab_size: int, val_windows: np.ndarray, test_windows: np.ndarray
) -> dict[str, dict]:
    """Return chapter 3's count baselines: ``{"unigram" | "bigram" | "trigram": entry}``.

    Each entry holds ``k``, the add-k smoothing chosen on ``val_windows`` from
    :data:`book.ngram.SMOOTHING_GRID`; ``edge``, whether it is the grid's end; ``test``,
    test bits/char at ``k``; and ``spread``, the range of test bits/char over the grid.
    """
    if not isinstance(vocab_size, int) or vocab_size < 2:
        raise ValueError(f"vocab_size must be an integer of at least 2, got {vocab_size!r}")
    count = {}
    for order, name in ((1, "unigram"), (2, "bigram"), (3, "trigram")):
        model = ngram.fit_count_model(train, order, vocab_size)
        k, edge = ngram.tune_smoothing(model, val_windows)
        spread = [ngram.window_bits(model, test_windows, g) for g in ngram.SMOOTHING_GRID]
        count[name] = dict(k=k, edge=edge, test=ngram.window_bits(model, test_windows, k))
        count[name]["spread"] = max(spread) - min(spread)
    return count
