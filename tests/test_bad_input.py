"""Bad input: every public function of ``book/`` rejects it with a message naming the argument.

Hypothesis sweeps each function's arguments over non-positive sizes, unknown names,
NaN data, learning rates <= 0 and wrong shapes; each call must raise ValueError or
TypeError (never a bare JAX tracer or shape error) whose message names the argument.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from book import activations, data, losses, nets, plots, stats, train

KEY = jax.random.key(0)
SETTINGS = settings(max_examples=10, deadline=None)

non_positive_ints = st.integers(max_value=0)
non_positive_rates = st.one_of(
    st.floats(max_value=0.0, allow_nan=False), st.just(float("nan")), st.just(-math.inf)
)
unknown_names = st.text(min_size=0, max_size=12).filter(lambda s: s not in activations.names())
nan_positions = st.tuples(st.integers(0, 7), st.integers(0, 3))


def rejects(fn, argument: str) -> str:
    """Call ``fn`` and return its error message, checking it names ``argument``."""
    with pytest.raises((ValueError, TypeError)) as info:
        fn()
    message = str(info.value)
    assert argument in message, f"error does not name {argument!r}: {message}"
    assert not isinstance(info.value, jax.errors.JAXTypeError)
    return message


def _mlp(runs: int | None = None):
    if runs is None:
        return nets.init_mlp(KEY, [4, 5, 3])
    return jax.vmap(lambda k: nets.init_mlp(k, [4, 5, 3]))(jax.random.split(KEY, runs))


def _loss(p, xb, yb):
    return losses.cross_entropy(nets.mlp_forward(p, xb, "tanh")[0], yb)


def _train(**over):
    kwargs = dict(
        init_params=_mlp(2),
        loss_fn=_loss,
        x=jnp.ones((8, 4)),
        y=jnp.zeros(8, jnp.int32),
        optimizer=optax.sgd,
        learning_rates=jnp.array([0.1, 0.2]),
        steps=4,
        batch_size=2,
        key=KEY,
        record_every=2,
    )
    kwargs.update(over)
    return train.train(**kwargs)


def test_the_training_helper_runs_on_good_input():
    """The sweeps below change one argument of a call that otherwise succeeds."""
    assert _train().losses.shape[0] == 2


# ---- names ---------------------------------------------------------------------------


@SETTINGS
@given(unknown_names)
def test_unknown_activation_names(name):
    rejects(lambda: activations.get(name), "name")
    rejects(lambda: activations.colour(name), "name")
    rejects(lambda: nets.mlp_forward(_mlp(), jnp.ones((2, 4)), name), "name")


@SETTINGS
@given(st.text(max_size=12).filter(lambda s: s not in nets.INITS))
def test_unknown_init_names(init):
    rejects(lambda: nets.init_layer(KEY, 3, 3, init), "init")
    rejects(lambda: nets.init_mlp(KEY, [3, 3], init), "init")


# ---- sizes ---------------------------------------------------------------------------


@SETTINGS
@given(non_positive_ints)
def test_non_positive_sizes(n):
    rejects(lambda: nets.init_layer(KEY, n, 3), "n_in")
    rejects(lambda: nets.init_layer(KEY, 3, n), "n_out")
    rejects(lambda: nets.init_mlp(KEY, [4, n, 3]), "sizes")
    rejects(lambda: nets.init_deep_stack(KEY, n, 8, 3, 4), "n_in")
    rejects(lambda: nets.init_deep_stack(KEY, 4, n, 3, 4), "width")
    rejects(lambda: nets.init_deep_stack(KEY, 4, 8, n, 4), "n_out")
    rejects(lambda: nets.init_deep_stack(KEY, 4, 8, 3, n), "max_depth")
    for name in ("vocab", "context", "embed", "hidden"):
        sizes = dict(vocab=5, context=3, embed=2, hidden=4) | {name: n}
        rejects(lambda s=sizes: nets.init_char_mlp(KEY, **s), name)
    rejects(lambda: plots.new_figure(ncols=n), "ncols")
    rejects(lambda: data.char_vocabulary("abc", min_count=n), "min_count")
    rejects(lambda: data.sample_markov(np.full((2, 2), 0.5), n), "length")
    for name in ("steps", "batch_size", "record_every"):
        rejects(lambda name=name: _train(**{name: n}), name)


# ---- learning rates ------------------------------------------------------------------


@SETTINGS
@given(non_positive_rates)
def test_learning_rates_must_be_positive(lr):
    rejects(lambda: _train(learning_rates=jnp.array([0.1, lr])), "learning_rates")
    rejects(
        lambda: train.descend(
            lambda p, d: jnp.sum((p - d) ** 2),
            jnp.zeros((1, 2)),
            jnp.ones((1, 2)),
            optimizer=optax.sgd,
            learning_rates=jnp.array([lr]),
            steps=3,
        ),
        "learning_rates",
    )


# ---- NaN in data ---------------------------------------------------------------------


@SETTINGS
@given(nan_positions)
def test_nan_in_data(position):
    x = np.ones((8, 4), np.float32)
    x[position] = np.nan
    rejects(lambda: _train(x=jnp.asarray(x)), "x")
    rejects(lambda: stats.mean_ci(x[:, position[1]]), "samples")


# ---- wrong shapes --------------------------------------------------------------------


@SETTINGS
@given(st.integers(1, 9).filter(lambda w: w != 4))
def test_wrong_input_widths(width):
    rejects(lambda: nets.mlp_forward(_mlp(), jnp.ones((2, width)), "tanh"), "x")
    stack = nets.init_deep_stack(KEY, 4, 8, 3, 3)
    rejects(lambda: nets.deep_stack_forward(stack, jnp.ones((2, width)), 3, 0, ["tanh"]), "x")


@SETTINGS
@given(st.integers(1, 7).filter(lambda n: n != 8))
def test_rows_of_x_and_y_must_match(rows):
    rejects(lambda: _train(y=jnp.zeros(rows, jnp.int32)), "y")


@SETTINGS
@given(st.integers(1, 4).filter(lambda r: r != 2))
def test_one_learning_rate_per_run(runs):
    rejects(lambda: _train(learning_rates=jnp.full(runs, 0.1)), "learning_rates")
    rejects(lambda: _train(learning_rates=jnp.full((2, runs), 0.1)), "learning_rates")


@SETTINGS
@given(st.lists(st.floats(allow_nan=False), max_size=1))
def test_too_few_samples_for_a_confidence_interval(samples):
    rejects(lambda: stats.mean_ci(samples), "samples")


@SETTINGS
@given(st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0), st.just(float("nan"))))
def test_confidence_level_out_of_range(level):
    rejects(lambda: stats.mean_ci([1.0, 2.0, 3.0], level), "level")
