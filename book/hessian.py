"""Curvature without forming the Hessian: Hessian-vector products and Lanczos (chapter 2).

For a network with P parameters the Hessian has P² entries; a Hessian-vector product
costs about two gradients. Lanczos iteration builds a small tridiagonal matrix from m
such products whose eigenvalues (Ritz values) approximate the extreme eigenvalues of
the Hessian, the largest ones first.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

__all__ = ["hvp", "lanczos_eigenvalues", "hessian_top_eigenvalues"]


def hvp(loss_fn: Callable[[object], jax.Array], params: object, v: object) -> object:
    """Return the Hessian of ``loss_fn`` at ``params`` times ``v`` (a pytree like ``params``).

    Forward-over-reverse: the directional derivative of the gradient, ``jvp(grad(f))``.
    """
    return jax.jvp(jax.grad(loss_fn), (params,), (v,))[1]


def lanczos_eigenvalues(
    matvec: Callable[[jax.Array], jax.Array], dim: int, num_iters: int, key: jax.Array
) -> jax.Array:
    """Return the Ritz values (descending) of a symmetric operator after ``num_iters`` steps.

    Uses full reorthogonalisation, so the values are reliable for small ``num_iters``;
    the largest ones converge first. ``matvec`` maps a vector of length ``dim`` to one.
    """
    if not isinstance(num_iters, int) or not 1 <= num_iters <= dim:
        raise ValueError(f"num_iters must be an int in [1, dim={dim}], got {num_iters!r}")
    v0 = jax.random.normal(key, (dim,))
    basis = jnp.zeros((num_iters + 1, dim)).at[0].set(v0 / jnp.linalg.norm(v0))

    def step(i, carry):
        basis, alphas, betas = carry
        w = matvec(basis[i])
        alpha = w @ basis[i]
        previous = jnp.where(i > 0, betas[i - 1], 0.0)
        w = w - alpha * basis[i] - previous * basis[i - 1]
        for _ in range(2):  # full reorthogonalisation, twice for stability
            w = w - basis.T @ (basis @ w)
        beta = jnp.linalg.norm(w)
        basis = basis.at[i + 1].set(w / jnp.maximum(beta, 1e-30))
        return basis, alphas.at[i].set(alpha), betas.at[i].set(beta)

    zeros = jnp.zeros(num_iters)
    _, alphas, betas = jax.lax.fori_loop(0, num_iters, step, (basis, zeros, zeros))
    off = betas[:-1]
    tridiagonal = jnp.diag(alphas) + jnp.diag(off, 1) + jnp.diag(off, -1)
    return jnp.linalg.eigvalsh(tridiagonal)[::-1]


def hessian_top_eigenvalues(
    loss_fn: Callable[[object], jax.Array],
    params: object,
    key: jax.Array,
    num_iters: int = 30,
    k: int = 5,
) -> jax.Array:
    """Return the ``k`` largest Hessian eigenvalues of ``loss_fn`` at ``params`` (Lanczos).

    The Hessian is never formed: each of the ``num_iters`` steps is one Hessian-vector
    product on the flattened parameters.
    """
    if not isinstance(k, int) or not 1 <= k <= num_iters:
        raise ValueError(f"k must be an int in [1, num_iters={num_iters}], got {k!r}")
    flat, unravel = ravel_pytree(params)

    @jax.jit  # one compilation when called eagerly (inlined in a caller's jit)
    def top(params, key):
        def matvec(v):
            return ravel_pytree(hvp(loss_fn, params, unravel(v)))[0]

        return lanczos_eigenvalues(matvec, flat.size, num_iters, key)[:k]

    return top(params, key)
