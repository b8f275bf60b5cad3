"""Chapter 5's experiments (listed by name in :mod:`book.experiments`).

``ch5_attention``: the tiny character transformer of chapter 3 (smaller: d=32,
2 layers, 4 heads, context 32) with softmax attention, sigmoid attention with
b = -log n and with b = 0, gated attention (a sigmoid gate per channel on the head
output, Qiu et al. 2025) and its non-sparse control 0.5 + 0.5 sigmoid. Recorded
during training: validation loss, the attention weight on the first token (the
"attention sink"), the largest hidden activation, the attention output's norm and
the attention rows' sums.

``ch5_siglip``: SigLIP's sigmoid loss vs CLIP's softmax loss for two linear encoders
of the top and bottom halves of the digits, at six batch sizes.

``ch5_moe``: the same model with a mixture of 8 GELU experts (top-2) in place of each
FFN, routed by softmax or by DeepSeek-V3's sigmoid affinities, with or without the
auxiliary-loss-free bias balancing. Recorded: validation loss, the largest expert
load over the mean, the fraction of dead experts, each expert's load.

:func:`attention_task` and :func:`moe_task` also serve the chapter's live runs.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import optax

from book import data, moe
from book import pairwise_losses as pl
from book import transformer as tf
from book.experiment import Experiment, Task, product_grid
from book.lm import lm_data, lm_optimizer, windows

__all__ = [
    "SIZES",
    "ATTENTION_VARIANTS",
    "MOE_VARIANTS",
    "MOE_RATES",
    "RATES",
    "EXTRA_RATES",
    "SEEDS",
    "attention_config",
    "attention_task",
    "attention_family_task",
    "moe_task",
    "attention_probe",
    "PAIR_BATCHES",
    "PAIR_RATES",
    "PAIR_SEEDS",
    "PAIR_EXAMPLES",
    "PAIR_LOSSES",
    "pair_steps",
    "pair_data",
    "pair_task",
    "pair_family_task",
]

SIZES = dict(context=32, d_model=32, n_layers=2, n_heads=4)
# the training schedule every chapter-5 transformer shares
SCHEDULE = dict(batch=32, steps=300, eval_every=50)
RATES = (3e-3, 1e-2)
# ch5_attention_rates extends the attention sweep's grid on both sides, so that every
# variant's best rate lies inside 1e-3 .. 1e-1 (and the highest rate tests stability)
EXTRA_RATES = (1e-3, 3e-2, 1e-1)
SEEDS = (0, 1, 2)
# name -> Config overrides
ATTENTION_VARIANTS: dict[str, dict] = {
    "softmax": {"attention": "softmax"},
    "sigmoid": {"attention": "sigmoid"},  # b = -log(context)
    "sigmoid_b0": {"attention": "sigmoid", "sigmoid_bias": 0.0},
    "gated": {"attention": "gated"},
    "gated_dense": {"attention": "gated_dense"},
}
# name -> (router, gamma of the bias balancing)
# DeepSeek-V3 uses gamma = 0.001 over far longer training; 300 steps move a bias by at
# most 300 gamma, so the chapter uses gamma = 0.01. The bias is added to the gating
# scores of either router (book/moe.py), so one gamma is one step on one scale. Each
# router's rate is tuned on validation over MOE_RATES.
MOE_VARIANTS: dict[str, tuple[str, float]] = {
    "softmax": ("softmax", 0.0),
    "softmax_bias": ("softmax", 1e-2),
    "sigmoid": ("sigmoid", 0.0),
    "sigmoid_bias": ("sigmoid", 1e-2),
}
MOE_RATES = (1e-3, 3e-3, 1e-2, 3e-2)
N_EXPERTS, EXPERT_HIDDEN, TOP_K = 8, 16, 2


def attention_config(variant: str, **overrides) -> tf.Config:
    """Return the chapter's model configuration with attention ``variant``."""
    if variant not in ATTENTION_VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(ATTENTION_VARIANTS)}; got {variant!r}")
    sizes = {**SIZES, **overrides}
    return tf.Config(
        vocab_size=len(lm_data()["vocab"]), ffn="gelu", **sizes, **ATTENTION_VARIANTS[variant]
    )


