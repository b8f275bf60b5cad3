"""The character language-model task shared by chapters 3 and 5: data, windows, optimiser.

Python's own documentation (``pydoc_data``, bundled with Python) encoded as characters and
split 90/5/5; evenly spaced windows for evaluation; AdamW with warm-up and cosine decay.
Explained in chapter 3.
"""

from __future__ import annotations

import functools

import jax.numpy as jnp
import numpy as np
import optax

from book import data
from book.checks import check_positive_ints

__all__ = ["lm_data", "windows", "lm_optimizer"]


@functools.cache
def lm_data() -> dict:
    """Return the encoded pydoc text split 90/5/5 into train, validation and test tokens,
    with the vocabulary (characters seen at least 20 times, plus an unknown symbol)."""
    text = data.load_pydoc_text()
    vocab = data.char_vocabulary(text, min_count=20)
    tokens = data.encode_text(text, vocab)
    a, b = int(0.9 * tokens.size), int(0.95 * tokens.size)
    return {"vocab": vocab, "train": tokens[:a], "val": tokens[a:b], "test": tokens[b:]}


def windows(tokens: np.ndarray, n: int, length: int) -> jnp.ndarray:
    """Return ``n`` evenly spaced windows of ``length`` tokens of ``tokens``, (n, length)."""
    check_positive_ints(n=n, length=length)
    if length >= tokens.size:
        raise ValueError(f"length ({length}) must be below the number of tokens ({tokens.size})")
    starts = np.linspace(0, tokens.size - length - 1, n).astype(int)
    return jnp.asarray(np.stack([tokens[s : s + length] for s in starts]))


def lm_optimizer(lr, steps: int):
    """Return AdamW (weight decay 0.01) with gradient clipping at 1, 10% linear warm-up
    and cosine decay to lr/10 over ``steps``; ``lr`` may be traced."""
    shape = optax.warmup_cosine_decay_schedule(0.0, 1.0, max(1, steps // 10), steps, 0.1)
    schedule = lambda count: lr * shape(count)  # noqa: E731  (lr may be traced)
    return optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(schedule, weight_decay=0.01))
