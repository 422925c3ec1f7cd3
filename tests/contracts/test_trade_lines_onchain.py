"""The ledger's balance views (`isUnbalanced`, `isLineOffFill`, `isLineMissing`,
`isLinesMalformed`) on hand-computed hours, and `WeeklySettlement.challengeBalance`
voiding an hour whose product does not balance.

The book (GB/h; portfolios as {product: weight}):

- order a (alice) +3 of {premium: 1, regular: 0.5} → premium +3, regular +1.5
- order b (bob)   −2 of {premium: 1}               → premium −2
- order c (carol) −1 of {premium: 1, regular: 1.5} → premium −1, regular −1.5

premium: 3 − 2 − 1 = 0 over a gross of 6; regular: 1.5 − 1.5 = 0 over a gross of 3.
The tolerance is 10^-6 · max(1 GB/h, gross), floored to 10^-18 GB: 6·10^12 for premium.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import pytest
from market_harness import TOKEN, Market, commitment

from flowmarket.actions.verify import fill_in_tree
from flowmarket.chain import leaves
from flowmarket.chain.sorted_tree import SortedTree, leaf_hash
from flowmarket.merkle import MerkleTree
from flowmarket.oracle.fills_tree import fills_tree
from flowmarket.oracle.hour_commitment import FillTerms
from flowmarket.oracle.trade_lines import (
    build_tree,
    decode_line,
    is_outside_tolerance,
    line_amount,
    line_value,
)

W = TOKEN
HALF = W // 2
DEMO_BOND = 1_000 * TOKEN
PREMIUM, REGULAR = leaves.product_id("premium"), leaves.product_id("regular")
# (order, participant, quantity, products by name, weights)
FILLS: list[tuple[str, str, int, list[str], list[int]]] = [
    ("a", "alice", 3 * W, ["premium", "regular"], [W, HALF]),
    ("b", "bob", -2 * W, ["premium"], [W]),
    ("c", "carol", -W, ["premium", "regular"], [W, 3 * HALF]),
]
HONEST = {
    PREMIUM + leaves.order_key("a"): 3 * W,
    PREMIUM + leaves.order_key("b"): -2 * W,
    PREMIUM + leaves.order_key("c"): -W,
    REGULAR + leaves.order_key("a"): 3 * HALF,
    REGULAR + leaves.order_key("c"): -3 * HALF,
}


class Hour:
    """A committed hour: its fills tree and a trade-lines tree."""

    def __init__(self, market: Market, lines: SortedTree | RawTree, fills: Sequence[Any] = FILLS):
        self.market, self.lines = market, lines
        self.terms = [
            FillTerms(
                o,
                market.address(who),
                q,
                tuple(names),
                tuple(weights),
                (-5 * W, 5 * W),
                (W, W),
                (-5 * W, 5 * W),
                0,
                0,
                2**40,
                bytes(32),
                bytes(65),
            )
            for o, who, q, names, weights in fills
        ]  # fmt: skip (the signature is not what these tests judge)
        self.fills = list(fills)
        self.fills_tree = fills_tree(self.terms, [])
        market.advance(3600)
        self.hour = int(market.view("ClearingLedger", "nextHour"))
        c = list(commitment(self.hour))
        c[8], c[9] = lines.root, lines.count
        c[12], c[13] = self.fills_tree.root, self.fills_tree.count
        market.send("oracle", "ClearingLedger", "commitHour", self.hour, tuple(c))

    def fill(self, i: int) -> tuple[Any, ...]:
        return fill_in_tree(self.fills_tree, self.terms[i])

    def view(self, function: str, *args: Any) -> bool:
        return bool(self.market.view("ClearingLedger", function, self.hour, *args))


class RawTree:
    """A trade-lines tree built leaf by leaf, any shape (what a faulty oracle can commit)."""

    def __init__(self, leaves_: Sequence[tuple[int, bytes, bytes]], count: int) -> None:
        self.items = list(leaves_)
        self.hashes = [leaf_hash(i, k, v) for i, k, v in self.items]
        self.tree = MerkleTree.from_leaves(self.hashes)
        self.root, self.count = self.tree.root, count

    def item(self, n: int) -> tuple[Any, ...]:
        i, k, v = self.items[n]
        return (i, k, v, self.tree.proof(self.hashes[n]))


def with_sums(amounts: dict[bytes, int]) -> list[tuple[bytes, bytes]]:
    """(key, value) pairs, sorted, with running sums added line by line (by hand: a loop
    over the sorted keys, separate from `build_tree`)."""
    out, seen = [], {}
    for key in sorted(amounts):
        total, gross = seen.get(key[:32], (0, 0))
        out.append((key, line_value(amounts[key], total, gross)))
        seen[key[:32]] = (total + amounts[key], gross + abs(amounts[key]))
    return out


def test_the_python_tree_of_the_hand_book_balances_to_the_wei() -> None:
    tree = build_tree(HONEST)
    lines = [decode_line(k, v) for k, v in zip(tree.keys, tree.values, strict=True)]
    last = {line.product: line for line in lines}  # the last line of each product
    assert (last[PREMIUM].sum_after, last[PREMIUM].gross_after) == (0, 6 * W)
    assert (last[REGULAR].sum_after, last[REGULAR].gross_after) == (0, 3 * W)
    assert tree.root == SortedTree(with_sums(HONEST)).root
    # Rounding toward zero, as Solidity's signed division: −3 × 0.5 = −1.5 → −1 (10^-18).
    assert line_amount(-3, HALF) == -1 and line_amount(3, HALF) == 1
    # The tolerance's edge for premium shaved by x (hand: x·(10^6 + 1) ≤ 6·10^18).
    x = 5_999_994_000_005
    assert not is_outside_tolerance(x, 6 * W - x)
    assert is_outside_tolerance(x + 1, 6 * W - x - 1)


def test_an_honest_hour_proves_no_fault(market: Market) -> None:
    tree = build_tree(HONEST)
    hour = Hour(market, tree)
    n = tree.count
    for i in range(n):
        item = tree.item(i).as_tuple()
        assert not hour.view("isUnbalanced", item, item, False)
        assert not hour.view("isLinesMalformed", item, item, False)
        if i + 1 < n:
            nxt = tree.item(i + 1).as_tuple()
            assert not hour.view("isUnbalanced", item, nxt, True)
            assert not hour.view("isLinesMalformed", item, nxt, True)
    for f, (o, _, _, names, _) in enumerate(FILLS):
        for k, name in enumerate(names):
            key = leaves.product_id(name) + leaves.order_key(o)
            assert not hour.view(
                "isLineOffFill", hour.fill(f), k, tree.item(tree.find(key) or 0).as_tuple()
            )
            assert not hour.view(
                "isLineMissing", hour.fill(f), k, [i.as_tuple() for i in tree.lookup(key)]
            )


def test_a_shaved_fill_makes_its_product_unbalanced_at_the_tolerance_edge(market: Market) -> None:
    """bob's line shaved by x: premium sums to x over a gross of 6 − x (GB/h)."""
    edge = 5_999_994_000_005
    for shave, expected in ((edge, False), (edge + 1, True), (W // 10, True)):
        amounts = {**HONEST, PREMIUM + leaves.order_key("b"): -2 * W + shave}
        tree = SortedTree(with_sums(amounts))
        hour = Hour(market, tree)
        last = max(i for i in range(tree.count) if tree.keys[i][:32] == PREMIUM)
        item = tree.item(last).as_tuple()
        if last + 1 < tree.count:
            got = hour.view("isUnbalanced", item, tree.item(last + 1).as_tuple(), True)
        else:
            got = hour.view("isUnbalanced", item, item, False)
        assert got == expected, shave
        # regular balances: its last line proves nothing
        last_regular = max(i for i in range(tree.count) if tree.keys[i][:32] == REGULAR)
        r = tree.item(last_regular).as_tuple()
        nxt = tree.item(last_regular + 1).as_tuple() if last_regular + 1 < tree.count else r
        assert not hour.view("isUnbalanced", r, nxt, last_regular + 1 < tree.count)


def test_a_line_that_is_not_its_fill_and_a_missing_line(market: Market) -> None:
    # a's premium line says 3.1 where its fill gives 3 × 1 = 3 (premium then sums to 0.1).
    wrong = {**HONEST, PREMIUM + leaves.order_key("a"): 31 * W // 10}
    tree = SortedTree(with_sums(wrong))
    hour = Hour(market, tree)
    key = PREMIUM + leaves.order_key("a")
    line = tree.item(tree.find(key) or 0).as_tuple()
    assert hour.view("isLineOffFill", hour.fill(0), 0, line)
    assert not hour.view("isLineOffFill", hour.fill(1), 0, line)  # not b's line
    b_line = tree.item(tree.find(PREMIUM + leaves.order_key("b")) or 0).as_tuple()
    assert not hour.view("isLineOffFill", hour.fill(1), 0, b_line)  # b's is right
    moved = (*hour.fill(0)[:2], 31 * W // 10, *hour.fill(0)[3:])  # not the committed fill
    assert not hour.view("isLineOffFill", moved, 0, line)

    # Rounding: a fill of −3·10^-18 GB/h at weight 0.5 gives −1 (toward zero), not −2.
    tiny = [("t", "dave", -3, ["premium"], [HALF])]
    for amount, expected in ((-1, False), (-2, True)):
        t_tree = SortedTree(with_sums({PREMIUM + leaves.order_key("t"): amount}))
        t_hour = Hour(market, t_tree, tiny)
        assert (
            t_hour.view("isLineOffFill", t_hour.fill(0), 0, t_tree.item(0).as_tuple()) == expected
        )

    # a's regular line left out: the fill's trade in regular (k = 1) has no line.
    missing = {k: v for k, v in HONEST.items() if k != REGULAR + leaves.order_key("a")}
    m_tree = SortedTree(with_sums(missing))
    m_hour = Hour(market, m_tree)
    gone = REGULAR + leaves.order_key("a")
    bracket = [i.as_tuple() for i in m_tree.lookup(gone)]
    assert m_hour.view("isLineMissing", m_hour.fill(0), 1, bracket)
    assert not m_hour.view("isLineMissing", m_hour.fill(0), 0, bracket)  # premium is there
    present = [i.as_tuple() for i in m_tree.lookup(PREMIUM + leaves.order_key("a"))]
    assert not m_hour.view("isLineMissing", m_hour.fill(0), 0, present)
    # An empty tree (root 0, count 0) misses every line.
    e_hour = Hour(market, RawTree([], 0))
    assert e_hour.view("isLineMissing", e_hour.fill(1), 0, [])


def test_running_sums_that_do_not_open_at_zero_or_do_not_continue(market: Market) -> None:
    pairs = with_sums(HONEST)
    lines = [decode_line(k, v) for k, v in pairs]
    # The second premium line's sumBefore is off by one wei.
    second = [i for i, line in enumerate(lines) if line.product == PREMIUM][1]
    line = lines[second]
    broken = list(pairs)
    broken[second] = (
        pairs[second][0],
        line_value(line.amount, line.sum_before + 1, line.gross_before),
    )
    tree = SortedTree(broken)
    hour = Hour(market, tree)
    a, b = tree.item(second - 1).as_tuple(), tree.item(second).as_tuple()
    assert hour.view("isUnbalanced", a, b, True)
    assert not hour.view("isUnbalanced", b, a, True)  # not adjacent in that order
    # Line 0 opening with a gross of 1 wei: provable alone (index 0).
    opened = list(pairs)
    first = lines[0]
    opened[0] = (pairs[0][0], line_value(first.amount, 0, 1))
    o_tree = SortedTree(opened)
    o_hour = Hour(market, o_tree)
    zero = o_tree.item(0).as_tuple()
    assert o_hour.view("isUnbalanced", zero, zero, False)
    # A product's first line after another product's with a sum of 1 wei.
    start = next(i for i, line in enumerate(lines) if i and line.product != lines[i - 1].product)
    s = lines[start]
    shifted = list(pairs)
    shifted[start] = (pairs[start][0], line_value(s.amount, 1, s.gross_before))
    s_tree = SortedTree(shifted)
    s_hour = Hour(market, s_tree)
    pair = (s_tree.item(start - 1).as_tuple(), s_tree.item(start).as_tuple())
    assert s_hour.view("isUnbalanced", *pair, True)


def test_malformed_trees(market: Market) -> None:
    pairs = with_sums(HONEST)
    k0, v0 = pairs[0]
    k1, v1 = pairs[1]
    # Adjacent keys out of order, and two leaves with one index.
    raw = RawTree([(0, k1, v1), (1, k0, v0), (1, k0, v1)], 2)
    hour = Hour(market, raw)
    assert hour.view("isLinesMalformed", raw.item(0), raw.item(1), True)
    assert hour.view("isLinesMalformed", raw.item(1), raw.item(2), True)
    assert not hour.view("isLinesMalformed", raw.item(0), raw.item(0), True)  # one leaf twice
    # A leaf past the count, and a leaf that is not a line's shape (a 64-byte value).
    shaped = RawTree([(0, k0, v0), (1, k1, v1), (2, k1 + b"\x01", v1), (1, k1, v1[:64])], 2)
    s_hour = Hour(market, shaped)
    assert s_hour.view("isLinesMalformed", shaped.item(2), shaped.item(2), False)
    assert s_hour.view("isLinesMalformed", shaped.item(3), shaped.item(3), False)
    assert not s_hour.view("isLinesMalformed", shaped.item(1), shaped.item(1), False)
    # An amount beyond ±2^200 is not a line's shape either.
    huge = RawTree([(0, k0, line_value(2**200 + 1, 0, 0))], 1)
    h_hour = Hour(market, huge)
    assert h_hour.view("isLinesMalformed", huge.item(0), huge.item(0), False)


def test_challenge_balance_voids_the_hour_and_pays_the_bond(market: Market) -> None:
    ledger = market.contract("ClearingLedger")
    honest = build_tree(HONEST)
    h_hour = Hour(market, honest)
    last = honest.item(honest.count - 1).as_tuple()
    check = ledger.encode_abi("isUnbalanced", args=[h_hour.hour, last, last, False])
    with market.reverts("SettlementNotAFault"):
        market.send("dave", "WeeklySettlement", "challengeBalance", h_hour.hour, check)

    shaved = SortedTree(with_sums({**HONEST, PREMIUM + leaves.order_key("b"): -19 * W // 10}))
    hour = Hour(market, shaved)
    last_premium = max(i for i in range(shaved.count) if shaved.keys[i][:32] == PREMIUM)
    a = shaved.item(last_premium).as_tuple()
    single = last_premium + 1 == shaved.count
    b = a if single else shaved.item(last_premium + 1).as_tuple()
    check = ledger.encode_abi("isUnbalanced", args=[hour.hour, a, b, not single])
    other_hour = ledger.encode_abi("isUnbalanced", args=[h_hour.hour, a, b, not single])
    with market.reverts("SettlementNotAFault"):  # evidence about another hour
        market.send("dave", "WeeklySettlement", "challengeBalance", hour.hour, other_hour)
    not_a_check = ledger.encode_abi("isCommitted", args=[hour.hour])
    with market.reverts("SettlementNotAFault"):  # not one of the balance views
        market.send("dave", "WeeklySettlement", "challengeBalance", hour.hour, not_a_check)
    before = market.balance("dave")
    receipt = market.send("dave", "WeeklySettlement", "challengeBalance", hour.hour, check)
    (voided,) = market.events(receipt, "WeeklySettlement", "SettlementHourVoided")
    assert (voided["hour"], voided["paid"]) == (hour.hour, DEMO_BOND)
    assert market.balance("dave") == before + DEMO_BOND
    assert market.view("WeeklySettlement", "isHourVoided", hour.hour)
    assert market.view("OracleBond", "bonded") == 0
    with market.reverts("SettlementHourAlreadyVoided"):
        market.send("dave", "WeeklySettlement", "challengeBalance", hour.hour, check)


@pytest.mark.parametrize("seed", [1, 2])
def test_python_and_contract_agree_on_fuzzed_trees(market: Market, seed: int) -> None:
    """Random lines over three products, some with a running sum or an amount nudged: the
    Python verifier's findings (`verify_balance`) are exactly the pairs the contract
    accepts, and every adjacent pair it does not list the contract refuses."""
    from flowmarket.actions.verify_balance import _sum_faults

    rng = random.Random(seed)
    products = [leaves.product_id(p) for p in ("p0", "p1", "p2")]
    amounts: dict[bytes, int] = {}
    for n in range(12):
        product = rng.choice(products)
        amounts[product + leaves.order_key(f"o{n}")] = rng.randint(-5, 5) * W + rng.randint(-9, 9)
    for product in products:  # balance each product to within its tolerance, then nudge some
        total = sum(v for k, v in amounts.items() if k[:32] == product)
        amounts[product + b"\xff" * 32] = -total + rng.choice([0, 0, 1, -(10**13), 10**15])
    pairs = with_sums(amounts)
    for _ in range(2):
        i = rng.randrange(len(pairs))
        line = decode_line(*pairs[i])
        pairs[i] = (pairs[i][0], line_value(line.amount, line.sum_before + rng.choice([0, 1]),
                                            line.gross_before))  # fmt: skip
    tree = SortedTree(pairs)
    hour = Hour(market, tree)

    class Bundle:
        pass

    bundle: Any = Bundle()
    bundle.lines, bundle.hour = tree, hour.hour
    lines = [decode_line(k, v) for k, v in pairs]
    found = _sum_faults(bundle, lines, {})
    listed = set()
    for fault in found:
        _, a, b, pair = fault.args
        assert hour.view("isUnbalanced", a, b, pair), fault.description
        listed.add((a[0], b[0], pair))
    for i in range(tree.count):
        a = tree.item(i).as_tuple()
        if i + 1 < tree.count:
            b = tree.item(i + 1).as_tuple()
            assert hour.view("isUnbalanced", a, b, True) == ((i, i + 1, True) in listed), i
        if i in (0, tree.count - 1):
            assert hour.view("isUnbalanced", a, a, False) == ((i, i, False) in listed), i
