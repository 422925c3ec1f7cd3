"""Engine 4's strong pairs of products as one compiled loop (numba).

`clearing.pairs.strong_pairs` measures, in every Newton system, how strongly each pair of
products that a bundle holds together is coupled: H_ij from a sparse product over all
pairs (10^6 of them on a 10^5 x 10^6 book), then the strength over all of them, of
which a few thousand pass. numpy's columns take five passes and four temporaries of the
pairs' length; here one loop reads each pair's row, sums H_ij, and keeps only the
strong ones (measured on that book: see `bench/README.md`).

Each value is computed by the same operations as numpy's, value by value, so the pairs
are the same and their values the same bits (tests/unit/clearing/test_compiled_pairs.py):

- H_ij is the row's sum in stored order from 0.0, each term a product rounded then a sum
  rounded, as scipy's `csr_matvec` adds them (numba, without fastmath, never fuses a
  multiply and an add);
- the strength is (H_ij·H_ij) / (diagonal_i·diagonal_j), both products rounded before
  the division, and a pair is strong when it is greater than STRONG_PAIR (NaN is not).
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp

from flowmarket.clearing.model import FloatArray, IntArray, PairIndex
from flowmarket.clearing.pairs import STRONG_PAIR


@numba.njit(cache=True, error_model="numpy")  # x / 0.0 is ±inf or NaN, as numpy
def _strong(
    indptr: IntArray,
    indices: IntArray,
    data: FloatArray,
    coupled_a: FloatArray,
    diagonal: FloatArray,
    first: PairIndex,
    second: PairIndex,
    threshold: float,
    strong: IntArray,
    strength: FloatArray,
    off: FloatArray,
) -> int:
    """Fills the first k entries of strong, strength and off; returns k."""
    k = 0
    for pair in range(first.size):
        total = 0.0
        for at in range(indptr[pair], indptr[pair + 1]):
            total += data[at] * coupled_a[indices[at]]
        value = (total * total) / (diagonal[first[pair]] * diagonal[second[pair]])
        if value > threshold:
            strong[k] = pair
            strength[k] = value
            off[k] = total
            k += 1
    return k


def strong_pairs(
    share: sp.csr_array,
    coupled_a: FloatArray,
    diagonal: FloatArray,
    first: PairIndex,
    second: PairIndex,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """`clearing.pairs.strong_pairs`, its columns in one loop: the same pairs and bits."""
    q = first.size
    strong = np.empty(q, dtype=np.int64)
    strength, off = np.empty(q), np.empty(q)
    k = _strong(
        share.indptr, share.indices, share.data, coupled_a, diagonal, first, second,
        STRONG_PAIR, strong, strength, off,
    )  # fmt: skip
    return strong[:k].copy(), strength[:k].copy(), off[:k].copy()
