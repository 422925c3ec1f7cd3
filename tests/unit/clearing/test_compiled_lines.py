"""A book's curves as linear orders in one compiled loop (`solvers.compiled_lines`): the
hand-computed linear orders of each kind of curve, numpy's `curves.ArrayLines` bit for
bit on seeded and awkward books, and whole clearings through the engine."""

from __future__ import annotations

import numpy as np
import pytest
from test_clearing_curves import _book
from test_clearing_flat import random_book as flat_book

from flowmarket.clearing import SolverOptions, clear, parse_orders
from flowmarket.clearing.curves import ARRAY_LINES, decompose, restore, validate_book
from flowmarket.clearing.model import FloatArray, LineBuilder, LineColumns, OrderBook
from flowmarket.clearing.synthetic import random_book
from flowmarket.solvers.compiled_lines import COMPILED_LINES
from flowmarket.solvers.highs_projection import MARKET_OPTIONS

BOTH = pytest.mark.parametrize("builder", [ARRAY_LINES, COMPILED_LINES], ids=["numpy", "compiled"])


def _bits(values: np.ndarray) -> list[int]:
    if values.dtype == np.float64:
        return [int(v) for v in values.view(np.uint64)]
    return [int(v) for v in values]


@BOTH
def test_each_kind_of_curve_makes_the_hand_computed_linear_orders(builder: LineBuilder) -> None:
    curves = [
        [(0.0, 10.0), (2.0, 6.0)],  # a buyer: one line from 10 down to 6 over 2 GB/h
        [(-3.0, 9.0), (0.0, 3.0)],  # a seller: sells up to 3 between -9 and -3
        [(-1.0, 8.0), (3.0, 4.0)],  # across 0 at slope 1: 7 at 0, sells 1 then buys 3
        [(0.0, 10.0), (1.0, 9.0), (4.0, 3.0)],  # two buying pieces, slopes 1 and 2
        [(-2.0, 5.0), (-1.0, 5.0), (0.0, 5.0)],  # a flat seller: two pieces at 5
    ]
    columns = builder.columns(_book(curves, [1.0] * 5))
    assert columns.p_high.tolist() == [10.0, -3.0, -7.0, 7.0, 10.0, 9.0, -5.0, -5.0]
    assert columns.p_low.tolist() == [6.0, -9.0, -8.0, 4.0, 9.0, 3.0, -5.0, -5.0]
    assert columns.q.tolist() == [2.0, 3.0, 1.0, 3.0, 1.0, 3.0, 1.0, 1.0]
    assert columns.slope.tolist() == [2.0, 2.0, 1.0, 1.0, 1.0, 2.0, 0.0, 0.0]
    assert columns.parent.tolist() == [0, 1, 2, 2, 3, 3, 4, 4]
    assert columns.sign.tolist() == [1.0, -1.0, -1.0, 1.0, 1.0, 1.0, -1.0, -1.0]
    low, slope = builder.low_and_slope(_book(curves, [1.0] * 5))
    assert low.tolist() == columns.p_low.tolist()
    assert slope.tolist() == columns.slope.tolist()


def _awkward_book(seed: int) -> OrderBook:
    """random_book's portfolios with curves whose points sit on awkward values: a point at
    −0.0 or 0.0 GB/h, prices ±0.0, tiny and huge quantities and prices, flat pieces."""
    rng = np.random.default_rng(seed)
    book = random_book(20, 300, seed)
    curves: list[list[tuple[float, float]]] = []
    scales = [1e-300, 1e-9, 1.0, 3.0, 1e9, 1e150]
    for _ in range(book.n_orders):
        points = int(rng.integers(2, 6))
        scale = float(rng.choice(scales))
        steps = rng.choice([0.1, 1.0, 1.0 / 3.0, 7.0], points - 1) * scale
        qty = np.concatenate([[0.0], np.cumsum(steps)])
        j = int(rng.integers(0, points - 1))
        # 0 GB/h on a point of the curve, or inside a segment (which then sells and buys)
        qty -= qty[j] if rng.random() < 0.5 else 0.5 * (qty[j] + qty[j + 1])
        if rng.random() < 0.3:
            qty[qty == 0.0] = -0.0
        price_steps = rng.choice([0.0, 0.0, 0.5, 1.0 / 7.0, 2.0], points - 1) * float(
            rng.choice(scales)
        )
        price = float(rng.choice([-0.0, 0.0, 4.0, -3.0, 1e100])) - np.concatenate(
            [[0.0], np.cumsum(price_steps)]
        )
        curves.append(list(zip(qty.tolist(), price.tolist(), strict=True)))
    out = _book(curves, [1.0] * len(curves))
    validate_book(out)
    return out


@pytest.mark.parametrize("seed", [1, 8, 21])
def test_the_compiled_linear_orders_are_numpys_bit_for_bit(seed: int) -> None:
    books = [random_book(40, 400, seed), parse_orders(flat_book(seed, 30, 300))]
    books.append(_awkward_book(seed))
    # as the engine decomposes: the awkward books' slopes overflow, as they may there
    for book in books:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            ours, theirs = COMPILED_LINES.columns(book), ARRAY_LINES.columns(book)
            for name in LineColumns._fields:
                mine, expected = getattr(ours, name), getattr(theirs, name)
                assert mine.dtype == expected.dtype, name
                assert _bits(mine) == _bits(expected), name
            low, slope = COMPILED_LINES.low_and_slope(book)
            assert _bits(low) == _bits(theirs.p_low)
            assert _bits(slope) == _bits(theirs.slope)
            ours_lin, theirs_lin = decompose(book, COMPILED_LINES), decompose(book)
            assert (ours_lin.weights != theirs_lin.weights).nnz == 0
            back = restore(book, ours_lin.newton_lines(), COMPILED_LINES)
            assert _bits(back.p_low) == _bits(theirs_lin.p_low)
            assert _bits(back.slope) == _bits(theirs_lin.slope)


class _Counting:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def columns(self, book: OrderBook) -> LineColumns:
        self.calls.append("columns")
        return COMPILED_LINES.columns(book)

    def low_and_slope(self, book: OrderBook) -> tuple[FloatArray, FloatArray]:
        self.calls.append("low_and_slope")
        return COMPILED_LINES.low_and_slope(book)


@pytest.mark.parametrize("engine", [1, 3])
def test_a_clearing_through_the_compiled_lines_has_numpys_prices_and_certificate(
    engine: int,
) -> None:
    book = random_book(60, 900, 4)
    counting = _Counting()
    ours = clear(book, options=SolverOptions(engine=engine, lines=counting))
    theirs = clear(book, options=SolverOptions(engine=engine))
    # made once before the Newton stage, and p_low and slope again after it
    assert counting.calls == ["columns", "low_and_slope"]
    assert _bits(ours.prices) == _bits(theirs.prices)
    assert _bits(ours.order_quantity) == _bits(theirs.order_quantity)
    assert ours.certificate == theirs.certificate
    assert ours.welfare == theirs.welfare
    market = clear(book, options=MARKET_OPTIONS)
    assert _bits(market.prices) == _bits(clear(book, options=SolverOptions(lines=None)).prices)
