"""Backing of trade lines on chain (docs/settlement.md, "Backing of a trade line"): every
line's source is a key of the hour's sorted fills tree, so a line on an order key with no
fill leaf, two fill leaves for one order, a fills leaf of neither shape, a leaf beyond the
fills count and a fill's line outside its portfolio are each provable (`isLineUnbacked`,
`isFillsMalformed`, `isLineOutsideFill`) and void the hour through `challengeBalance`.

Each hour is built by hand: its fills tree leaf by leaf (`RawTree`, any shape a faulty
oracle can commit) with keys sorted here by hand, and its lines with `build_tree`. The
fuzzed trees compare the contract with the Python verifier (`verify_backing`)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import pytest
from eth_abi.abi import encode
from market_harness import TOKEN, Market, commitment

from flowmarket.actions.verify import fill_in_tree, order_fill
from flowmarket.actions.verify_backing import backing_faults
from flowmarket.chain import leaves
from flowmarket.chain.sorted_tree import SortedTree, leaf_hash
from flowmarket.errors import InvalidInput
from flowmarket.hashing import keccak
from flowmarket.merkle import MerkleTree
from flowmarket.oracle.fills_tree import fills_tree, is_malformed
from flowmarket.oracle.hour_commitment import FillTerms
from flowmarket.oracle.trade_lines import build_tree, unbacked_source

W = TOKEN
DEMO_BOND = 1_000 * TOKEN
PREMIUM, REGULAR = leaves.product_id("premium"), leaves.product_id("regular")


def fill(order_id: str, participant: str, quantity: int, products: tuple[str, ...]) -> FillTerms:
    """A fill of weight 1 in each product (the signature is not what these tests judge)."""
    return FillTerms(order_id, participant, quantity, products, (W,) * len(products),
                     (-5 * W, 5 * W), (W, W), (-5 * W, 5 * W), 0, 0, 2**40, bytes(32),
                     bytes(65))  # fmt: skip


class RawTree:
    """A sorted tree built leaf by leaf, any shape (what a faulty oracle can commit)."""

    def __init__(self, leaves_: Sequence[tuple[int, bytes, bytes]], count: int) -> None:
        self.items = list(leaves_)
        self.hashes = [leaf_hash(i, k, v) for i, k, v in self.items]
        self.tree = MerkleTree.from_leaves(self.hashes)
        self.root, self.count = self.tree.root, count

    def item(self, n: int) -> tuple[Any, ...]:
        i, k, v = self.items[n]
        return (i, k, v, self.tree.proof(self.hashes[n]))


class Hour:
    """A committed hour: a trade-lines tree and a fills tree (roots and counts)."""

    def __init__(self, market: Market, lines: SortedTree, fills: SortedTree | RawTree) -> None:
        self.market, self.lines, self.fills = market, lines, fills
        market.advance(3600)
        self.hour = int(market.view("ClearingLedger", "nextHour"))
        c = list(commitment(self.hour))
        c[8], c[9], c[12], c[13] = lines.root, lines.count, fills.root, fills.count
        market.send("oracle", "ClearingLedger", "commitHour", self.hour, tuple(c))

    def view(self, function: str, *args: Any) -> bool:
        return bool(self.market.view("ClearingLedger", function, self.hour, *args))

    def line(self, key: bytes) -> tuple[Any, ...]:
        found = self.lines.find(key)
        assert found is not None
        return self.lines.item(found).as_tuple()


def fill_value(f: FillTerms) -> bytes:
    """By hand: abi.encode(address, int256, bytes32, bytes32)."""
    return encode(["address", "int256", "bytes32", "bytes32"],
                  [f.participant, f.quantity, f.terms, f.signed])  # fmt: skip


def unbacked_key(participant: str) -> bytes:
    """By hand: keccak256("unbacked:" ‖ the 20 address bytes)."""
    return keccak(b"unbacked:" + bytes.fromhex(participant[2:]))


def test_the_python_fills_tree_is_the_hand_built_tree(market: Market) -> None:
    alice, bob = market.address("alice"), market.address("bob")
    a = fill("a", alice, 3 * W, ("premium",))
    tree = fills_tree([a], [bob])
    bob_word = bytes(12) + bytes.fromhex(bob[2:])
    pairs = sorted([(keccak(b"a"), fill_value(a)), (unbacked_key(bob), bob_word)])
    assert tree.keys == [k for k, _ in pairs] and tree.values == [v for _, v in pairs]
    assert tree.root == SortedTree(pairs).root
    assert unbacked_source(bob) == unbacked_key(bob)
    assert not any(is_malformed(k, v) for k, v in pairs)


def test_a_line_on_an_order_key_with_no_fill_is_provable(market: Market) -> None:
    """Alice sells 3 premium on order a (a fill); bob buys 2 with no fill (an unbacked line,
    listed in the fills tree); the oracle credits its own wallet +1 premium on order key
    "forged", which has no fill leaf: premium still balances (−3 + 2 + 1 = 0)."""
    alice, bob = market.address("alice"), market.address("bob")
    a = fill("a", alice, -3 * W, ("premium",))
    forged = PREMIUM + keccak(b"forged")
    lines = build_tree({
        PREMIUM + keccak(b"a"): -3 * W,
        PREMIUM + unbacked_key(bob): 2 * W,
        forged: W,
    })  # fmt: skip
    fills = fills_tree([a], [bob])
    hour = Hour(market, lines, fills)
    bracket = [item.as_tuple() for item in fills.lookup(keccak(b"forged"))]
    assert hour.view("isLineUnbacked", hour.line(forged), bracket)
    # The backed and the unbacked line are not: their sources are keys of the tree.
    for key in (PREMIUM + keccak(b"a"), PREMIUM + unbacked_key(bob)):
        found = [item.as_tuple() for item in fills.lookup(key[32:])]
        assert len(found) == 1 and found[0][1] == key[32:]
        assert not hour.view("isLineUnbacked", hour.line(key), found)
        # Nor does an empty bracket (the tree has leaves).
        assert not hour.view("isLineUnbacked", hour.line(key), [])
    # The tree's two leaves prove "forged" absent only when its key lies between theirs.
    assert fills.count == 2
    both = [fills.item(0).as_tuple(), fills.item(1).as_tuple()]
    inside = fills.keys[0] < keccak(b"forged") < fills.keys[1]
    assert hour.view("isLineUnbacked", hour.line(forged), both) == inside


def test_an_hour_with_no_fills_tree_proves_every_line_unbacked(market: Market) -> None:
    lines = build_tree({PREMIUM + keccak(b"x"): W, PREMIUM + keccak(b"y"): -W})
    hour = Hour(market, lines, RawTree([], 0))
    assert hour.view("isLineUnbacked", hour.line(PREMIUM + keccak(b"x")), [])
    # An unbacked line whose participant the tree does not list is unbacked as well.
    bob = market.address("bob")
    u_lines = build_tree({PREMIUM + unbacked_key(bob): W, PREMIUM + keccak(b"a"): -W})
    a = fill("a", market.address("alice"), -W, ("premium",))
    u_fills = fills_tree([a], [])
    u_hour = Hour(market, u_lines, u_fills)
    bracket = [item.as_tuple() for item in u_fills.lookup(unbacked_key(bob))]
    assert u_hour.view("isLineUnbacked", u_hour.line(PREMIUM + unbacked_key(bob)), bracket)


def test_two_fill_leaves_for_one_order_are_provable(market: Market) -> None:
    """The oracle counts alice's order a twice: leaves 0 and 1 both have key keccak("a")."""
    alice = market.address("alice")
    a = fill("a", alice, 3 * W, ("premium",))
    b = fill("b", market.address("bob"), -3 * W, ("premium",))
    ka, kb = keccak(b"a"), keccak(b"b")
    ordered = sorted([(ka, fill_value(a)), (ka, fill_value(a)), (kb, fill_value(b))])
    raw = RawTree([(i, k, v) for i, (k, v) in enumerate(ordered)], 3)
    lines = build_tree({PREMIUM + ka: 3 * W, PREMIUM + kb: -3 * W})
    hour = Hour(market, lines, raw)
    first = 0 if ordered[0][0] == ka else 1
    dup = (raw.item(first), raw.item(first + 1))
    assert dup[0][1] == dup[1][1] == ka
    assert hour.view("isFillsMalformed", *dup, True)
    assert not hour.view("isFillsMalformed", dup[0], dup[0], False)
    # The Python builder given the order twice commits the same tree, and names it.
    built = fills_tree([a, a, b], [], strict=False)
    assert built.root == raw.root
    with pytest.raises(InvalidInput, match="is not above"):
        fills_tree([a, a, b], [])
    # The honest tree of the same hour proves nothing.
    honest = fills_tree([a, b], [])
    h_hour = Hour(market, lines, honest)
    pair = (honest.item(0).as_tuple(), honest.item(1).as_tuple())
    assert not h_hour.view("isFillsMalformed", *pair, True)
    assert not any(h_hour.view("isFillsMalformed", p, p, False) for p in pair)


