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

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from flowmarket.clearing.dual import DualOperators
from flowmarket.clearing.krylov import Preconditioner, PreconditionerFactory
from flowmarket.clearing.model import FloatArray, IntArray, PairIndex, PairStrengths
from flowmarket.clearing.parallel import RowSplit, gather

# Pairs weaker than this keep their diagonals. On the next hour at 10^5 x 10^6 (captured
# systems, bench/README.md) 0.3 matched 2,819 pairs against 47,764 with any strength,
# for 131 CG iterations against 127: the weak pairs add nothing but work.
STRONG_PAIR = 0.3


@dataclass(frozen=True)
class ProductPairs:
    """Every pair of products that some multi-product group holds together.

    first, second: (q,) the pair's products (int32), first < second, pairs in order of
    (first, second); share: (q, m_M) CSR, B_ig B_jg of each coupled group g
    (`DualOperators.coupled`'s order) holding the pair, so H_ij = share @ a_M.
    """

    first: PairIndex
    second: PairIndex
    share: sp.csr_array

    @classmethod
    def of(cls, ops: DualOperators) -> ProductPairs:
        """The pairs of `ops`' coupled groups (B_Mᵀ's rows, read a size at a time: each
        size's rows as one block whose columns u < v give its pairs). Each pair's row of
        `share` holds its groups in group order (`strong_pairs` sums them in that order)."""
        rows = ops.coupled_bt
        n, groups = rows.shape[1], rows.shape[0]
        count = np.diff(rows.indptr).astype(np.int64)
        sizes = [size for size in np.unique(count).tolist() if size > 1]
        total = int(np.sum(count * (count - 1) // 2))
        # One preallocated column each (about 3·10^7 entries at the paper's size): no lists
        # of parts joined into a second copy.
        key = np.empty(total, dtype=np.int64)
        value = np.empty(total)
        group = np.empty(total, dtype=np.int32 if groups < 2**31 else np.int64)
        at_entry = 0
        for size in sizes:
            at = np.flatnonzero(count == size)
            entry = rows.indptr[at].astype(np.int64)[:, None] + np.arange(size)
            index, weight = rows.indices[entry].astype(np.int64), rows.data[entry]
            for u in range(size):
                for v in range(u + 1, size):
                    part = slice(at_entry, at_entry + at.size)
                    low = np.minimum(index[:, u], index[:, v])
                    key[part] = low * n + np.maximum(index[:, u], index[:, v])
                    np.multiply(weight[:, u], weight[:, v], out=value[part])
                    group[part] = at
                    at_entry += at.size
        order = np.argsort(key)
        key = key[order]
        starts = np.flatnonzero(np.diff(key, prepend=-1))  # keys ≥ 0: entry 0 starts one
        index_type = np.int32 if total < 2**31 else np.int64
        share = sp.csr_array(
            (value[order], group[order], np.append(starts, total).astype(index_type)),
            shape=(starts.size, groups),
        )
        share.has_sorted_indices = False
        share.sort_indices()  # each pair's groups in group order, whatever the sort did
        pairs = key[starts]
        return cls(
            (pairs // max(n, 1)).astype(np.int32), (pairs % max(n, 1)).astype(np.int32), share
        )


def strong_pairs(
    share: sp.csr_array,
    coupled_a: FloatArray,
    diagonal: FloatArray,
    first: PairIndex,
    second: PairIndex,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """(strong (k,) the pairs stronger than STRONG_PAIR, ascending; their strengths (k,);
    their H_ij (k,)): H_ij = share @ coupled_a, its row's terms summed in order from 0 as
    scipy's CSR product sums them, and strength = H_ij·H_ij / (diagonal_i·diagonal_j).
    numpy's columns; `SolverOptions.pair_strengths` may name a compiled loop with the
    same bits (`solvers.compiled_pairs`)."""
    off = share @ coupled_a
    with np.errstate(all="ignore"):  # d_i·d_j underflowing to 0, H_ij² overflowing
        strength = off * off / (diagonal[first] * diagonal[second])
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
    pairs = ProductPairs.of(ops)
    find = strengths or strong_pairs
    n = int(ops.groups.shape[0])

    def build(a: FloatArray, mu: float) -> Preconditioner:
        diagonal = RowSplit(ops.groups_sq, threads) @ a + mu
        inverse = 1.0 / diagonal
        coupled_a = gather(a, ops.coupled, threads)
        strong, strength, off = find(pairs.share, coupled_a, diagonal, pairs.first, pairs.second)
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
