"""Engine 4's strong pairs of products as one compiled loop (numba).

`clearing.pairs.strong_pairs` measures, in every Newton system, how strongly each pair of
products that a bundle holds together is coupled: H_ij summed over the pairs' entries
(10^6 pairs on a 10^5 x 10^6 book), then the strength of every pair, of which a few
thousand pass. numpy's columns gather each entry's group weight and product, add them by
`bincount` and take five more passes with temporaries of the pairs' length; here one
loop reads B_Mᵀ's rows, adding each entry's term, and a second keeps only the strong
pairs (measured on that book: see `bench/README.md`).

Each value is computed by the same operations as numpy's, value by value, so the pairs
are the same and their values the same bits (tests/unit/clearing/test_pairs.py):

- H_ij is its entries' sum in entry order from 0.0, each term (w_u·w_v)·a_g with both
  products rounded, then the sum rounded, as `np.bincount` adds its weights (numba,
  without fastmath, never fuses a multiply and an add);
- the strength is (H_ij·H_ij) / (diagonal_i·diagonal_j), both products rounded before
  the division, and a pair is strong when it is greater than STRONG_PAIR (NaN is not).
"""

from __future__ import annotations

import numba
import numpy as np

from flowmarket.clearing.model import FloatArray, IntArray, PairIndex
from flowmarket.clearing.pairs import STRONG_PAIR, ProductPairs


@numba.njit(cache=True, error_model="numpy")  # x / 0.0 is ±inf or NaN, as numpy
def _strong(
    indptr: IntArray,
    data: FloatArray,
    pair_of: PairIndex,
    first: PairIndex,
    second: PairIndex,
    coupled_a: FloatArray,
    diagonal: FloatArray,
    threshold: float,
    off: FloatArray,
    strong: IntArray,
    strength: FloatArray,
    strong_off: FloatArray,
) -> int:
    """H_ij of every pair into `off`, then the first k entries of strong, strength and
    strong_off; returns k."""
    off[:] = 0.0
    entry = 0
    for group in range(indptr.size - 1):
        a = coupled_a[group]
        end = indptr[group + 1]
        for u in range(indptr[group], end):
            for v in range(u + 1, end):
                off[pair_of[entry]] += (data[u] * data[v]) * a
                entry += 1
    k = 0
    for pair in range(first.size):
        total = off[pair]
        value = (total * total) / (diagonal[first[pair]] * diagonal[second[pair]])
        if value > threshold:
            strong[k] = pair
            strength[k] = value
            strong_off[k] = total
            k += 1
    return k


def strong_pairs(
    pairs: ProductPairs, coupled_a: FloatArray, diagonal: FloatArray
) -> tuple[IntArray, FloatArray, FloatArray]:
    """`clearing.pairs.strong_pairs`, its columns in one loop: the same pairs and bits."""
    q = pairs.first.size
    strong = np.empty(q, dtype=np.int64)  # np.empty's pages past the k written stay untouched
    strength, strong_off = np.empty(q), np.empty(q)
    off = pairs.scratch()
    rows = pairs.rows
    k = _strong(
        rows.indptr, rows.data, pairs.pair_of, pairs.first, pairs.second, coupled_a, diagonal,
        STRONG_PAIR, off, strong, strength, strong_off,
    )  # fmt: skip
    return strong[:k].copy(), strength[:k].copy(), strong_off[:k].copy()
