"""The certificate's order gaps as one compiled loop over the curves (numba).

`clearing.curves.curve_gap` measures how far each order's quantity lies from what its
curve accepts at its portfolio price. numpy's version works it out in columns over
every point of every curve: the point's curve price repeated onto each point, two
masks counted by `reduceat`, then the crossing interpolated by fancy indexing, about
a dozen passes over 10^7 points at the paper's size. Here each curve is read once:
its points counted against its price, then its crossing interpolated (measured on a
10^5 x 10^6 book: 137 → 21 ms).

Every value is computed by the same operations as numpy's, value by value, so the gaps
are the same bits, signed zeros and NaN included (tests/unit/clearing/
test_compiled_curves.py):

- a price's fraction along its piece is (p_lo − u) / drop, taken only where drop > 0; a
  flat piece (or a one-point curve) gives 0 or 1 by the tie rule, then numpy's clip to
  [0, 1] (`compiled_passes._clip`);
- the quantity is q_lo + frac·(q_hi − q_lo), a product rounded then a sum rounded
  (numba, without fastmath, never fuses them into one multiply-add);
- the gap is numpy's maximum of (lowest − x, x − highest) and then of that and 0.0:
  the first argument when it is greater or NaN, else the second (`_maximum`; signed
  zeros as numpy gives them).
"""

from __future__ import annotations

import numba
import numpy as np

from flowmarket.clearing.model import FloatArray, IntArray, OrderBook
from flowmarket.solvers.compiled_passes import _clip


@numba.njit(cache=True, inline="always")
def _maximum(first: float, second: float) -> float:
    """numpy's `maximum` of two floats: `first` when it is greater than `second` or is
    NaN, else `second` (so NaN from either side, and of two equal values the second:
    maximum(−0.0, 0.0) is 0.0 and maximum(0.0, −0.0) is −0.0, as numpy 2.4 computes
    it, whose SIMD loop keeps the second of equal operands)."""
    return first if (first > second or first != first) else second


@numba.njit(cache=True, inline="always")
def _crossing(
    qty: FloatArray,
    price: FloatArray,
    start: int,
    end: int,
    u: float,
    passed: int,
    upper: bool,
) -> float:
    """`curves._interpolate` for one curve (points start … end − 1): the quantity where
    its price crosses u, `passed` of its points coming before the crossing; upper: the
    highest quantity's tie rule on a flat piece (else the lowest's)."""
    if end - start > 1:
        hi = start + passed
        hi = hi if hi > start + 1 else start + 1
        hi = hi if hi < end - 1 else end - 1
        lo = hi - 1
    else:  # a one-point curve is its point
        hi = start
        lo = start
    drop = price[lo] - price[hi]
    if drop > 0:
        frac = (price[lo] - u) / drop
    else:
        tie = u > price[lo] if upper else u >= price[lo]
        frac = 0.0 if tie else 1.0
    frac = _clip(frac, 0.0, 1.0)
    crossed: float = qty[lo] + frac * (qty[hi] - qty[lo])
    return crossed


@numba.njit(cache=True, nogil=True)
def _gaps(
    ptr: IntArray,
    qty: FloatArray,
    price: FloatArray,
    u_lowest: FloatArray,
    u_highest: FloatArray,
    quantity: FloatArray,
    out: FloatArray,
) -> None:
    """out[c] = the gap of curve c's quantity from [its lowest quantity at u_lowest[c],
    its highest at u_highest[c]] (`curves.curve_interval` at each)."""
    for c in range(out.shape[0]):
        start, end = ptr[c], ptr[c + 1]
        u_low, u_high = u_lowest[c], u_highest[c]
        above = 0
        above_high = 0
        at_high = 0
        for k in range(start, end):
            above += price[k] > u_low
            above_high += price[k] > u_high
            at_high += price[k] == u_high
        lowest = _crossing(qty, price, start, end, u_low, above, False)
        if at_high:  # a point priced exactly u: the highest quantity passes it
            highest = _crossing(qty, price, start, end, u_high, above_high + at_high, True)
        else:
            highest = _crossing(qty, price, start, end, u_high, above_high, False)
        x = quantity[c]
        out[c] = _maximum(_maximum(lowest - x, x - highest), 0.0)


def curve_gap(
    book: OrderBook, portfolio_price: FloatArray, quantity: FloatArray, slack: float = 0.0
) -> FloatArray:
    """`clearing.curves.curve_gap`, the same bits: the distance (m,) GB/h of each order's
    quantity from what its curve accepts at its portfolio price, or at any price within
    `slack` tokens per GB of it."""
    u = np.asarray(portfolio_price, dtype=np.float64)
    x = np.asarray(quantity, dtype=np.float64)
    # The two prices are numpy's sums, as `curve_gap` reads its intervals at them.
    u_lowest, u_highest = (u, u) if slack == 0.0 else (u + slack, u - slack)
    out = np.empty(book.n_orders)
    _gaps(
        book.curve_ptr.astype(np.int64, copy=False),
        book.curve_qty,
        book.curve_price,
        u_lowest,
        u_highest,
        x,
        out,
    )
    return out