def test_malformed_fills_leaves_and_a_leaf_beyond_the_count(market: Market) -> None:
    alice, bob = market.address("alice"), market.address("bob")
    a = fill("a", alice, W, ("premium",))
    bob_word = bytes(12) + bytes.fromhex(bob[2:])
    cases = [
        (unbacked_key(alice), bob_word),  # an unbacked leaf naming bob under alice's key
        (b"\x01" * 31, fill_value(a)),  # a 31-byte key
        (keccak(b"a"), fill_value(a)[:96]),  # a 96-byte value
        (unbacked_key(bob), b"\x01" * 12 + bytes.fromhex(bob[2:])),  # a dirty address word
        (keccak(b"z"), b"\xff" * 12 + fill_value(a)[12:]),  # a fill with a dirty address word
    ]
    good = [(keccak(b"a"), fill_value(a)), (unbacked_key(bob), bob_word)]
    for key, value in cases:
        assert is_malformed(key, value)
        raw = RawTree([(0, key, value), *((i + 1, k, v) for i, (k, v) in enumerate(good))], 3)
        hour = Hour(market, build_tree({}), raw)
        assert hour.view("isFillsMalformed", raw.item(0), raw.item(0), False), key.hex()
        assert not hour.view("isFillsMalformed", raw.item(1), raw.item(1), False)
        assert not hour.view("isFillsMalformed", raw.item(2), raw.item(2), False)
    # A count below the tree's leaves: leaf 2 lies beyond count 2.
    fills = fills_tree([a, fill("c", bob, -W, ("premium",))], [bob])
    short = RawTree(
        [(i, k, v) for i, (k, v) in enumerate(zip(fills.keys, fills.values, strict=True))], 2
    )
    s_hour = Hour(market, build_tree({}), short)
    assert s_hour.view("isFillsMalformed", short.item(2), short.item(2), False)
    assert not s_hour.view("isFillsMalformed", short.item(1), short.item(1), False)


