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

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from flowmarket.clearing.model import (
    FloatArray,
    IntArray,
    LinearOrders,
    LineBuilder,
    LineColumns,
    NewtonLines,
    OrderBook,
    OrderGaps,
    SolverOptions,
)
from flowmarket.errors import InvalidOrder


def _first_bad(book: OrderBook, bad_orders: IntArray, reason: str) -> None:
    if bad_orders.size:
        order_id = book.order_ids[int(bad_orders.min())]
        raise InvalidOrder(f"order {order_id!r}: {reason}")


def _first_bad_entry(
    book: OrderBook, starts: IntArray, bad: npt.NDArray[np.bool_], reason: str
) -> None:
    """`_first_bad` for a mask over entries (curve points, portfolio weights) whose orders
    own consecutive runs from `starts` (each order's first entry; none empty): the order
    of the first bad entry, the smallest such order, found only when there is one (no
    column of owners, 8 bytes an entry, for a book that is valid)."""
    if bad.any():
        first = int(np.argmax(bad))
        _first_bad(book, np.searchsorted(starts, [first], side="right") - 1, reason)


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
    qty, price = book.curve_qty, book.curve_price
    finite = np.isfinite(qty)
    finite &= np.isfinite(price)
    _first_bad_entry(book, ptr, ~finite, "curve: quantities and prices must be finite numbers")
    cols = book.portfolios
    nnz_per_order = np.diff(cols.indptr)
    _first_bad(book, np.flatnonzero(nnz_per_order == 0), "portfolio: is empty")
    bad_weight = ~np.isfinite(cols.data)
    bad_weight |= cols.data == 0
    _first_bad_entry(
        book, cols.indptr, bad_weight, "portfolio: weights must be finite and non-zero"
    )
    # Point i and the next one are on one curve unless the next one starts a curve. The
    # points are finite here, so comparing them is comparing their differences' signs.
    across = np.zeros(max(qty.size - 1, 0), dtype=bool)
    across[ptr[1:-1] - 1] = True
    rising = qty[1:] > qty[:-1]
    rising |= across
    _first_bad_entry(
        book, ptr, ~rising, "curve: quantities must strictly increase from point to point"
    )
    falling = price[1:] <= price[:-1]
    falling |= across
    _first_bad_entry(book, ptr, ~falling, "curve: price must not increase as quantity increases")
    single = np.flatnonzero(counts == 1)
    _first_bad(
        book,
        single[qty[ptr[single]] != 0],
        "curve: a single point fixes the quantity, which must be 0 (no trade)",
    )
    q_first = qty[ptr[:-1]]
    q_last = qty[ptr[1:] - 1]
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


def _segment_owners(book: OrderBook) -> IntArray:
    """The order of every segment of every curve, in curve order."""
    return np.repeat(np.arange(book.n_orders, dtype=np.int64), np.diff(book.curve_ptr) - 1)


def _segment_starts(book: OrderBook) -> IntArray:
    """The first point of every segment of every curve, in curve order."""
    is_first = np.ones(book.curve_qty.size, dtype=bool)
    is_first[book.curve_ptr[1:] - 1] = False  # a curve's last point starts no segment
    return np.flatnonzero(is_first)


