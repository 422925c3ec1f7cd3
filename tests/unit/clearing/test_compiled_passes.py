"""The compiled passes over the linear orders (`solvers.compiled_passes`) are numpy's
(`clearing.passes.ArrayPasses`) bit for bit: each pass on columns with every awkward
value, and whole clearings, on one thread and more."""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np
import pytest
import scipy.sparse as sp
from test_clearing_flat import random_book as flat_book

from flowmarket.clearing import SolverOptions, clear, clear_document, newton
from flowmarket.clearing.curves import decompose
from flowmarket.clearing.dual import DualOperators
from flowmarket.clearing.parallel import ColumnSplit
from flowmarket.clearing.passes import ArrayPasses, NearKinks, PassesFactory, TrialColumns
from flowmarket.clearing.synthetic import random_book, random_network
from flowmarket.solvers.compiled_passes import CompiledPasses, compiled_passes, group_cuts
from flowmarket.solvers.highs_projection import MARKET_OPTIONS, market_passes

# Values where a clip or a comparison could go either way: signed zeros, the bounds
# themselves, infinities and NaN.
AWKWARD = np.array([-0.0, 0.0, 1.0, -1.0, 2.5, -2.5, np.inf, -np.inf, np.nan, 1e-300, -1e-300])


def _columns(seed: int, size: int) -> dict[str, np.ndarray]:
    """Oriented columns as the Newton stage holds them, a third of each drawn from
    AWKWARD and the bounds' own values (so that ζ often equals a bound exactly)."""
    rng = np.random.default_rng(seed)
    signed_q = np.where(rng.random(size) < 0.5, -1.0, 1.0) * rng.choice([0.0, 1.0, 2.5], size)
    lo, hi = np.minimum(signed_q, 0.0), np.maximum(signed_q, 0.0)

    def awkward(values: np.ndarray) -> np.ndarray:
        pick = rng.random(size) < 0.35
        values[pick] = rng.choice(AWKWARD, int(pick.sum()))
        on_bound = rng.random(size) < 0.15
        values[on_bound] = np.where(rng.random(size) < 0.5, lo, hi)[on_bound]
        return values

    z0 = awkward(rng.standard_normal(size) * 3.0)
    return {
        "zeta": z0, "lo": lo, "hi": hi, "b": awkward(rng.standard_normal(size)),
        "inside0": (z0 > lo) & (z0 < hi), "x0": np.clip(z0, lo, hi),
    }  # fmt: skip


def _ops(seed: int, size: int) -> DualOperators:
    """Operators whose groups are consecutive runs of 1–5 orders, with slopes and a row
    map to match: what the passes read."""
    rng = np.random.default_rng(seed)
    group = np.repeat(np.arange(size), rng.integers(1, 6, size))[:size]
    return _with_groups(
        DualOperators.of(decompose(random_book(50, 200, seed))),
        group,
        inv_slope=rng.uniform(0.1, 10.0, size),
        row_of=rng.integers(0, 400, size),
    )


def _with_groups(ops: DualOperators, group: np.ndarray, **columns: np.ndarray) -> DualOperators:
    """ops with these groups (B's width to match, no entries: the passes never read it)."""
    width = int(group.max()) + 1 if group.size else 0
    return dataclasses.replace(ops, group=group, groups=sp.csr_array((3, width)), **columns)


def _bits(*arrays: np.ndarray) -> list[bytes]:
    return [np.ascontiguousarray(a).view(np.uint8).tobytes() for a in arrays]


# inf − inf and NaN are the point here: numpy's warnings about them (raised on the helper
# threads too, where np.errstate does not reach) are expected
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
@pytest.mark.parametrize(("threads", "size"), [(1, 5_000), (2, 5_001), (3, 4_999)])
def test_each_compiled_pass_is_numpys_bit_for_bit_on_awkward_values(
    threads: int, size: int
) -> None:
    ops = _ops(threads, size)
    cols = ColumnSplit(size, threads, min_size=1)
    numpy_passes, passes = ArrayPasses(ops, cols), compiled_passes(ops, cols)
    assert isinstance(passes, CompiledPasses) and len(passes.cuts) == threads + 1
    c = _columns(threads, size)
    lo, hi, zeta = c["lo"], c["hi"], c["zeta"]

    def stepped(p: ArrayPasses | CompiledPasses, near: NearKinks | None = None) -> list[bytes]:
        xi, inside = np.full(size, 7.0), np.zeros(size, dtype=bool)
        sums, a = p.step(zeta, lo, hi, xi, inside, np.empty(size), near)
        return _bits(xi, inside, sums, a)

    assert stepped(passes) == stepped(numpy_passes)
    # Engine 3's band: β awkward too, the last step's t from none to beyond any distance.
    for t, weight in ((0.0, 0.125), (0.37, 0.125), (1.0, 0.125), (2.0, 1.0), (np.inf, 0.125)):
        near = NearKinks(c["b"], t, weight)
        assert stepped(passes, near) == stepped(numpy_passes, near)
    near = NearKinks(c["b"], 1.0, 0.125)
    assert stepped(passes, near) != stepped(passes)  # the band changed some weight

    per_row = np.random.default_rng(size).standard_normal(400)
    per_row[:40] = AWKWARD[np.arange(40) % AWKWARD.size]

    def along(p: ArrayPasses | CompiledPasses) -> list[bytes]:
        nu, beta = np.empty(size), np.empty(size)
        p.along(per_row, nu, beta)
        return _bits(nu, beta)

    assert along(passes) == along(numpy_passes)

    for step in (-1.0, -4.0, -0.37, -0.0, -1e308):

        def trial(p: ArrayPasses | CompiledPasses, step: float = step) -> list[bytes]:
            out = (np.empty(size), np.empty(size), np.empty(size, bool), np.empty(size, bool))
            p.trial(step, TrialColumns(zeta, c["b"], lo, hi, c["inside0"], c["x0"], *out))
            return _bits(*out)

        assert trial(passes) == trial(numpy_passes)


