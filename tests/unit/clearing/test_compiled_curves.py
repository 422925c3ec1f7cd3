"""The certificate's order gaps as one compiled loop (`solvers.compiled_curves`): the
hand-computed gaps of every kind of curve, numpy's `curves.curve_gap` bit for bit on
seeded books at awkward prices and quantities, and wired into every clearing path and
the gate."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest
from test_clearing_curves import GOOD, _book
from test_clearing_flat import random_book as flat_book

from flowmarket.clearing import SolverOptions, clear, gate, parse_orders
from flowmarket.clearing.curves import curve_gap, decompose
from flowmarket.clearing.dual import DualOperators
from flowmarket.clearing.model import FloatArray, OrderBook
from flowmarket.clearing.synthetic import random_book, random_network
from flowmarket.errors import CertificateFailed
from flowmarket.solvers.compiled_curves import curve_gap as compiled_gap
from flowmarket.solvers.highs_projection import MARKET_OPTIONS, market_order_gaps

Gaps = Callable[[OrderBook, FloatArray, FloatArray, float], FloatArray]
BOTH = pytest.mark.parametrize("gaps", [curve_gap, compiled_gap], ids=["numpy", "compiled"])

FLAT = [(-2.0, 9.0), (1.0, 6.0), (4.0, 6.0), (5.0, 2.0)]  # flat at 6 from 1 to 4 GB/h
ENDS_FLAT = [(0.0, 5.0), (2.0, 3.0), (6.0, 3.0)]
STARTS_FLAT = [(1.0, 8.0), (3.0, 8.0), (4.0, 1.0)]


def _bits(values: FloatArray) -> list[int]:
    return [int(v) for v in np.asarray(values, dtype=np.float64).view(np.uint64)]


@BOTH
def test_the_gap_of_each_kind_of_curve_by_hand(gaps: Gaps) -> None:
    curves = [FLAT, FLAT, FLAT, FLAT, GOOD, [(2.0, 7.0)], FLAT, ENDS_FLAT, STARTS_FLAT]
    book = _book(curves, [1.0] * 9)
    portfolio_price = np.array([6.0, 7.0, 9.0, 1.0, 8.0, 7.0, 6.5, 3.0, 8.0])
    # What each curve accepts there (test_clearing_curves' flat-piece test): [1, 4] on the
    # flat piece, 0, -2 at the first point's price, 5 below the last, 0 at GOOD's middle
    # point, 2 for a one-point curve, 0.5 at 6.5, [2, 6] and [1, 3] on a last and a first
    # flat piece. The quantities: within each, then off by 0.5, 1 and 1.
    quantity = np.array([3.0, 0.0, -2.0, 5.0, 0.0, 2.0, 1.0, 7.0, 0.0])
    gap = gaps(book, portfolio_price, quantity, 0.0)
    assert gap.tolist() == [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 1.0]
    # At the ends of the flat piece and just beyond them
    quantity = np.array([1.0, 4.0, 0.75, 4.25, 0.0, 1.0, 0.5, 2.0, 3.0])
    portfolio_price = np.array([6.0, 6.0, 6.0, 6.0, 8.0, 7.0, 6.5, 3.0, 8.0])
    gap = gaps(book, portfolio_price, quantity, 0.0)
    assert gap.tolist() == [0.0, 0.0, 0.25, 0.25, 0.0, 1.0, 0.0, 0.0, 0.0]


@BOTH
def test_a_price_slack_widens_what_the_curve_accepts_by_hand(gaps: Gaps) -> None:
    # FLAT at 7 accepts 0 (two thirds down its first piece) and at 6.25, 0.75. Within
    # 0.25 tokens/GB of 7: from its lowest quantity at 7.25 (-2 + 3 × 1.75 / 3 = -0.25)
    # to its highest at 6.75 (0.25); within 0.25 of 6.25: from 0.5 at 6.5 to the far end
    # of the flat piece at 6, 4. Within 0.5: [-0.5, 0.5] about 7, and about 6.25 from
    # 0.25 at 6.75 to a little down the last piece at 5.75 (4 + 0.25 / 4 = 4.0625).
    book = _book([FLAT, FLAT, FLAT, FLAT], [1.0] * 4)
    price = np.array([7.0, 7.0, 6.25, 6.25])
    quantity = np.array([0.25, -0.5, 4.0625, 5.0625])
    expected = {0.0: [0.25, 0.5, 3.3125, 4.3125], 0.25: [0.0, 0.25, 0.0625, 1.0625]}
    expected[0.5] = [0.0, 0.0, 0.0, 1.0]
    for slack, gap in expected.items():
        assert gaps(book, price, quantity, slack).tolist() == pytest.approx(gap, abs=1e-12)


def _awkward_quantities(rng: np.random.Generator, lowest: FloatArray) -> FloatArray:
    """Quantities on, near and off the curves, a fifth of them signed zeros, NaN or ∞."""
    m = lowest.size
    quantity = lowest + rng.choice([0.0, 0.0, 1e-12, -0.5, 2.0], m)
    pick = rng.random(m) < 0.2
    quantity[pick] = rng.choice(np.array([-0.0, 0.0, np.nan, np.inf, -np.inf]), int(pick.sum()))
    return quantity


@pytest.mark.parametrize("seed", [3, 11, 29])
@pytest.mark.parametrize("slack", [0.0, 0.01, 0.5])
def test_the_compiled_gaps_are_numpys_bit_for_bit(seed: int, slack: float) -> None:
    rng = np.random.default_rng(seed)
    for book in (random_book(40, 400, seed), parse_orders(flat_book(seed, 30, 300))):
        m = book.n_orders
        first = book.curve_ptr[:-1]
        last = book.curve_ptr[1:] - 1
        # Prices exactly at a point of each curve (its first, last or a middle one: the
        # ties), between, above and below every point, and signed zeros and NaN.
        at_point = book.curve_price[rng.integers(first, last + 1)]
        between = rng.uniform(book.curve_price.min() - 1.0, book.curve_price.max() + 1.0, m)
        price = np.where(rng.random(m) < 0.5, at_point, between)
        price[rng.random(m) < 0.05] = -0.0
        price[rng.random(m) < 0.02] = np.nan
        lowest = curve_gap(book, price, np.zeros(m))  # any column of the curves' scale
        quantity = _awkward_quantities(rng, book.curve_qty[rng.integers(first, last + 1)])
        quantity[: m // 4] = lowest[: m // 4]
        expected = curve_gap(book, price, quantity, slack)
        assert _bits(compiled_gap(book, price, quantity, slack)) == _bits(expected)
        assert _bits(market_order_gaps(book, price, quantity, slack)) == _bits(expected)


def _counting(calls: list[float]) -> Gaps:
    def gaps(book: OrderBook, price: FloatArray, quantity: FloatArray, slack: float) -> FloatArray:
        calls.append(slack)
        return compiled_gap(book, price, quantity, slack)

    return gaps


@pytest.mark.parametrize("kind", ["plain", "flat pieces", "network"])
def test_every_clearing_path_measures_its_gaps_with_the_options_gaps_to_numpys_bits(
    kind: str,
) -> None:
    network = None
    if kind == "plain":
        book = random_book(30, 240, 5)
    elif kind == "flat pieces":
        book = parse_orders(flat_book(5, 30, 240))
    else:
        book = random_book(10 * 3, 600, 2, locality=3)
        network = random_network(10, 30, book, 2, capacity=(5.0, 50.0))
    calls: list[float] = []
    numpy_result = clear(book, options=SolverOptions(), network=network)
    options = SolverOptions(order_gaps=_counting(calls))
    result = clear(book, options=options, network=network)
    # plain: the certificate's (the gate reads its residuals); flat pieces: the
    # certificate's and the gate's, both with the tie slack; a network: both at 0
    counted = {"plain": 1, "flat pieces": 2, "network": 2}[kind]
    assert len(calls) == counted
    assert (calls[0] > 0.0) == (kind == "flat pieces")
    assert _bits(result.prices) == _bits(numpy_result.prices)
    assert result.certificate == numpy_result.certificate
    market = clear(book, options=dataclasses.replace(MARKET_OPTIONS), network=network)
    assert market.certificate.max_order_gap == numpy_result.certificate.max_order_gap


def test_the_gate_names_an_order_off_its_curve_through_the_compiled_gaps() -> None:
    book = random_book(30, 240, 7)
    options = SolverOptions(order_gaps=compiled_gap)
    result = clear(book, options=options)
    lin = decompose(book)
    ops = DualOperators.of(lin)
    moved = result.order_quantity.copy()
    moved[17] += 1.0  # one order 1 GB/h off what its curve accepts at its price
    wrong = dataclasses.replace(result, order_quantity=moved)
    with pytest.raises(CertificateFailed) as failed:
        gate.check(book, lin, ops, wrong, options.gate_tol, gaps=compiled_gap)
    assert failed.value.orders == (book.order_ids[17],)