@dataclass(frozen=True)
class _Segments:
    """Every segment of every curve, in curve order: its ends' quantities
    (qa < qb) and prices (pa ≥ pb), its slope, whether it sells (qa < 0) or crosses 0,
    how many linear orders it makes (`count`: 2 across 0, else 1) and where each second
    one (the buying half of a segment across 0) lands among them."""

    qa: FloatArray
    qb: FloatArray
    pa: FloatArray
    pb: FloatArray
    slope: FloatArray
    sell: npt.NDArray[np.bool_]
    across: npt.NDArray[np.bool_]
    count: IntArray
    second: IntArray

    @classmethod
    def of(cls, book: OrderBook) -> _Segments:
        # Each column a segment long is made once and worked in place: at 10^7 orders a
        # temporary is 200 MB of fresh pages for the kernel to zero (the build's system
        # time was half its time), and the same operations give the same bits.
        start = _segment_starts(book)
        q, p = book.curve_qty, book.curve_price
        qa, pa = q[start], p[start]
        start += 1  # now each segment's second point
        qb, pb = q[start], p[start]
        del start
        sell = qa < 0
        across = qb > 0
        across &= sell
        count = across.astype(np.int64)
        count += 1
        first = np.cumsum(count)
        first -= count  # position of each segment's first linear order
        second = first[across]
        second += 1
        del first
        slope = pa - pb
        run = qb - qa
        slope /= run
        del run
        return cls(qa, qb, pa, pb, slope, sell, across, count, second)

    def spread(self, first_value: FloatArray, second_value: FloatArray) -> FloatArray:
        """(l,) each segment's value in its first place (and, across 0, its second): the
        few second halves after, cheaper than scattering every value."""
        out: FloatArray = np.repeat(first_value, self.count)
        out[self.second] = second_value
        return out

    def low_prices(self) -> FloatArray:
        low = np.negative(self.pa)  # −pa selling, pb buying
        np.copyto(low, self.pb, where=~self.sell)
        return self.spread(low, self.pb[self.across])

    def slopes(self) -> FloatArray:
        return np.repeat(self.slope, self.count)


class ArrayLines:
    """`LineBuilder` by numpy's array operations over every segment (`_Segments`)."""

    def columns(self, book: OrderBook) -> LineColumns:
        seg = _Segments.of(book)
        sell, across, qa, qb = seg.sell, seg.across, seg.qa, seg.qb
        # In place, as `_Segments.of`: pa − slope·(0 − qa), the price at quantity 0 on
        # each segment's line; then −(p_zero across 0, else pb) selling and pa buying.
        p_zero = 0.0 - qa
        p_zero *= seg.slope
        np.subtract(seg.pa, p_zero, out=p_zero)
        high = seg.pb.copy()
        np.copyto(high, p_zero, where=across)
        np.negative(high, out=high)
        np.copyto(high, seg.pa, where=~sell)
        p_high = seg.spread(high, p_zero[across])
        del high, p_zero
        width = qb - qa  # −qa across 0 (its selling half)
        np.negative(qa, out=width, where=across)
        quantity = seg.spread(width, qb[across])
        del width
        sign = seg.spread(np.where(sell, -1.0, 1.0), np.ones(seg.second.size))
        parent = np.repeat(_segment_owners(book), seg.count)
        return LineColumns(p_high, seg.low_prices(), quantity, seg.slopes(), parent, sign)

    def low_and_slope(self, book: OrderBook) -> tuple[FloatArray, FloatArray]:
        seg = _Segments.of(book)
        return seg.low_prices(), seg.slopes()


ARRAY_LINES = ArrayLines()


def line_builder(options: SolverOptions) -> LineBuilder:
    """How `options` make the linear orders (`SolverOptions.lines`), else numpy's."""
    return options.lines or ARRAY_LINES


def decompose(book: OrderBook, builder: LineBuilder = ARRAY_LINES) -> LinearOrders:
    """Linear orders of every curve (vectorised); `parent`/`sign` map them back.

    Segment by segment in curve order: a segment below quantity 0 is one selling
    linear order, one above 0 a buying one, and one across 0 a selling then a
    buying one, split at 0. So the linear orders of an order are contiguous.
    builder: how (`LineBuilder`; numpy's by default), for a book `validate_book` passed.
    """
    lines = builder.columns(book)  # LinearOrders' fields after W, in their order
    return LinearOrders(order_columns(book, lines.parent, lines.sign), *lines)


