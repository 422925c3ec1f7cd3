"""Engine 4's preconditioner (`clearing.pairs`): the pairs a book's bundles hold, their
strengths and greedy matching, the 2 x 2 blocks, all against hand-computed values; the
compiled strengths (`solvers.compiled_pairs`) numpy's bit for bit; whole clearings."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from flowmarket.clearing import SolverOptions, clear
from flowmarket.clearing.curves import decompose
from flowmarket.clearing.dual import DualOperators
from flowmarket.clearing.model import FloatArray, IntArray, OrderBook
from flowmarket.clearing.pairs import (
    ProductPairs,
    matched_pairs,
    pair_preconditioner,
    strong_pairs,
)
from flowmarket.clearing.synthetic import random_book
from flowmarket.solvers import compiled_pairs
from flowmarket.solvers.highs_projection import MARKET_OPTIONS

BOTH = pytest.mark.parametrize(
    "find", [strong_pairs, compiled_pairs.strong_pairs], ids=["numpy", "compiled"]
)


def _bits(values: np.ndarray) -> list[int]:
    if values.dtype == np.float64:
        return [int(v) for v in values.view(np.uint64)]
    return [int(v) for v in values]


def _buyers(n: int, portfolios: list[dict[int, float]]) -> OrderBook:
    """One buyer per portfolio, each the curve 10 → 6 tokens/GB over 2 GB/h."""
    rows = [p for weights in portfolios for p in weights]
    cols = [k for k, weights in enumerate(portfolios) for _ in weights]
    data = [w for weights in portfolios for w in weights.values()]
    m = len(portfolios)
    return OrderBook(
        products=tuple(f"p{i}" for i in range(n)),
        participants=("a",),
        order_ids=tuple(f"o{k}" for k in range(m)),
        order_participant=np.zeros(m, dtype=np.int64),
        portfolios=sp.csc_array((data, (rows, cols)), shape=(n, m)),
        curve_ptr=np.arange(0, 2 * m + 1, 2, dtype=np.int64),
        curve_qty=np.tile([0.0, 2.0], m),
        curve_price=np.tile([10.0, 6.0], m),
    )


def _ops(n: int, portfolios: list[dict[int, float]]) -> DualOperators:
    return DualOperators.of(decompose(_buyers(n, portfolios)))


def test_the_pairs_of_a_books_bundles_and_each_groups_share() -> None:
    # order 0 over p0, p1; order 1 over p1, p2, p3; order 2 over p0, p1; order 3 p2 alone
    ops = _ops(4, [{0: 1.0, 1: 2.0}, {1: 1.0, 2: 1.0, 3: -1.0}, {0: 0.5, 1: 4.0}, {2: 1.0}])
    assert ops.coupled.tolist() == [0, 2, 1]  # by size, then first product
    pairs = ProductPairs.of(ops.coupled_bt)
    assert pairs.first.tolist() == [0, 1, 1, 2]
    assert pairs.second.tolist() == [1, 2, 3, 3]
    # entries row by row (orders 0, 2, 1): (0,1) twice, then order 1's (1,2), (1,3), (2,3)
    assert pairs.pair_of.tolist() == [0, 0, 1, 2, 3]
    group, value = pairs.entries()
    assert group.tolist() == [0, 1, 2, 2, 2]  # rows of B_Mᵀ (ops.coupled's order)
    # H_01 = 1·2 a_0 + 0.5·4 a_2; H_12 = a_1; H_13 = H_23 = −a_1
    assert value.tolist() == [2.0, 2.0, 1.0, -1.0, -1.0]
    assert pairs.pair_of.dtype == pairs.first.dtype == np.int32


def test_a_book_without_bundles_has_no_pairs() -> None:
    pairs = ProductPairs.of(_ops(2, [{0: 1.0}, {1: 1.0}]).coupled_bt)
    assert pairs.first.size == pairs.second.size == pairs.pair_of.size == 0
    assert [column.size for column in pairs.entries()] == [0, 0]


def _rows(rows: list[dict[int, float]], n: int) -> sp.csr_array:
    """B_Mᵀ of hand-written groups: each row's products and weights."""
    dense = np.zeros((len(rows), n))
    for k, row in enumerate(rows):
        for product, weight in row.items():
            dense[k, product] = weight
    return sp.csr_array(dense)


HAND = [{0: 1.0, 1: 2.0}, {0: 0.5, 1: 4.0}, {1: 1.0, 2: 1.0, 3: -1.0}]
FIRST, SECOND = np.array([0, 1, 1, 2]), np.array([1, 2, 3, 3])


