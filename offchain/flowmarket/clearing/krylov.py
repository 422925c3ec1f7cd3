"""Preconditioned conjugate gradients on the Newton system of the dual, matrix-free.

    (B diag(a) Bᵀ + μ I) d = rhs,   a = Σ over each group of 1/slope of its orders in
                                        the generalised Jacobian (GB/h per token)

is W_A D_A⁻¹ W_Aᵀ + μ I in product space (n); it is never formed. One-product
groups only add to the diagonal; the rest cost one product with B_Mᵀ and one with
B_M per iteration, restricted to the groups with a > 0 when they are few
(`DualOperators.coupling`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from flowmarket.clearing.dual import Operators, dot
from flowmarket.clearing.model import FloatArray
from flowmarket.clearing.parallel import ColumnSplit, RowSplit

# The CG's vectors (products, groups) are split over threads from this length: one
# update of 10^5 entries takes about as long as handing half of it to another thread.
SPLIT_VECTORS = 500_000

Preconditioner = Callable[[FloatArray], FloatArray]
PreconditionerFactory = Callable[[FloatArray, float], Preconditioner]


def hessian_diagonal(ops: Operators, a: FloatArray, mu: float, threads: int) -> FloatArray:
    """diag(B diag(a) Bᵀ) + μ (n,): B∘B's product with a, split over `threads` by rows."""
    out: FloatArray = RowSplit(ops.groups_sq, threads) @ a + mu
    return out


def _jacobi(ops: Operators, threads: int) -> PreconditionerFactory:
    """z ↦ z / (diag(B diag(a) Bᵀ) + μ) (`hessian_diagonal`)."""

    def build(a: FloatArray, mu: float) -> Preconditioner:
        inverse_diagonal = 1.0 / hessian_diagonal(ops, a, mu, threads)

        def apply(residual: FloatArray) -> FloatArray:
            out: FloatArray = inverse_diagonal * residual
            return out

        return apply

    return build


def pcg(
    ops: Operators,
    a: FloatArray,
    mu: float,
    rhs: FloatArray,
    tol: float,
    max_iter: int,
    preconditioner: PreconditionerFactory | None = None,
    threads: int = 1,
) -> tuple[FloatArray, int]:
    """Solve (B diag(a) Bᵀ + μ I) d = rhs to ‖residual‖₂ ≤ tol; returns (d (n,), iterations).

    a: (m,) ≥ 0 per group; μ > 0; preconditioner: builds z ↦ M⁻¹ z from (a, μ), an
    SPD approximation of the system (`network.schur_preconditioner`); default Jacobi,
    diag(B diag(a) Bᵀ) + μ; threads: the products with B_Mᵀ and B_M run split by rows on
    this many threads, and the updates of long vectors by parts (`parallel`; the same
    bits on any number).
    """
    coupled_b, coupled_bt, a_m = ops.coupling(a, threads)
    b_m, b_mt = RowSplit(coupled_b, threads), RowSplit(coupled_bt, threads)
    diag_lone = ops.lone_diagonal(a, mu, threads)
    apply = (preconditioner or _jacobi(ops, threads))(a, mu)
    by_product = ColumnSplit.like(rhs, threads, SPLIT_VECTORS)
    by_group = ColumnSplit.like(a_m, threads, SPLIT_VECTORS)
    d = np.zeros_like(rhs)
    res = rhs.copy()
    if dot(res, res) <= tol * tol:
        return d, 0
    z = apply(res)
    direction = z.copy()
    rz = dot(res, z)
    inner = np.empty_like(a_m)  # B_Mᵀ's products land here, in the same pages each time
    for it in range(1, max_iter + 1):
        inner = b_mt.into(direction, inner)
        by_group.run(np.multiply, inner, a_m, inner)
        hd = b_m @ inner
        by_product.run(_add_product, hd, diag_lone, direction)
        alpha = rz / dot(direction, hd)
        by_product.run(_step, d, direction, res, hd, first=(alpha,))
        if dot(res, res) <= tol * tol:
            return d, it
        z = apply(res)
        rz_new = dot(res, z)
        by_product.run(_next_direction, direction, z, first=(rz_new / rz,))
        rz = rz_new
    return d, max_iter


def _add_product(hd: FloatArray, diagonal: FloatArray, direction: FloatArray) -> None:
    """hd += diagonal ∘ direction (on a part of the vectors)."""
    hd += diagonal * direction


def _step(
    alpha: float, d: FloatArray, direction: FloatArray, res: FloatArray, hd: FloatArray
) -> None:
    """d += α·direction, res −= α·hd (on a part of the vectors)."""
    d += alpha * direction
    res -= alpha * hd


def _next_direction(beta: float, direction: FloatArray, z: FloatArray) -> None:
    """direction ← β·direction + z (on a part of the vectors)."""
    direction *= beta
    direction += z