def restore(
    book: OrderBook, lines: NewtonLines, builder: LineBuilder = ARRAY_LINES
) -> LinearOrders:
    """`decompose(book, builder)` from what the engine kept of it through the Newton
    stage: W, p_low and slope made again by the same operations, so the same bits."""
    p_low, slope = builder.low_and_slope(book)  # its segments not held while W is made
    columns = LineColumns(lines.p_high, p_low, lines.q, slope, lines.parent, lines.sign)
    return LinearOrders(order_columns(book, lines.parent, lines.sign), *columns)


def order_columns(book: OrderBook, parent: IntArray, sign: FloatArray) -> sp.csc_array:
    """W (n, l): column i is the portfolio of order parent_i, negated where sign_i < 0.
    A function of the book and the two vectors alone, so the engine can let W go through
    the Newton stage and make it again after, the same bits (`restore`)."""
    weights = sp.csc_array(_narrow_indices(book.portfolios, parent)[:, parent])
    selling = np.repeat(sign < 0, np.diff(weights.indptr))
    np.negative(weights.data, out=weights.data, where=selling)
    return weights


def _interpolate(
    book: OrderBook,
    portfolio_price: FloatArray,
    passed: IntArray,
    upper: bool,
    curves: IntArray | None = None,
) -> FloatArray:
    """Quantity where each curve's price crosses u (m,), `passed` counting each curve's
    points that come before the crossing: those priced above u for the lowest quantity,
    at least u for the highest (`upper`); curves: only these (their u and counts given
    in their order), else all."""
    starts, ends = book.curve_ptr[:-1], book.curve_ptr[1:]
    if curves is not None:
        starts, ends = starts[curves], ends[curves]
    counts = ends - starts
    first = starts + passed
    hi = np.clip(first, starts + 1, ends - 1)
    hi = np.where(counts > 1, hi, starts)  # a one-point curve is its point
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


def _points_above(book: OrderBook, point_u: FloatArray, at: bool = False) -> IntArray:
    """(m,) each curve's points priced above its u (at: priced exactly u); point_u: (all
    curves' points) the u of each point's curve."""
    passed = book.curve_price == point_u if at else book.curve_price > point_u
    # Every curve has a point, so each reduceat segment is its curve's (an integer count:
    # no float copy of the mask, no owner index per point).
    counted: IntArray = np.add.reduceat(passed, book.curve_ptr[:-1], dtype=np.int64)
    return counted


def _point_u(book: OrderBook, portfolio_price: FloatArray) -> FloatArray:
    """Each point's curve's portfolio price (all curves' points)."""
    return np.repeat(portfolio_price, np.diff(book.curve_ptr))


def curve_interval(book: OrderBook, portfolio_price: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(lowest, highest) quantity (m,) GB/h each curve accepts at its portfolio price.

    Equal except where the price is that of a flat piece, whose whole length the
    curve accepts; flat beyond the end points (a one-point curve: its point).

    The two differ only for a curve with a point priced exactly u: elsewhere the points
    before the crossing are the same for both and a flat piece's tie rule reads the same
    (u ≠ its price), so the highest is worked out for those curves alone (half the
    certificate's curve work at 10^7 orders).
    """
    point_u = _point_u(book, portfolio_price)
    above = _points_above(book, point_u)
    lowest = _interpolate(book, portfolio_price, above, upper=False)
    at = _points_above(book, point_u, at=True)
    del point_u  # a column of every point, read no more
    tied = np.flatnonzero(at)
    highest = lowest.copy()
    if tied.size:
        passed = above[tied] + at[tied]
        highest[tied] = _interpolate(book, portfolio_price[tied], passed, True, curves=tied)
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
    above = _points_above(book, _point_u(book, portfolio_price))
    return _interpolate(book, portfolio_price, above, upper=False)


def order_gaps(options: SolverOptions) -> OrderGaps:
    """The certificate's order gaps `options` name (`SolverOptions.order_gaps`), else
    numpy's `curve_gap`."""
    return options.order_gaps or curve_gap
