"""A book's curves as linear orders in one compiled loop over their segments (numba).

`clearing.curves.ArrayLines` makes every linear order's columns in array operations over
every segment: each segment's ends gathered, its slope, the price at quantity 0, masks
for selling and crossing 0, then each value repeated onto the one or two linear orders
the segment makes. At 10^7 orders that is some twenty passes and a dozen temporaries of
a column each (50 bytes a segment held while the columns are made). Here one loop counts
the linear orders and a second writes each one's six values in place, from the
segment's four numbers (measured on a 10^5 x 10^6 book: `bench/README.md`, "The linear
orders made in one loop").

Each value is computed by the operations numpy's version uses, in the same order, so
the columns are the same bits (tests/unit/clearing/test_compiled_lines.py):

- slope = (pa − pb) / (qb − qa), a difference rounded, then a quotient;
- the price at quantity 0 = pa − (0 − qa)·slope, each operation rounded (numba, without
  fastmath, never fuses a multiply-add);
- negations flip the sign bit only, as numpy's `negative`.

The book must have passed `curves.validate_book` (every curve of two or more points,
quantities increasing): the engine validates before it decomposes.
"""

from __future__ import annotations

import numba
import numpy as np

from flowmarket.clearing.model import FloatArray, IntArray, LineColumns, OrderBook


@numba.njit(cache=True, nogil=True)
def _count(ptr: IntArray, qty: FloatArray) -> int:
    """How many linear orders the curves make: one a segment, two across 0."""
    total = 0
    for c in range(ptr.shape[0] - 1):
        for k in range(ptr[c], ptr[c + 1] - 1):
            qa, qb = qty[k], qty[k + 1]
            total += 2 if (qa < 0 and qb > 0) else 1
    return total


@numba.njit(cache=True, nogil=True)
def _columns(
    ptr: IntArray,
    qty: FloatArray,
    price: FloatArray,
    p_high: FloatArray,
    p_low: FloatArray,
    q: FloatArray,
    slope: FloatArray,
    parent: IntArray,
    sign: FloatArray,
) -> None:
    """Each segment's linear order (two across 0, the selling half first) written in
    curve order: a selling one (qa < 0) trades up to its width below 0 between −pa
    (p_low) and −pb or, across 0, −(the price at 0) (p_high); a buying one between pa
    and pb, the buying half across 0 from the price at 0 down to pb over qb."""
    i = 0
    for c in range(ptr.shape[0] - 1):
        for k in range(ptr[c], ptr[c + 1] - 1):
            qa, qb, pa, pb = qty[k], qty[k + 1], price[k], price[k + 1]
            run = qb - qa
            rise = pa - pb
            line = rise / run
            sell = qa < 0
            across = sell and qb > 0
            parent[i] = c
            slope[i] = line
            if not sell:
                p_high[i] = pa
                p_low[i] = pb
                q[i] = run
                sign[i] = 1.0
                i += 1
                continue
            p_low[i] = -pa
            sign[i] = -1.0
            if not across:
                p_high[i] = -pb
                q[i] = run
                i += 1
                continue
            at_zero = pa - (0.0 - qa) * line
            p_high[i] = -at_zero
            q[i] = -qa
            i += 1
            parent[i] = c
            slope[i] = line
            p_high[i] = at_zero
            p_low[i] = pb
            q[i] = qb
            sign[i] = 1.0
            i += 1


@numba.njit(cache=True, nogil=True)
def _low_and_slope(
    ptr: IntArray, qty: FloatArray, price: FloatArray, p_low: FloatArray, slope: FloatArray
) -> None:
    """`_columns`' p_low and slope alone."""
    i = 0
    for c in range(ptr.shape[0] - 1):
        for k in range(ptr[c], ptr[c + 1] - 1):
            qa, qb, pa, pb = qty[k], qty[k + 1], price[k], price[k + 1]
            line = (pa - pb) / (qb - qa)
            slope[i] = line
            if qa < 0:
                p_low[i] = -pa
                if qb > 0:
                    i += 1
                    slope[i] = line
                    p_low[i] = pb
            else:
                p_low[i] = pb
            i += 1


class CompiledLines:
    """`clearing.model.LineBuilder` as compiled loops over the curves' segments."""

    def columns(self, book: OrderBook) -> LineColumns:
        ptr = book.curve_ptr.astype(np.int64, copy=False)
        size = _count(ptr, book.curve_qty)
        p_high, p_low, q, slope, sign = (np.empty(size) for _ in range(5))
        parent = np.empty(size, dtype=np.int64)
        _columns(ptr, book.curve_qty, book.curve_price, p_high, p_low, q, slope, parent, sign)
        return LineColumns(p_high, p_low, q, slope, parent, sign)

    def low_and_slope(self, book: OrderBook) -> tuple[FloatArray, FloatArray]:
        ptr = book.curve_ptr.astype(np.int64, copy=False)
        size = _count(ptr, book.curve_qty)
        p_low, slope = np.empty(size), np.empty(size)
        _low_and_slope(ptr, book.curve_qty, book.curve_price, p_low, slope)
        return p_low, slope


COMPILED_LINES = CompiledLines()