def attention_probe(
    params: dict, tokens: jax.Array, config: tf.Config, ffn_fn=None, attention_fn=None
) -> dict:
    """Return attention diagnostics of ``params`` on ``tokens`` (batch, time).

    ``first_token``: mean attention weight on position 0 (over blocks, heads and query
    positions 1..T-1; the "sink"); ``max_activation``: the largest |hidden activation|
    of any block output; ``attention_norm``: mean L2 norm of each block's attention
    output per token; ``row_sum``: mean sum of an attention row (1 for softmax). All are
    read from the model's own intermediates (:func:`book.transformer.apply`).
    """
    _, blocks = tf.apply(
        params, tokens, config, ffn_fn=ffn_fn, attention_fn=attention_fn, return_intermediates=True
    )
    weights = jnp.stack([b["attention_weights"] for b in blocks])  # (L, B, H, T, T)
    return {
        "first_token": weights[..., 1:, 0].mean(),
        "max_activation": jnp.max(jnp.stack([jnp.abs(b["block_out"]).max() for b in blocks])),
        "attention_norm": jnp.stack(
            [jnp.linalg.norm(b["attention_out"], axis=-1).mean() for b in blocks]
        ),
        "row_sum": weights.sum(-1).mean(),
    }


def _lm_task(
    config, steps, eval_every, ffn_fn=None, ffn_init=None, gamma=0.0, attention_fn=None
) -> Task:
    d = lm_data()
    train = jnp.asarray(d["train"])
    length = config.context + 1
    val_small = windows(d["val"], 256, length)
    val, test = windows(d["val"], 1024, length), windows(d["test"], 1024, length)
    probe = val_small[:32, :-1]

    def sample_batch(key):
        starts = jax.random.randint(key, (SCHEDULE["batch"],), 0, train.size - length)
        return jax.vmap(lambda s: jax.lax.dynamic_slice(train, (s,), (length,)))(starts)

    def ce(params, b):
        return tf.loss(params, b, config, ffn_fn=ffn_fn, attention_fn=attention_fn)

    def loss(params, b):
        if ffn_init is None:
            return ce(params, b)
        logits, blocks = tf.apply(
            params, b[:, :-1], config, ffn_fn=ffn_fn, return_intermediates=True
        )
        nll = optax.softmax_cross_entropy_with_integer_labels(logits, b[:, 1:]).mean()
        return nll + sum(blk["balance_term"] for blk in blocks)  # value 0: balancing only

    def mean_loss(params, windows):
        return jax.lax.map(lambda w: ce(params, w), windows.reshape(-1, 128, length)).mean()

    def evaluate(params):
        out = {"val_loss": mean_loss(params, val_small)}
        out.update(attention_probe(params, probe, config, ffn_fn, attention_fn))
        if ffn_init is not None:
            _, blocks = tf.apply(params, probe, config, ffn_fn=ffn_fn, return_intermediates=True)
            loads = jnp.stack([b["expert_load"] for b in blocks])  # (L, E)
            out["expert_load"] = loads
            out["max_over_mean"] = loads.max(-1).mean()
            out["dead_fraction"] = (loads < 0.1).mean()
        return out

    def final(params):
        return {"val_loss": mean_loss(params, val), "test_loss": mean_loss(params, test)}

    def optimizer(lr):
        return moe.balance_optimizer(lm_optimizer(lr, steps), gamma)

    return Task(
        init=lambda key: tf.init(key, config, ffn_init=ffn_init),
        loss=loss,
        sample_batch=sample_batch,
        evaluate=evaluate,
        final_evaluate=final,
        optimizer=optimizer
        if ffn_init is not None
        else functools.partial(lm_optimizer, steps=steps),
        steps=steps,
        eval_every=eval_every,
    )


def attention_task(group: dict) -> Task:
    """The :class:`~book.experiment.Task` of attention ``group["variant"]``."""
    config = attention_config(group["variant"])
    return _lm_task(
        config,
        group.get("steps", SCHEDULE["steps"]),
        group.get("eval_every", SCHEDULE["eval_every"]),
    )


def attention_family_task(member: jax.Array) -> Task:
    """:func:`attention_task` of variant ``list(ATTENTION_VARIANTS)[member]`` for a traced
    int32 ``member``: one program serves all five variants
    (:func:`book.train.make_family_trainer`), ``lax.switch`` choosing the attention.

    Every variant's blocks carry the gate's weights; a variant without a gate does not
    read them (their gradient is 0, so the others train as in :func:`attention_task`, up
    to floating-point rounding).
    """
    configs = [attention_config(v) for v in ATTENTION_VARIANTS]

    def branch(config):
        def attend(p, x):
            out, inter = tf.attention(p, x, config)
            return out, {"attention_weights": inter["attention_weights"]}

        return attend

    def attention_fn(p, x, config):
        return jax.lax.switch(member, [branch(c) for c in configs], p, x)

    return _lm_task(
        attention_config("gated"),
        SCHEDULE["steps"],
        SCHEDULE["eval_every"],
        attention_fn=attention_fn,
    )


