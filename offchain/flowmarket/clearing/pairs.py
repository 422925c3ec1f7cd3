"""Engine 4's preconditioner: Jacobi with the most strongly coupled products in 2 x 2 blocks.

The Newton system H d = r, H = B diag(a) Bᵀ + μ I (`krylov`), is preconditioned by its
diagonal from engine 1 to 3. Its smallest eigenvalues under that preconditioner belong to
pairs of products that one bundle order (or a few) holds together while their other
orders sit at a kink: the pair's 2 x 2 block of H is then nearly singular, and no
diagonal scaling sees it. On the next hour of a 10^5-product, 10^6-order book the eight
smallest eigenvalues of the Jacobi-scaled H (0.0096–0.024, the largest 5.1) each had an
eigenvector on two products. Inverting those blocks about halves the CG's iterations
there (the Newton stage's 270 → 150; bench/README.md, "Engine 4").

Each Newton system picks its own pairs: every pair of products that a multi-product group
holds has H_ij = Σ over those groups of a_g B_ig B_jg, and its strength is H_ij² / (H_ii
H_jj) in [0, 1). The pairs stronger than STRONG_PAIR are matched greedily, strongest
first (ties by pair order), so that each product is in at most one block; every other
product keeps its diagonal. Each block is positive definite as a principal block of H + μ
I; one that rounds to a determinant ≤ 0 is left to the diagonal. Every step is a
gather, an elementwise operation or a sort, so the preconditioner has the same bits on
any number of threads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from flowmarket.clearing.dual import DualOperators
from flowmarket.clearing.krylov import Preconditioner, PreconditionerFactory, hessian_diagonal
from flowmarket.clearing.model import FloatArray, IntArray, PairIndex, PairStrengths
from flowmarket.clearing.parallel import gather

# Pairs weaker than this keep their diagonals. On the next hour at 10^5 x 10^6 (captured
# systems, bench/README.md) 0.3 matched 2,819 pairs against 47,764 with any strength,
# for 131 CG iterations against 127: the weak pairs add nothing but work.
STRONG_PAIR = 0.3


@dataclass(frozen=True)
class ProductPairs:
    """Every pair of products that some multi-product group holds together.

    rows: B_Mᵀ (m_M, n) CSR (`DualOperators.coupled_bt`), each row a coupled group's
    products in ascending order; its entries are the pairs u < v of each row, row by
    row, in row order (E of them); pair_of: (E,) int32, each entry's pair; first, second:
    (q,) int32, each pair's products, first < second, pairs in order of (first, second).
    H_ij = Σ over the entries of the pair, in entry order, of (w_u·w_v)·a_g: every term
    a product rounded, summed from 0.0 (`strong_pairs`). No (q, m_M) matrix is kept: at
    the paper's size the entries' pair numbers are about a quarter of its memory (124 MB
    against about 490 MB).
    """

    rows: sp.csr_array
    pair_of: PairIndex
    first: PairIndex
    second: PairIndex
    _entries: dict[str, tuple[IntArray, FloatArray]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _scratch: list[FloatArray] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def of(cls, rows: sp.csr_array) -> ProductPairs:
        """The pairs of the coupled groups `rows` (B_Mᵀ: see the class)."""
        n = max(rows.shape[1], 1)

        def key(
            index: IntArray, weight: FloatArray, u: IntArray, v: IntArray, at: IntArray
        ) -> IntArray:
            low, high = np.minimum(index[:, u], index[:, v]), np.maximum(index[:, u], index[:, v])
            out: IntArray = low * n + high
            return out

        keys, pair_of = np.unique(_entry_columns(rows, key, np.int64), return_inverse=True)
        first, second = np.divmod(keys, n)
        as32 = (pair_of.astype(np.int32), first.astype(np.int32), second.astype(np.int32))
        return cls(rows, *as32)

    def entries(self) -> tuple[IntArray, FloatArray]:
        """(group (E,), w_u·w_v (E,)) of each entry, made on the first call and kept (for
        numpy's `strong_pairs`; the compiled loop reads them from `rows` as it goes)."""
        if "entries" not in self._entries:

            def group(
                index: IntArray, weight: FloatArray, u: IntArray, v: IntArray, at: IntArray
            ) -> IntArray:
                return np.broadcast_to(at[:, None], (at.size, u.size))

            def value(
                index: IntArray, weight: FloatArray, u: IntArray, v: IntArray, at: IntArray
            ) -> FloatArray:
                return weight[:, u] * weight[:, v]

            self._entries["entries"] = (
                _entry_columns(self.rows, group, np.int64),
                _entry_columns(self.rows, value, np.float64),
            )
        return self._entries["entries"]

    def scratch(self) -> FloatArray:
        """One (q,) float buffer, made on the first call and handed out again on every
        later one, for a pass that overwrites it whole: the compiled strengths' H_ij, so
        that each Newton system writes into pages already mapped (224 MB of fresh pages a
        system at the paper's size otherwise)."""
        if not self._scratch:
            self._scratch.append(np.empty(self.first.size))
        return self._scratch[0]


def _entry_columns(
    rows: sp.csr_array,
    column: Callable[[IntArray, FloatArray, IntArray, IntArray, IntArray], npt.NDArray[Any]],
    dtype: type,
) -> npt.NDArray[Any]:
    """One value per entry (see `ProductPairs`), in entry order: column(index (k, s),
    weight (k, s), u (P,), v (P,), at (k,)) → (k, P) for the k rows `at` of each size s,
    whose P = s(s − 1)/2 pairs u < v are read in the order of two nested loops."""
    count = np.diff(rows.indptr).astype(np.int64)
    width = count * (count - 1) // 2
    start = np.concatenate([[0], np.cumsum(width)])  # each row's first entry
    out: npt.NDArray[Any] = np.empty(int(start[-1]), dtype=dtype)
    for size in [s for s in np.unique(count).tolist() if s > 1]:
        at = np.flatnonzero(count == size)
        entry = rows.indptr[at].astype(np.int64)[:, None] + np.arange(size)
        u, v = np.triu_indices(size, 1)
        block = column(rows.indices[entry].astype(np.int64), rows.data[entry], u, v, at)
        out[(start[at][:, None] + np.arange(u.size)).ravel()] = block.ravel()
    return out


def strong_pairs(
    pairs: ProductPairs, coupled_a: FloatArray, diagonal: FloatArray
) -> tuple[IntArray, FloatArray, FloatArray]:
    """(strong (k,) the pairs stronger than STRONG_PAIR, ascending; their strengths (k,);
    their H_ij (k,)): H_ij summed over each pair's entries in entry order from 0.0
    (`np.bincount` adds its weights in order), each term (w_u·w_v)·a_g, and strength =
    H_ij·H_ij / (diagonal_i·diagonal_j). numpy's columns; `SolverOptions.pair_strengths`
    may name a compiled loop with the same bits (`solvers.compiled_pairs`)."""
    group, value = pairs.entries()
    terms = value * coupled_a[group]
    off = np.bincount(pairs.pair_of, weights=terms, minlength=pairs.first.size).astype(
        np.float64, copy=False
    )
    with np.errstate(all="ignore"):  # d_i·d_j underflowing to 0, H_ij² overflowing
        strength = off * off / (diagonal[pairs.first] * diagonal[pairs.second])
    strong = np.flatnonzero(strength > STRONG_PAIR)
    return strong, strength[strong], off[strong]


def matched_pairs(
    strong: IntArray, strength: FloatArray, first: PairIndex, second: PairIndex, n: int
) -> IntArray:
    """Positions in `strong` of the pairs a greedy matching keeps: strongest first, ties
    in pair order, a pair kept when neither product is in a kept one yet (n: the number
    of products; strength: (k,) of the pairs `strong`)."""
    order = np.argsort(-strength, kind="stable")
    taken = bytearray(n)  # a Python loop: bytes index faster than a numpy array
    kept: list[int] = []
    pairs = strong[order]
    for k, i, j in zip(order.tolist(), first[pairs].tolist(), second[pairs].tolist(), strict=True):
        if not (taken[i] or taken[j]):
            taken[i] = taken[j] = 1
            kept.append(k)
    return np.asarray(kept, dtype=np.int64)


def pair_preconditioner(
    ops: DualOperators, threads: int = 1, strengths: PairStrengths | None = None
) -> PreconditionerFactory:
    """z ↦ M⁻¹ z with M the diagonal of B diag(a) Bᵀ + μ I and, for each matched pair,
    its 2 x 2 block (see the module); the pairs are found once, the blocks per system;
    strengths: how the strong pairs are found (default numpy's `strong_pairs`)."""
    pairs = ProductPairs.of(ops.coupled_bt)
    find = strengths or strong_pairs
    n = int(ops.groups.shape[0])

    def build(a: FloatArray, mu: float) -> Preconditioner:
        diagonal = hessian_diagonal(ops, a, mu, threads)
        inverse = 1.0 / diagonal
        coupled_a = gather(a, ops.coupled, threads)
        strong, strength, off = find(pairs, coupled_a, diagonal)
        kept = matched_pairs(strong, strength, pairs.first, pairs.second, n)
        i, j, off = pairs.first[strong[kept]], pairs.second[strong[kept]], off[kept]
        det = diagonal[i] * diagonal[j] - off * off
        whole = det > 0
        i, j, off, det = i[whole], j[whole], off[whole], det[whole]
        inv_ii, inv_jj, inv_ij = diagonal[j] / det, diagonal[i] / det, -off / det

        def apply(residual: FloatArray) -> FloatArray:
            out: FloatArray = inverse * residual
            r_i, r_j = residual[i], residual[j]
            out[i] = inv_ii * r_i + inv_ij * r_j
            out[j] = inv_ij * r_i + inv_jj * r_j
            return out

        return apply

    return build
