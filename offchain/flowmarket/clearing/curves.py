"""Stage 1: validate an order book and decompose its curves into linear orders (§4).

A curve through points (q_0, p_0) < ... < (q_K, p_K) (quantities strictly
increasing, prices non-increasing, q_0 ≤ 0 ≤ q_K) is split at quantity 0. Every
piece above 0 is a buying linear order on the portfolio; every piece below 0 is a
selling one, i.e. a linear order on the negated portfolio with negated prices.
Summing the pieces' responses gives back the curve exactly.

A piece whose two points have the same price is *flat* (a limit price: any
quantity of the piece at that price, slope 0); `flat` clears books that have
them. A curve of one point (0, p) is a fixed quantity of 0: it has no pieces, and
its order never trades (over named portfolios it ties their rates, `portfolios`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from flowmarket.clearing.model import FloatArray, IntArray, LinearOrders, OrderBook
from flowmarket.errors import InvalidOrder


def _first_bad(book: OrderBook, bad_orders: IntArray, reason: str) -> None:
    if bad_orders.size:
        order_id = book.order_ids[int(bad_orders.min())]
        raise InvalidOrder(f"order {order_id!r}: {reason}")


def validate_book(book: OrderBook) -> None:
    """Raise `InvalidOrder` naming the first order that breaks a rule of §4."""
    m = book.n_orders
    ptr = book.curve_ptr
    if len(set(book.order_ids)) != m:
        seen: set[str] = set()
        for order_id in book.order_ids:
            if order_id in seen:
                raise InvalidOrder(f"order {order_id!r}: duplicate order id")
            seen.add(order_id)
    counts = np.diff(ptr)
    _first_bad(book, np.flatnonzero(counts < 1), "curve: needs at least 1 point")
    owner = np.repeat(np.arange(m), counts)
    finite = np.isfinite(book.curve_qty) & np.isfinite(book.curve_price)
    _first_bad(book, owner[~finite], "curve: quantities and prices must be finite numbers")
    cols = book.portfolios
    nnz_per_order = np.diff(cols.indptr)
    _first_bad(book, np.flatnonzero(nnz_per_order == 0), "portfolio: is empty")
    weight_owner = np.repeat(np.arange(m), nnz_per_order)
    bad_weight = ~np.isfinite(cols.data) | (cols.data == 0)
    _first_bad(book, weight_owner[bad_weight], "portfolio: weights must be finite and non-zero")
    same_curve = owner[1:] == owner[:-1]
    with np.errstate(over="ignore"):  # ±inf steps between huge finite points compare fine
        dq = np.diff(book.curve_qty)
        dp = np.diff(book.curve_price)
    _first_bad(
        book,
        owner[1:][same_curve & ~(dq > 0)],
        "curve: quantities must strictly increase from point to point",
    )
    _first_bad(
        book,
        owner[1:][same_curve & ~(dp <= 0)],
        "curve: price must not increase as quantity increases",
    )
    single = np.flatnonzero(counts == 1)
    _first_bad(
        book,
        single[book.curve_qty[ptr[single]] != 0],
        "curve: a single point fixes the quantity, which must be 0 (no trade)",
    )
    q_first = book.curve_qty[ptr[:-1]]
    q_last = book.curve_qty[ptr[1:] - 1]
    _first_bad(
        book,
        np.flatnonzero((q_first > 0) | (q_last < 0)),
        "curve: quantity range must contain 0 (no trade)",
    )


def _narrow_indices(matrix: sp.csc_array, columns: IntArray) -> sp.csc_array:
    """The same matrix with 32-bit indices if they fit `matrix[:, columns]` (less to read)."""
    nnz = int(np.diff(matrix.indptr)[columns].sum())
    if max(nnz, matrix.nnz, *matrix.shape, columns.size) >= 2**31 - 1:
        return matrix
    return sp.csc_array(
        (matrix.data, matrix.indices.astype(np.int32), matrix.indptr.astype(np.int32)),
        shape=matrix.shape,
    )


def _segments(book: OrderBook) -> tuple[IntArray, IntArray]:
    """(owner, first point) of every segment of every curve, in curve order."""
    is_first = np.ones(book.curve_qty.size, dtype=bool)
    is_first[book.curve_ptr[1:] - 1] = False  # a curve's last point starts no segment
    owner = np.repeat(np.arange(book.n_orders, dtype=np.int64), np.diff(book.curve_ptr) - 1)
    return owner, np.flatnonzero(is_first)


def decompose(book: OrderBook) -> LinearOrders:
    """Linear orders of every curve (vectorised); `parent`/`sign` map them back.

    Segment by segment in curve order: a segment below quantity 0 is one selling
    linear order, one above 0 a buying one, and one across 0 a selling then a
    buying one, split at 0. So the linear orders of an order are contiguous.
    """
    owner, start = _segments(book)
    q, p = book.curve_qty, book.curve_price
    qa, qb, pa, pb = q[start], q[start + 1], p[start], p[start + 1]
    slope = (pa - pb) / (qb - qa)
    sell = qa < 0
    across = sell & (qb > 0)
    p_zero = pa - slope * (0.0 - qa)  # price at quantity 0 on each segment's line
    count = 1 + across.astype(np.int64)
    first = np.cumsum(count) - count  # position of each segment's first linear order
    second = first[across] + 1  # the buying half of a segment across 0

    def spread(first_value: FloatArray, second_value: FloatArray) -> FloatArray:
        # each segment's value in its first place (and, across 0, its second), then the
        # few second halves: cheaper than scattering every value
        out: FloatArray = np.repeat(first_value, count)
        out[second] = second_value
        return out

    p_high = spread(np.where(sell, -np.where(across, p_zero, pb), pa), p_zero[across])
    p_low = spread(np.where(sell, -pa, pb), pb[across])
    quantity = spread(np.where(across, -qa, qb - qa), qb[across])
    sign = spread(np.where(sell, -1.0, 1.0), np.ones(second.size))
    parent = np.repeat(owner, count)
    weights = sp.csc_array(_narrow_indices(book.portfolios, parent)[:, parent])
    selling = np.repeat(sign < 0, np.diff(weights.indptr))
    np.negative(weights.data, out=weights.data, where=selling)
    return LinearOrders(
        weights=weights,
        p_high=p_high,
        p_low=p_low,
        q=quantity,
        slope=np.repeat(slope, count),
        parent=parent,
        sign=sign,
    )


def _interpolate(
    book: OrderBook, portfolio_price: FloatArray, passed: npt.NDArray[np.bool_], upper: bool
) -> FloatArray:
    """Quantity where each curve's price crosses u (m,), `passed` marking the points
    (all curves' points) that come before the crossing: those priced above u for the
    lowest quantity, at least u for the highest (`upper`)."""
    ptr = book.curve_ptr
    counts = np.diff(ptr)
    owner = np.repeat(np.arange(book.n_orders), counts)
    first = ptr[:-1] + np.bincount(owner, weights=passed, minlength=book.n_orders).astype(np.int64)
    hi = np.clip(first, ptr[:-1] + 1, ptr[1:] - 1)
    hi = np.where(counts > 1, hi, ptr[:-1])  # a one-point curve is its point
    lo = np.where(counts > 1, hi - 1, hi)
    price = book.curve_price
    drop = price[lo] - price[hi]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = (price[lo] - portfolio_price) / drop
    # a flat piece (drop 0) is only interpolated at a curve's ends: u at or above its
    # price gives its start for the lowest quantity (its end for the highest, unless u
    # is above it), u below it its end
    tie = portfolio_price > price[lo] if upper else portfolio_price >= price[lo]
    frac = np.where(drop > 0, frac, np.where(tie, 0.0, 1.0))
    frac = np.clip(frac, 0.0, 1.0)
    qty: FloatArray = book.curve_qty[lo] + frac * (book.curve_qty[hi] - book.curve_qty[lo])
    return qty


def curve_interval(book: OrderBook, portfolio_price: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(lowest, highest) quantity (m,) GB/h each curve accepts at its portfolio price.

    Equal except where the price is that of a flat piece, whose whole length the
    curve accepts; flat beyond the end points (a one-point curve: its point).
    """
    owner = np.repeat(np.arange(book.n_orders), np.diff(book.curve_ptr))
    u = portfolio_price[owner]
    lowest = _interpolate(book, portfolio_price, book.curve_price > u, upper=False)
    highest = _interpolate(book, portfolio_price, book.curve_price >= u, upper=True)
    return lowest, highest


def curve_gap(
    book: OrderBook, portfolio_price: FloatArray, quantity: FloatArray, slack: float = 0.0
) -> FloatArray:
    """Distance (m,) GB/h of each order's quantity from what its curve accepts at its
    price, or at any price within `slack` tokens per GB of it (a flat piece accepts
    its whole length at one price only, which rounding may miss by a few units)."""
    if slack == 0.0:
        lowest, highest = curve_interval(book, portfolio_price)
    else:
        lowest = curve_interval(book, portfolio_price + slack)[0]
        highest = curve_interval(book, portfolio_price - slack)[1]
    gap: FloatArray = np.maximum(np.maximum(lowest - quantity, quantity - highest), 0.0)
    return gap


def curve_quantity(book: OrderBook, portfolio_price: FloatArray) -> FloatArray:
    """Each curve evaluated at its portfolio price, independently of `decompose`.

    portfolio_price: (m,) tokens per GB; returns (m,) GB/h, flat beyond the end points;
    on a flat piece's own price, its lowest quantity (`curve_interval` gives both ends).
    """
    return curve_interval(book, portfolio_price)[0]