def moe_task(group: dict) -> Task:
    """The :class:`~book.experiment.Task` of the MoE model with router ``group["variant"]``."""
    router, gamma = MOE_VARIANTS[group["variant"]]
    config = attention_config("softmax")
    ffn_init = lambda key, cfg: moe.init_moe_ffn(key, cfg.d_model, N_EXPERTS, EXPERT_HIDDEN)  # noqa: E731
    return _lm_task(
        config,
        group.get("steps", SCHEDULE["steps"]),
        group.get("eval_every", SCHEDULE["eval_every"]),
        ffn_fn=moe.make_moe_ffn(router, TOP_K),
        ffn_init=ffn_init,
        gamma=gamma,
    )


_SCALE = (
    f"d={SIZES['d_model']}, {SIZES['n_layers']} layers, {SIZES['n_heads']} heads, "
    f"context {SIZES['context']}, batch {SCHEDULE['batch']}, {SCHEDULE['steps']} AdamW steps"
)

CH5_ATTENTION = Experiment(
    name="ch5_attention",
    description=(
        f"Chapter 5: character transformer ({_SCALE}) on pydoc text; attention variants "
        f"{', '.join(ATTENTION_VARIANTS)} x {len(RATES)} learning rates x {len(SEEDS)} seeds."
    ),
    grid=product_grid(variant=tuple(ATTENTION_VARIANTS), lr=RATES, seed=SEEDS),
    build=attention_task,
)

CH5_ATTENTION_RATES = Experiment(
    name="ch5_attention_rates",
    description=(
        f"Chapter 5: the runs of ch5_attention at the learning rates "
        f"{', '.join(f'{r:g}' for r in EXTRA_RATES)}, which widen its grid on both sides; "
        f"{len(ATTENTION_VARIANTS)} variants x {len(SEEDS)} seeds."
    ),
    grid=product_grid(variant=tuple(ATTENTION_VARIANTS), lr=EXTRA_RATES, seed=SEEDS),
    build=attention_task,
)

CH5_MOE = Experiment(
    name="ch5_moe",
    description=(
        f"Chapter 5: the same transformer with {N_EXPERTS} GELU experts (hidden "
        f"{EXPERT_HIDDEN}, top-{TOP_K}) per FFN ({_SCALE}); routers "
        f"{', '.join(MOE_VARIANTS)} x {len(MOE_RATES)} learning rates x {len(SEEDS)} seeds."
    ),
    grid=product_grid(variant=tuple(MOE_VARIANTS), lr=MOE_RATES, seed=SEEDS),
    build=moe_task,
)

# ---------------------------------------------------------------- SigLIP vs CLIP on digits

PAIR_BATCHES = (4, 8, 16, 32, 64, 128)
PAIR_RATES = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1)
PAIR_SEEDS = (0, 1, 2, 3, 4)
# every run sees the same number of pairs, so batch size is not confounded with data seen:
# 300 steps at the largest batch, 9,600 at the smallest
PAIR_EXAMPLES = 38_400
PAIR_DIM = 32
# name -> (loss, initial bias): SigLIP with the prior bias -log(B - 1) (chapter 4's logic),
# SigLIP with the paper's constant -10 (the prior bias of its ~32k batches), and CLIP
PAIR_LOSSES = {
    "siglip": ("siglip", "prior"),
    "siglip_b10": ("siglip", -10.0),
    "clip": ("clip", None),
}


def pair_steps(batch: int) -> int:
    """Return the number of steps at which a run of batch size ``batch`` sees
    ``PAIR_EXAMPLES`` pairs."""
    return PAIR_EXAMPLES // batch