def test_a_fills_line_outside_its_portfolio_is_provable(market: Market) -> None:
    """Order a trades premium only; a line of regular on a's key is outside its portfolio."""
    alice, bob = market.address("alice"), market.address("bob")
    a = fill("a", alice, 2 * W, ("premium",))
    lines = build_tree({
        PREMIUM + keccak(b"a"): 2 * W,
        REGULAR + keccak(b"a"): W,
        PREMIUM + unbacked_key(bob): -2 * W,
        REGULAR + unbacked_key(bob): -W,
    })  # fmt: skip
    fills = fills_tree([a], [bob])
    hour = Hour(market, lines, fills)
    proven = fill_in_tree(fills, a)
    assert hour.view("isLineOutsideFill", proven, hour.line(REGULAR + keccak(b"a")))
    assert not hour.view("isLineOutsideFill", proven, hour.line(PREMIUM + keccak(b"a")))
    assert not hour.view("isLineOutsideFill", proven, hour.line(REGULAR + unbacked_key(bob)))
    # Evidence that is not committed proves nothing: the fill moved by 1, or a wrong index.
    moved = list(proven)
    moved[2] += 1
    assert not hour.view("isLineOutsideFill", moved, hour.line(REGULAR + keccak(b"a")))
    at = fills.find(a.key)
    assert at is not None
    item = fills.item(at)
    wrong = order_fill(a, item.index + 1, list(item.proof))
    assert not hour.view("isLineOutsideFill", wrong, hour.line(REGULAR + keccak(b"a")))