@BOTH
def test_the_strong_pairs_and_their_strengths_by_hand(find: object) -> None:
    # a = (1, 3, 2): H = (2·1 + 2·3, 1·2, −1·2, −1·2) = (8, 2, −2, −2); strength
    # H_ij² / (d_i d_j) with d below: (0,1) 64/72, (1,2) 4/12, (1,3) 4/28 (weak), (2,3) 4/5.25
    diagonal = np.array([9.0, 8.0, 1.5, 3.5])
    pairs = ProductPairs.of(_rows(HAND, 4))
    strong, strength, off = find(pairs, np.array([1.0, 3.0, 2.0]), diagonal)  # type: ignore[operator]
    assert strong.tolist() == [0, 1, 3]
    assert strength.tolist() == [64.0 / 72.0, 4.0 / 12.0, 4.0 / 5.25]
    assert off.tolist() == [8.0, 2.0, -2.0]


@BOTH
def test_a_pair_exactly_at_the_threshold_is_not_strong(find: object) -> None:
    # H_01 = 3: 9 / (6·5) is 0.3 to the bit, STRONG_PAIR itself; 9 / (6·4.5) = 1/3 is over
    one = ProductPairs.of(_rows([{0: 3.0, 1: 1.0}], 2))
    at = find(one, np.array([1.0]), np.array([6.0, 5.0]))  # type: ignore[operator]
    over = find(one, np.array([1.0]), np.array([6.0, 4.5]))  # type: ignore[operator]
    assert at[0].tolist() == []
    assert over[0].tolist() == [0]
    assert over[1].tolist() == [9.0 / 27.0]


def test_the_greedy_matching_takes_the_strongest_pair_of_each_product() -> None:
    # strong pairs (0,1) .89, (1,2) .33, (2,3) .76: (0,1) first, then (2,3); (1,2) loses p1
    strength = np.array([64.0 / 72.0, 4.0 / 12.0, 4.0 / 5.25])
    assert matched_pairs(np.array([0, 1, 3]), strength, FIRST, SECOND, 4).tolist() == [0, 2]
    # equal strengths: the earlier pair wins
    tie = np.array([0.5, 0.5, 0.5])
    assert matched_pairs(np.array([0, 1, 3]), tie, FIRST, SECOND, 4).tolist() == [0, 2]
    assert matched_pairs(np.array([1, 2]), tie[:2], FIRST, SECOND, 4).tolist() == [0]
    # (0,2) first takes p2 from (1,2), whose p1 is free
    first, second = np.array([0, 1]), np.array([2, 2])
    assert matched_pairs(np.array([0, 1]), np.array([0.9, 0.8]), first, second, 3).tolist() == [0]


def test_a_chain_of_equally_strong_pairs_is_matched_in_pair_order() -> None:
    # (0,1), (1,2), …, (199,200), all 0.5 but pairs 10, 50 and 120 (0.6): those first,
    # then the ties in pair order: the even pairs (each odd one meets a taken product).
    # An unstable sort's order of the ties keeps another set.
    first = np.arange(200)
    strength = np.where(np.isin(first, [10, 50, 120]), 0.6, 0.5)
    kept = matched_pairs(first, strength, first, first + 1, 201)
    assert kept.tolist() == [10, 50, 120] + [k for k in range(0, 200, 2) if k not in (10, 50, 120)]


def test_a_strong_pair_is_inverted_as_its_two_by_two_block() -> None:
    # a bundle over p0, p1 (a = 3) and one order on each (a = 1 inside, a = 0 at a kink):
    # H = [[4, 3], [3, 3]], strength 9/12; its inverse [[1, −1], [−1, 4/3]]
    ops = _ops(2, [{0: 1.0, 1: 1.0}, {0: 1.0}, {1: 1.0}])
    apply = pair_preconditioner(ops)(np.array([3.0, 1.0, 0.0]), 0.0)
    assert apply(np.array([1.0, 0.0])).tolist() == [1.0, -1.0]
    assert apply(np.array([0.0, 3.0])).tolist() == [-3.0, 4.0]
    # weakly coupled (H = [[11.5, 1], [1, 11.5]] with μ = 0.5: 1/132.25): the diagonal
    weak = pair_preconditioner(ops)(np.array([1.0, 10.0, 10.0]), 0.5)
    assert weak(np.array([23.0, 11.5])).tolist() == [2.0, 1.0]


