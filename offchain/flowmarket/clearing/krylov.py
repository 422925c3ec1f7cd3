"""Preconditioned conjugate gradients on the Newton system of the dual, matrix-free.

    (B diag(a) Bᵀ + μ I) d = rhs,   a = Σ over each group of 1/slope of its orders in
                                        the generalised Jacobian (GB/h per token)

is W_A D_A⁻¹ W_Aᵀ + μ I in product space (n); it is never formed. One-product
groups only add to the diagonal; the rest cost one product with B_Mᵀ and one with
B_M per iteration, restricted to the groups with a > 0 when they are few
(slicing costs about two products, so it pays only then).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from flowmarket.clearing.dual import DualOperators, dot
from flowmarket.clearing.model import FloatArray
from flowmarket.clearing.parallel import RowSplit

# Slice B_M to the groups in the Jacobian when they are at most this share of them.
SLICE_SHARE = 0.5


def _coupling(ops: DualOperators, a: FloatArray) -> tuple[sp.csr_array, sp.csr_array, FloatArray]:
    """(B_M (n, k), B_Mᵀ (k, n), a (k,)) over the multi-product groups with a > 0, or all."""
    a_m = a[ops.coupled]
    if np.count_nonzero(a_m) > SLICE_SHARE * a_m.size:
        return ops.coupled_b, ops.coupled_bt, a_m
    keep = np.flatnonzero(a_m)
    rows_t = sp.csr_array(ops.coupled_bt[keep])
    return sp.csr_array(rows_t.T), rows_t, a_m[keep]


Preconditioner = Callable[[FloatArray], FloatArray]
PreconditionerFactory = Callable[[FloatArray, float], Preconditioner]


def _jacobi(ops: DualOperators) -> PreconditionerFactory:
    """z ↦ z / (diag(B diag(a) Bᵀ) + μ)."""

    def build(a: FloatArray, mu: float) -> Preconditioner:
        inverse_diagonal = 1.0 / (ops.groups_sq @ a + mu)

        def apply(residual: FloatArray) -> FloatArray:
            out: FloatArray = inverse_diagonal * residual
            return out

        return apply

    return build


def pcg(
    ops: DualOperators,
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
    this many threads (`parallel`; the same bits on any number).
    """
    coupled_b, coupled_bt, a_m = _coupling(ops, a)
    b_m, b_mt = RowSplit(coupled_b, threads), RowSplit(coupled_bt, threads)
    weights = a[ops.lone] * ops.lone_sq
    diag_lone = np.bincount(ops.lone_product, weights, rhs.size).astype(np.float64, copy=False)
    diag_lone += mu
    apply = (preconditioner or _jacobi(ops))(a, mu)
    d = np.zeros_like(rhs)
    res = rhs.copy()
    if dot(res, res) <= tol * tol:
        return d, 0
    z = apply(res)
    direction = z.copy()
    rz = dot(res, z)
    for it in range(1, max_iter + 1):
        inner = b_mt @ direction
        inner *= a_m
        hd = b_m @ inner
        hd += diag_lone * direction
        alpha = rz / dot(direction, hd)
        d += alpha * direction
        res -= alpha * hd
        if dot(res, res) <= tol * tol:
            return d, it
        z = apply(res)
        rz_new = dot(res, z)
        direction *= rz_new / rz
        direction += z
        rz = rz_new
    return d, max_iter