def test_challenge_balance_voids_a_forged_line_hour_and_pays_the_bond(market: Market) -> None:
    alice, bob = market.address("alice"), market.address("bob")
    a = fill("a", alice, -3 * W, ("premium",))
    forged = PREMIUM + keccak(b"forged")
    lines = build_tree({PREMIUM + keccak(b"a"): -3 * W, PREMIUM + unbacked_key(bob): 2 * W,
                        forged: W})  # fmt: skip
    fills = fills_tree([a], [bob])
    ledger = market.contract("ClearingLedger")
    honest = Hour(market, lines, fills)
    backed = [item.as_tuple() for item in fills.lookup(keccak(b"a"))]
    with market.reverts("SettlementNotAFault"):
        market.send("dave", "WeeklySettlement", "challengeBalance", honest.hour,
                    ledger.encode_abi("isLineUnbacked",
                                      args=[honest.hour, honest.line(PREMIUM + keccak(b"a")),
                                            backed]))  # fmt: skip
    hour = Hour(market, lines, fills)
    bracket = [item.as_tuple() for item in fills.lookup(keccak(b"forged"))]
    check = ledger.encode_abi("isLineUnbacked", args=[hour.hour, hour.line(forged), bracket])
    before = market.balance("dave")
    market.send("dave", "WeeklySettlement", "challengeBalance", hour.hour, check)
    assert market.balance("dave") == before + DEMO_BOND
    assert market.view("WeeklySettlement", "isHourVoided", hour.hour)
    assert not market.view("WeeklySettlement", "isHourVoided", honest.hour)


@pytest.mark.parametrize("seed", [3, 8])
def test_python_and_contract_agree_on_fuzzed_trees(market: Market, seed: int) -> None:
    """Random hours: fills (some listed twice), unbacked participants (some left out of the
    tree), lines on fills, on unbacked sources, on invented keys and outside portfolios.
    Every fault the Python verifier names is true on chain, and every other line, adjacent
    pair and leaf answers false."""
    rng = random.Random(seed)
    names = ["premium", "regular", "gold"]
    who = [market.address(w) for w in ("alice", "bob", "carol")]
    made = [
        fill(f"o{k}", rng.choice(who), rng.randint(-4, 4) * W or W,
             tuple(sorted(rng.sample(names, rng.randint(1, 2)))))
        for k in range(6)
    ]  # fmt: skip
    listed = [*made, made[0]] if seed % 2 else made
    unbacked = [p for p in who if rng.random() < 0.6]
    amounts: dict[bytes, int] = {}
    for f in made:
        for n in f.products:
            amounts[leaves.product_id(n) + f.key] = f.quantity
        if rng.random() < 0.3:  # a line outside the fill's portfolio
            amounts[leaves.product_id("silver") + f.key] = W
    for p in who:
        amounts[leaves.product_id(rng.choice(names)) + unbacked_key(p)] = rng.randint(1, 3) * W
    for k in range(3):
        amounts[leaves.product_id(rng.choice(names)) + keccak(f"invented-{k}".encode())] = W
    lines = build_tree(amounts)
    fills = fills_tree(listed, unbacked, strict=False)
    hour = Hour(market, lines, fills)

    class Bundle:
        pass

    bundle: Any = Bundle()
    bundle.hour, bundle.lines, bundle.fills_tree = hour.hour, lines, fills
    bundle.fills = {f.order_id: f for f in made}
    faults = backing_faults(bundle, lambda b, f: fill_in_tree(b.fills_tree, f), {})
    kinds = {f.function for f in faults}
    assert {"isLineUnbacked", "isLineOutsideFill"} <= kinds, kinds
    assert ("isFillsMalformed" in kinds) == (seed % 2 == 1)
    for found in faults:
        assert hour.view(found.function, *found.args[1:]), found.description
    # Everything else is no fault: each line's lookup, each adjacent pair, each leaf.
    flagged = {(f.function, repr(f.args[1])) for f in faults}
    for i in range(lines.count):
        item = lines.item(i).as_tuple()
        if ("isLineUnbacked", repr(item)) in flagged:
            continue
        bracket = [x.as_tuple() for x in fills.lookup(lines.keys[i][32:])]
        assert not hour.view("isLineUnbacked", item, bracket)
    for i in range(1, fills.count):
        pair = (fills.item(i - 1).as_tuple(), fills.item(i).as_tuple())
        expected = fills.keys[i - 1] >= fills.keys[i]
        assert hour.view("isFillsMalformed", *pair, True) == expected
    for i in range(fills.count):
        item = fills.item(i).as_tuple()
        assert not hour.view("isFillsMalformed", item, item, False)