@functools.cache
def pair_data() -> dict:
    """Return the digits cut into two views, top half (32 pixels) and bottom half, for the
    training, validation and test splits (``a_train, b_train, a_val, b_val, a_test,
    b_test``): a paired-embedding task built from bundled data. Row i of each view is one
    image. The validation pairs (the last 20% of the training split) choose the rates."""
    d = data.load_digits_split(test_fraction=0.25, seed=0)

    def halves(x):
        img = x.reshape(-1, 8, 8)
        return jnp.asarray(img[:, :4].reshape(-1, 32)), jnp.asarray(img[:, 4:].reshape(-1, 32))

    a, b = halves(d["x_train"])
    n_val = a.shape[0] // 5
    a_test, b_test = halves(d["x_test"])
    return {
        "a_train": a[:-n_val],
        "b_train": b[:-n_val],
        "a_val": a[-n_val:],
        "b_val": b[-n_val:],
        "a_test": a_test,
        "b_test": b_test,
    }


def pair_task(group: dict) -> Task:
    """The :class:`~book.experiment.Task` of two linear encoders trained with ``group["loss"]``
    (a key of ``PAIR_LOSSES``) at batch size ``group["batch"]`` for ``pair_steps(batch)``
    steps; ``evaluate`` gives the validation and test retrieval accuracy (top-1 among all
    pairs of the split), the validation error (which chooses the rate) and the loss's t
    and bias."""
    name, batch = group["loss"], group["batch"]
    if name not in PAIR_LOSSES:
        raise ValueError(f"loss must be one of {', '.join(PAIR_LOSSES)}; got {name!r}")
    loss_name, bias_init = PAIR_LOSSES[name]
    bias = pl.prior_bias(batch) if bias_init == "prior" else bias_init
    d = pair_data()
    n = d["a_train"].shape[0]
    loss_fn = pl.CONTRASTIVE_LOSSES[loss_name]

    def loss(params, idx):
        a, b = pl.encode_pair(params, d["a_train"][idx], d["b_train"][idx])
        return loss_fn(a, b, params["log_t"], params["bias"])

    def evaluate(params):
        val = pl.retrieval_accuracy(params, d["a_val"], d["b_val"])
        return {
            "val_error": 1.0 - val,
            "val_accuracy": val,
            "test_accuracy": pl.retrieval_accuracy(params, d["a_test"], d["b_test"]),
            "t": jnp.exp(params["log_t"]),
            "bias": params["bias"],
        }

    steps = group.get("steps", pair_steps(batch))
    return Task(
        init=lambda key: pl.init_pair_encoders(key, 32, 32, PAIR_DIM, loss_name, bias),
        loss=loss,
        sample_batch=lambda key: jax.random.choice(key, n, (batch,), replace=False),
        evaluate=evaluate,
        final_evaluate=evaluate,
        optimizer=optax.adam,
        steps=steps,
        eval_every=group.get("eval_every", steps),
    )


def pair_family_task(member: jax.Array, batch: int) -> Task:
    """:func:`pair_task` of loss ``list(PAIR_LOSSES)[member]`` at batch size ``batch`` for a
    traced int32 ``member``: one program serves the three losses
    (:func:`book.train.make_family_trainer`), ``lax.switch`` choosing the initial t and
    bias and the loss. The numbers match :func:`pair_task`'s up to floating-point rounding."""
    tasks = [pair_task({"loss": name, "batch": batch}) for name in PAIR_LOSSES]

    def switch(fns):
        return lambda *args: jax.lax.switch(member, fns, *args)

    # sampling, evaluation, optimiser and budget do not depend on the loss
    return dataclasses.replace(
        tasks[0], init=switch([t.init for t in tasks]), loss=switch([t.loss for t in tasks])
    )


CH5_SIGLIP = Experiment(
    name="ch5_siglip",
    description=(
        "Chapter 5: two linear encoders (32 -> 32) of the top and bottom halves of the "
        "digits, trained with Adam on "
        f"{PAIR_EXAMPLES:,} pairs (the same for every batch size) with SigLIP's sigmoid "
        "loss (initial bias -log(B - 1), or the paper's -10) or CLIP's softmax loss; "
        f"batch sizes {', '.join(map(str, PAIR_BATCHES))} x {len(PAIR_RATES)} learning "
        f"rates x {len(PAIR_SEEDS)} seeds; rates chosen on validation retrieval."
    ),
    grid=product_grid(loss=tuple(PAIR_LOSSES), batch=PAIR_BATCHES, lr=PAIR_RATES, seed=PAIR_SEEDS),
    build=pair_task,
)

# Every experiment of this chapter, for the registry (book.experiments).
EXPERIMENTS = (
    CH5_ATTENTION,
    CH5_ATTENTION_RATES,
    CH5_MOE,
    CH5_SIGLIP,
)