def test_the_step_by_hand() -> None:
    # Two groups: orders 0–1 (bounds [0, 2]) and order 2 (bounds [−1, 0]).
    ops = _with_groups(_ops(0, 3), np.array([0, 0, 1]), inv_slope=np.array([0.5, 4.0, 2.0]))
    passes = compiled_passes(ops, ColumnSplit(3, 1))
    zeta, lo, hi = np.array([3.0, 0.5, -0.25]), np.array([0.0, 0.0, -1.0]), np.array([2, 2, 0.0])
    xi, inside = np.empty(3), np.empty(3, dtype=bool)
    sums, a = passes.step(zeta, lo, hi, xi, inside, np.empty(3))
    assert xi.tolist() == [2.0, 0.5, -0.25]  # the first clipped to its top
    assert inside.tolist() == [False, True, True]
    assert sums.tolist() == [2.5, -0.25]
    assert a.tolist() == [4.0, 2.0]  # only the inside orders' 1/slope


@pytest.mark.parametrize("passes_for", [compiled_passes, ArrayPasses])
def test_the_step_with_engine_3s_band_by_hand(passes_for: PassesFactory) -> None:
    # One group of five orders, bounds [0, 2], 1/slope 1, 2, 4, 8, 16; the last step moved
    # each ζ by −t·β with t = 0.5, so |β|·t = 0.5, 0.5, 0.5, 0.25, 0.5:
    # 0: inside (ζ = 1)                                   → 1/slope = 1
    # 1: above its top by 0.4 < 0.5                       → 2/8 = 0.25
    # 2: below its bottom by 0.5, not less than 0.5       → 0
    # 3: below its bottom by 0.3 > 0.25 (β = −0.5)        → 0
    # 4: on its top (ζ = 2: outside, distance 0 < 0.5)    → 16/8 = 2
    ops = _with_groups(
        _ops(0, 5), np.zeros(5, dtype=np.int64), inv_slope=np.array([1.0, 2, 4, 8, 16])
    )
    passes = passes_for(ops, ColumnSplit(5, 1))
    zeta, lo, hi = np.array([1.0, 2.4, -0.5, -0.3, 2.0]), np.zeros(5), np.full(5, 2.0)
    beta = np.array([1.0, -1.0, 1.0, -0.5, 1.0])
    xi, inside = np.empty(5), np.empty(5, dtype=bool)
    sums, a = passes.step(zeta, lo, hi, xi, inside, np.empty(5), NearKinks(beta, 0.5, 0.125))
    assert inside.tolist() == [True, False, False, False, False]
    assert sums.tolist() == [1.0 + 2.0 + 0.0 + 0.0 + 2.0]
    assert a.tolist() == [1.0 + 0.25 + 2.0]
    _, without = passes.step(zeta, lo, hi, xi, inside, np.empty(5))
    assert without.tolist() == [1.0]  # engines 1 and 2: the inside order alone


@pytest.mark.parametrize("parts", [2, 3, 7])
def test_the_parts_are_cut_where_a_group_starts(parts: int) -> None:
    group = np.repeat(np.arange(9), [1, 4, 2, 5, 1, 1, 3, 2, 1])
    cuts = group_cuts(group, parts)
    assert cuts[0] == 0 and cuts[-1] == group.size
    assert cuts == sorted(set(cuts))
    for cut in cuts[1:-1]:
        assert group[cut] != group[cut - 1]  # a group's orders never span two parts
    # by hand: 20 orders in 2 parts cut at the group holding order 10 (group 3, from 7)
    assert group_cuts(group, 2) == [0, 7, 20]
    assert group_cuts(np.zeros(6, dtype=np.int64), 3) == [0, 6]  # one long group: one part


