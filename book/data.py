"""Bundled data only: nothing is downloaded at build or test time.

Chapters 1 and 2 use scikit-learn's handwritten digits (1,797 8x8 images, shipped
inside the scikit-learn package); chapter 4 uses the English text of Python's own
documentation topics (``pydoc_data``, shipped with CPython) and synthetic Markov
sources whose entropy rate is known exactly.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "load_digits_split",
    "load_pydoc_text",
    "char_vocabulary",
    "encode_text",
    "context_windows",
    "markov_source",
    "sample_markov",
]


def load_digits_split(test_fraction: float = 0.25, seed: int = 0) -> dict[str, np.ndarray]:
    """Return the digits data standardised with training statistics, split by ``seed``.

    Keys ``x_train, y_train, x_test, y_test``; inputs are float32 of shape (n, 64),
    labels int32 in 0..9.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    if not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = int(round(test_fraction * len(y)))
    test, train = order[:n_test], order[n_test:]
    mean = x[train].mean(0)
    std = x[train].std(0)
    std = np.where(std > 0, std, 1.0)  # pixels that are always blank stay 0
    scale = lambda a: ((a - mean) / std).astype(np.float32)  # noqa: E731
    return {
        "x_train": scale(x[train]),
        "y_train": y[train].astype(np.int32),
        "x_test": scale(x[test]),
        "y_test": y[test].astype(np.int32),
    }


def load_pydoc_text() -> str:
    """Return the English text of Python's own documentation topics (about 465k characters).

    ``pydoc_data.topics`` ships with CPython, so the character language model of
    chapter 4 needs no download. Topics are joined in sorted order, separated by newlines.
    """
    from pydoc_data.topics import topics

    return "\n".join(topics[k] for k in sorted(topics))


def char_vocabulary(text: str, min_count: int = 1) -> list[str]:
    """Return the sorted characters of ``text`` seen at least ``min_count`` times.

    Rarer characters are mapped to the last entry, ``"\\x00"`` (unknown), by
    :func:`encode_text`.
    """
    if not isinstance(text, str) or not text:
        raise ValueError("text must be a non-empty str")
    if not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"min_count must be a positive int, got {min_count!r}")
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    return sorted(ch for ch, n in counts.items() if n >= min_count and ch != "\x00") + ["\x00"]


def encode_text(text: str, vocab: list[str]) -> np.ndarray:
    """Return ``text`` as int32 indices into ``vocab`` (unknown characters -> last index)."""
    if not vocab:
        raise ValueError("vocab must not be empty")
    index = {ch: i for i, ch in enumerate(vocab)}
    unknown = len(vocab) - 1
    return np.fromiter((index.get(ch, unknown) for ch in text), dtype=np.int32, count=len(text))


def context_windows(tokens: np.ndarray, context: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(contexts, targets)``: each token with the ``context`` tokens before it."""
    tokens = np.asarray(tokens)
    if tokens.ndim != 1 or not isinstance(context, int) or not 1 <= context < tokens.size:
        raise ValueError("tokens must be 1-D and context an int in [1, len(tokens))")
    windows = np.lib.stride_tricks.sliding_window_view(tokens, context + 1)
    return windows[:, :-1].astype(np.int32), windows[:, -1].astype(np.int32)


def markov_source(key, n_symbols: int, concentration: float = 0.3) -> dict[str, np.ndarray | float]:
    """Return a random first-order Markov chain and its entropy rate (bits per symbol).

    Rows of the transition matrix are Dirichlet(``concentration``) draws. The entropy
    rate H = sum_i pi_i H(P_i), with pi the stationary distribution, is the loss floor
    no next-symbol model can beat (chapter 4). Keys: ``transitions``, ``stationary``,
    ``entropy_rate_bits``.
    """
    import jax

    if not isinstance(n_symbols, int) or n_symbols < 2:
        raise ValueError(f"n_symbols must be an int >= 2, got {n_symbols!r}")
    if not concentration > 0:
        raise ValueError(f"concentration must be positive, got {concentration!r}")
    p = np.asarray(
        jax.random.dirichlet(key, np.full(n_symbols, concentration), (n_symbols,)), np.float64
    )
    p = np.maximum(p, 1e-12)
    p /= p.sum(1, keepdims=True)
    eigvals, eigvecs = np.linalg.eig(p.T)
    pi = np.real(eigvecs[:, np.argmin(np.abs(eigvals - 1))])
    pi = pi / pi.sum()
    rate = float(-(pi[:, None] * p * np.log2(p)).sum())
    return {"transitions": p, "stationary": pi, "entropy_rate_bits": rate}


def sample_markov(transitions: np.ndarray, length: int, seed: int = 0) -> np.ndarray:
    """Return ``length`` symbols drawn from the Markov chain ``transitions`` (int32), from state 0."""
    import jax
    import jax.numpy as jnp

    if not isinstance(length, int) or length < 1:
        raise ValueError(f"length must be a positive int, got {length!r}")
    log_p = jnp.log(jnp.asarray(transitions, jnp.float32))

    def step(state, key):
        nxt = jax.random.categorical(key, log_p[state])
        return nxt, nxt

    keys = jax.random.split(jax.random.key(seed), length)
    _, seq = jax.jit(lambda k: jax.lax.scan(step, jnp.int32(0), k))(keys)
    return np.asarray(seq, dtype=np.int32)