def test_a_block_whose_determinant_rounds_to_zero_keeps_the_diagonal() -> None:
    # the bundle alone (a = 1, μ = 0): H = [[1, 1], [1, 1]], singular, strength 1
    ops = _ops(2, [{0: 1.0, 1: 1.0}, {0: 1.0}, {1: 1.0}])
    apply = pair_preconditioner(ops)(np.array([1.0, 0.0, 0.0]), 0.0)
    assert apply(np.array([2.0, 3.0])).tolist() == [2.0, 3.0]


def _random_case(seed: int) -> tuple[ProductPairs, FloatArray, FloatArray]:
    """300 groups of 2 to 6 of 60 products (pairs held by several groups among them),
    with awkward weights, group weights a and diagonals."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(300):
        products = rng.choice(12 if rng.random() < 0.5 else 60, int(rng.integers(2, 7)), False)
        rows.append(
            {int(p): float(rng.choice([0.5, 1.0, -1.0, 2.0, 1e-300, 1e150])) for p in products}
        )
    coupled_a = rng.choice([0.0, -0.0, 1.0, 1.0 / 3.0, 7.0, 1e-160], 300)
    diagonal = rng.choice([0.1, 1.0, 1.0 / 7.0, 3.0, 1e-300], 60)
    return ProductPairs.of(_rows(rows, 60)), coupled_a, diagonal


@pytest.mark.parametrize("seed", range(6))
def test_the_compiled_strengths_are_numpys_bit_for_bit(seed: int) -> None:
    case = _random_case(seed)
    assert np.bincount(case[0].pair_of).max() > 1  # some pairs summed over several groups
    theirs = strong_pairs(*case)
    ours = compiled_pairs.strong_pairs(*case)
    assert theirs[0].size > 0
    for mine, numpys in zip(ours, theirs, strict=True):
        assert mine.dtype == numpys.dtype
        assert _bits(mine) == _bits(numpys)


def test_the_compiled_strengths_reuse_one_buffer_and_start_each_system_from_zero() -> None:
    pairs, coupled_a, diagonal = _random_case(0)
    first = compiled_pairs.strong_pairs(pairs, coupled_a, diagonal)
    buffer = pairs.scratch()
    second_a = coupled_a[::-1].copy()  # another system on the same pairs
    second = compiled_pairs.strong_pairs(pairs, second_a, diagonal)
    again = compiled_pairs.strong_pairs(pairs, coupled_a, diagonal)
    assert pairs.scratch() is buffer
    for mine, numpys in zip(second, strong_pairs(pairs, second_a, diagonal), strict=True):
        assert _bits(mine) == _bits(numpys)
    for mine, before in zip(again, first, strict=True):
        assert _bits(mine) == _bits(before)


def test_engine_4_clears_with_fewer_cg_iterations_and_its_certificate() -> None:
    book = random_book(2000, 20000, 3)
    third = clear(book, options=SolverOptions(engine=3))
    fourth = clear(book, options=SolverOptions(engine=4))
    # the gate let it through (it raises otherwise), with engine 3's tolerances
    assert fourth.certificate.max_imbalance <= 1e-8
    assert fourth.certificate.max_order_gap <= 1e-8
    assert fourth.stats.cg_iterations < third.stats.cg_iterations
    # another engine's bits, the same market to the certificate's tolerances
    assert np.allclose(fourth.prices, third.prices, rtol=1e-7, atol=1e-7)


class _Counting:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(
        self, pairs: ProductPairs, coupled_a: FloatArray, diagonal: FloatArray
    ) -> tuple[IntArray, FloatArray, FloatArray]:
        self.calls += 1
        return compiled_pairs.strong_pairs(pairs, coupled_a, diagonal)


@pytest.mark.parametrize("engine", [3, 4])
def test_engine_4_alone_finds_pairs_once_per_newton_system(engine: int) -> None:
    book = random_book(60, 900, 4)
    counting = _Counting()
    ours = clear(book, options=SolverOptions(engine=engine, pair_strengths=counting))
    theirs = clear(book, options=SolverOptions(engine=engine))
    assert counting.calls == (ours.stats.iterations if engine == 4 else 0)
    assert _bits(ours.prices) == _bits(theirs.prices)
    assert ours.certificate == theirs.certificate


def test_engine_4_has_the_same_bits_on_two_threads_and_through_the_markets_options() -> None:
    book = random_book(300, 6000, 1)
    one = clear(book, options=SolverOptions(engine=4))
    two = clear(book, options=SolverOptions(engine=4, threads=2))
    market = clear(book, options=SolverOptions(**{**MARKET_OPTIONS.__dict__, "engine": 4}))
    assert _bits(two.prices) == _bits(one.prices)
    assert _bits(market.prices) == _bits(one.prices)
    assert market.certificate == one.certificate