def test_groups_that_are_not_consecutive_runs_keep_numpys_passes() -> None:
    ops = _ops(4, 10)
    cols = ColumnSplit(10, 1)
    # a group's orders split in two runs, runs from 1 or from −1, a group skipped
    for group in ([0, 0, 1, 1, 0, 1, 1, 2, 2, 2], [1, 1, 2, 2, 3], [-1, 0, 1, 1], [0, 0, 2, 2]):
        changed = _with_groups(ops, np.array(group))
        assert isinstance(compiled_passes(changed, cols), ArrayPasses)
    # consecutive runs, but B has groups no order belongs to (their sums would be unset)
    runs = _with_groups(ops, np.array([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]))
    assert isinstance(compiled_passes(runs, cols), CompiledPasses)
    wider = dataclasses.replace(runs, groups=sp.csr_array((3, 7)))
    assert isinstance(compiled_passes(wider, cols), ArrayPasses)
    assert isinstance(compiled_passes(ops, cols), CompiledPasses)


def _sha(prices: np.ndarray) -> str:
    return hashlib.sha256(prices.tobytes()).hexdigest()


@pytest.mark.parametrize(("threads", "engine"), [(1, 2), (2, 2), (1, 3), (2, 3)])
def test_a_clearing_with_compiled_passes_has_numpys_prices_bit_for_bit(
    threads: int, engine: int
) -> None:
    book = random_book(3_000, 30_000, 2027)
    moved = dataclasses.replace(book, curve_price=book.curve_price * 1.03)
    numpy_options = SolverOptions(threads=threads, engine=engine)
    options = dataclasses.replace(numpy_options, passes=compiled_passes)
    for hour, prior in ((book, None), (moved, clear(book).prices)):
        ours, theirs = clear(hour, prior, options), clear(hour, prior, numpy_options)
        assert _sha(ours.prices) == _sha(theirs.prices)
        assert ours.order_quantity.tobytes() == theirs.order_quantity.tobytes()
        assert ours.stats.iterations == theirs.stats.iterations > 3
        assert ours.stats.cg_iterations == theirs.stats.cg_iterations


def test_a_clearing_over_a_network_with_compiled_passes_has_numpys_prices() -> None:
    book = random_book(30 * 3, 3_000, 2, locality=3)
    network = random_network(30, 90, book, 2, capacity=(5.0, 50.0))
    ours = clear(book, options=SolverOptions(passes=compiled_passes), network=network)
    theirs = clear(book, network=network)
    assert _sha(ours.prices) == _sha(theirs.prices)
    assert ours.certificate.max_imbalance == theirs.certificate.max_imbalance


def test_a_book_with_flat_pieces_clears_with_numpys_prices_through_the_compiled_passes() -> None:
    # Flat pieces clear by steps of small slopes (`flat`): each step's operators carry
    # their own 1/slope, which the compiled passes must read from the operators they get.
    doc = flat_book(3, 50, 10_000)
    ours = clear_document(doc, options=SolverOptions(passes=compiled_passes))
    theirs = clear_document(doc)
    assert ours["prices"] == theirs["prices"]
    assert ours["orders"] == theirs["orders"]


def test_steps_after_a_stall_take_the_orders_near_a_kink_under_either_passes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every step counts as stalled here (the seeded books stall rarely), so every Jacobian
    # after the first takes the orders within one imbalance of a kink (`near_kinks`).
    monkeypatch.setattr(newton, "STALL_STEP", 10.0)
    widened: list[float] = []
    near_kinks = newton._Oriented.near_kinks

    def spy(box: newton._Oriented, zeta: np.ndarray, band: float) -> np.ndarray:
        widened.append(band)
        return near_kinks(box, zeta, band)

    monkeypatch.setattr(newton._Oriented, "near_kinks", spy)
    book = random_book(2_000, 20_000, 99)
    ours = clear(book, options=SolverOptions(passes=compiled_passes))
    calls = len(widened)
    theirs = clear(book)
    assert calls > 3 and len(widened) == 2 * calls and min(widened) > 0.0
    assert _sha(ours.prices) == _sha(theirs.prices)
    assert ours.certificate.max_imbalance <= 1e-8


def test_the_market_clears_with_the_compiled_passes() -> None:
    # The oracle, `flowmarket verify` and `flowmarket clear` all use MARKET_OPTIONS.
    assert MARKET_OPTIONS.passes is market_passes
    ops = DualOperators.of(decompose(random_book(100, 1_000, 5)))
    assert isinstance(market_passes(ops, ColumnSplit(ops.group.size, 2)), CompiledPasses)
