"""The ledger's holdings views (`IHoldingsLedger`) on hand-computed hours, and
`WeeklySettlement.challengeBalance` voiding an hour whose entry is not what its trade
lines give (docs/settlement.md, "Entries bound to the trade lines").

The hour (premium at 2 tokens/GB, fee 10 bps):

- order a: alice buys 5 GB/h            → a backed line +5, cash −10, fee 0.01
- order b: bob sells 3 GB/h             → a backed line −3, cash +6,  fee 0.006
- carol sells 2 GB/h with no fill leaf  → her unbacked line −2, cash +4, fee 0.004

Each entry's cash + fee is exactly −price × its lines (no wei of rounding here), so the
cash tolerance of money rule 3 (0 or 1 wei above the floor) is met with 0.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from market_harness import TOKEN, Market

from flowmarket.actions.verify import fill_in_tree
from flowmarket.actions.verify_holdings import entry_faults, entry_tuple
from flowmarket.chain.leaves import order_key, product_id
from flowmarket.chain.sorted_tree import leaf_hash
from flowmarket.merkle import MerkleTree
from flowmarket.oracle.holdings import (
    ROUNDING,
    continues_badly,
    decode_holding,
    opens_badly,
    rounds_too_much,
)
from flowmarket.oracle.hour_commitment import (
    HourBundle,
    build_hour_bundle,
    entries_document,
    with_entries,
)
from flowmarket.oracle.trade_lines import unbacked_source

W = TOKEN
DEMO_BOND = 1_000 * TOKEN
PREMIUM = product_id("premium")
SIGNED: dict[str, Any] = {"nonce": 0, "from_hour": 0, "until_hour": 2**40, "replaces": None,
                          "signature": "0x" + "00" * 65}  # fmt: skip


def bundle_of(market: Market) -> HourBundle:
    alice, bob, carol = (market.address(w) for w in ("alice", "bob", "carol"))
    result: Any = {
        "prices": {"premium": 2.0},
        "orders": {"a": {"quantity": 5.0}, "b": {"quantity": -3.0}},
        "participants": {
            alice: {"trades": {"premium": 5.0}, "cash": -10.0},
            bob: {"trades": {"premium": -3.0}, "cash": 6.0},
            carol: {"trades": {"premium": -2.0}, "cash": 4.0},
        },
        "products": {"premium": {"volume": 5.0, "slope": 0.0}},
        "welfare": 1.0,
        "certificate": {"max_imbalance": 0.0, "max_order_gap": 0.0},
    }
    orders = [
        {**SIGNED, "id": "a", "participant": alice, "portfolio": {"premium": 1.0},
         "curve": [[0, 10], [5, 9]]},
        {**SIGNED, "id": "b", "participant": bob, "portfolio": {"premium": 1.0},
         "curve": [[-5, 2], [0, 1]]},
    ]  # fmt: skip
    return build_hour_bundle(result, hour=0, fee_bps=10, orders=orders)


class Raw:
    """A holdings tree built leaf by leaf, any shape (what a faulty oracle can commit)."""

    def __init__(self, leaves: list[tuple[int, bytes, bytes]], count: int | None = None) -> None:
        self.items = leaves
        self.hashes = [leaf_hash(i, k, v) for i, k, v in leaves]
        self.tree = MerkleTree.from_leaves(self.hashes)
        self.root, self.count = self.tree.root, len(leaves) if count is None else count

    def item(self, n: int) -> tuple[Any, ...]:
        i, k, v = self.items[n]
        return (i, k, v, self.tree.proof(self.hashes[n]))


def value(amount: int, price: int, position: int, cash: int) -> bytes:
    return b"".join(x.to_bytes(32, "big", signed=True) for x in (amount, price, position, cash))


def key(who: str, product: bytes, source: bytes) -> bytes:
    return bytes.fromhex(who[2:]) + product + source


class Hour:
    """`bundle` committed as the next hour, its holdings replaced by `raw` when given."""

    def __init__(self, market: Market, bundle: HourBundle, raw: Raw | None = None) -> None:
        self.market, self.bundle = market, bundle
        c = list(bundle.commitment.as_tuple())
        if raw is not None:
            c[10], c[11] = raw.root, raw.count
        market.advance(3600)
        self.hour = int(market.view("ClearingLedger", "nextHour"))
        market.send("oracle", "ClearingLedger", "commitHour", self.hour, tuple(c))

    def view(self, function: str, *args: Any) -> bool:
        return bool(self.market.view("ClearingLedger", function, self.hour, *args))

    def entry(self, who: str) -> tuple[Any, ...]:
        return entry_tuple(self.bundle, self.market.address(who))

    def fill(self, order: str) -> tuple[Any, ...]:
        terms = self.bundle.fills[order]
        return fill_in_tree(self.bundle.fills_tree, terms)

    def line(self, source: bytes) -> tuple[Any, ...]:
        return self.bundle.lines.item(self.bundle.lines.find(PREMIUM + source) or 0).as_tuple()


def honest_leaves(market: Market) -> list[tuple[int, bytes, bytes]]:
    """The hour's holdings by hand, sorted by address (a running cash sum per participant;
    one product, so each position opens at 0)."""
    alice, bob, carol = (market.address(w) for w in ("alice", "bob", "carol"))
    rows = [
        (key(alice, PREMIUM, order_key("a")), value(5 * W, 2 * W, 0, 0)),
        (key(bob, PREMIUM, order_key("b")), value(-3 * W, 2 * W, 0, 0)),
        (key(carol, PREMIUM, unbacked_source(carol)), value(-2 * W, 2 * W, 0, 0)),
    ]
    return [(i, k, v) for i, (k, v) in enumerate(sorted(rows))]


def index_of(market: Market, who: str) -> int:
    return sorted(market.address(w).lower() for w in ("alice", "bob", "carol")).index(
        market.address(who).lower()
    )


def test_the_built_holdings_are_the_hand_ones_and_prove_no_fault(market: Market) -> None:
    bundle = bundle_of(market)
    hand = Raw(honest_leaves(market))
    assert (bundle.holdings.root, bundle.holdings.count) == (hand.root, 3)
    hour = Hour(market, bundle)
    tree = bundle.holdings
    for who in ("alice", "bob", "carol"):
        i = index_of(market, who)
        nxt = [tree.item(i + 1).as_tuple()] if i + 1 < 3 else []
        assert not hour.view("isEntryOffHoldings", hour.entry(who), tree.item(i).as_tuple(), nxt)
        assert not hour.view("isEntryUnheld", hour.entry(who), 0, [tree.item(i).as_tuple()])
        assert not hour.view("isEntryUnheld", hour.entry(who), 1, [tree.item(i).as_tuple()])
        assert not hour.view("isHoldingMispriced", tree.item(i).as_tuple(), 2 * W,
                             bundle.prices_tree.proof(bundle.price_leaf("premium")))  # fmt: skip
    for i in range(3):
        pair = tree.item(i).as_tuple(), tree.item(min(i + 1, 2)).as_tuple()
        assert not hour.view("isHoldingsUnbalanced", *pair, i < 2)
        assert not hour.view("isHoldingsMalformed", *pair, i < 2)
    assert not hour.view("isFillUnheld", hour.fill("b"), 0, [])
    carol = market.address("carol")
    assert not hour.view("isLineUnheld", hour.line(unbacked_source(carol)), carol, [])
    ledger = market.contract("ClearingLedger")
    check = ledger.encode_abi(
        "isEntryOffHoldings", args=[hour.hour, hour.entry("alice"), tree.item(0).as_tuple(), []]
    )
    with market.reverts("SettlementNotAFault"):
        market.send("dave", "WeeklySettlement", "challengeBalance", hour.hour, check)


def stolen(market: Market, bundle: HourBundle, wei: int) -> HourBundle:
    """alice's entry debited `wei` more, dave's (no trades) credited as much."""
    doc = copy.deepcopy(entries_document(bundle))
    alice = market.address("alice")
    doc[alice]["cash"] = str(int(doc[alice]["cash"]) - wei)
    doc[market.address("dave")] = {"cash": str(wei), "fee": "0", "trades": {}}
    return with_entries(bundle, doc)


def test_an_entry_debiting_alice_is_provable_to_the_wei(market: Market) -> None:
    honest = bundle_of(market)
    for wei, fault in [(-1, False), (1, True), (-2, True), (3 * W, True)]:
        # −1: alice credited 1 wei (her cash + fee 1 above the floor: money rule 3's wei).
        bundle = stolen(market, honest, wei)
        hour = Hour(market, bundle)
        i = index_of(market, "alice")
        tree = bundle.holdings
        nxt = [tree.item(i + 1).as_tuple()] if i + 1 < 3 else []
        args = (hour.entry("alice"), tree.item(i).as_tuple(), nxt)
        assert hour.view("isEntryOffHoldings", *args) is fault, wei
        found = [
            f for f in entry_faults(bundle, whole_hour=True) if f.function == "isEntryOffHoldings"
        ]
        assert len(found) == int(fault)
    # dave's credit has no holding at all: the bracket around his address proves it.
    (unheld,) = [f for f in entry_faults(bundle, whole_hour=True) if f.function == "isEntryUnheld"]
    assert hour.view("isEntryUnheld", *unheld.args[1:])

    ledger = market.contract("ClearingLedger")
    check = ledger.encode_abi("isEntryOffHoldings", args=[hour.hour, *args])
    before = market.balance("dave")
    receipt = market.send("dave", "WeeklySettlement", "challengeBalance", hour.hour, check)
    (voided,) = market.events(receipt, "WeeklySettlement", "SettlementHourVoided")
    assert (voided["hour"], voided["paid"]) == (hour.hour, DEMO_BOND)
    assert market.balance("dave") == before + DEMO_BOND


def test_a_moved_position_and_a_missing_product(market: Market) -> None:
    honest = bundle_of(market)
    doc = entries_document(honest)
    alice = market.address("alice")
    doc[alice]["trades"] = {"premium": str(6 * W), "regular": str(W)}
    bundle = with_entries(honest, doc)
    hour = Hour(market, bundle)
    faults = {f.function: f for f in entry_faults(bundle, whole_hour=True)}
    assert hour.view("isEntryOffHoldings", *faults["isEntryOffHoldings"].args[1:])
    # "regular" (k = 1 in name order) has no holding of alice's.
    assert faults["isEntryUnheld"].args[2] == 1
    assert hour.view("isEntryUnheld", *faults["isEntryUnheld"].args[1:])


def test_holdings_that_are_not_the_lines(market: Market) -> None:
    honest = honest_leaves(market)
    alice, bob, carol = (market.address(w) for w in ("alice", "bob", "carol"))
    ia, ib = (index_of(market, w) for w in ("alice", "bob"))
    bundle = bundle_of(market)

    # alice's line says +6: not her fill's line (+5).
    off = list(honest)
    off[ia] = (ia, off[ia][1], value(6 * W, 2 * W, 0, 0))
    raw = Raw(off)
    hour = Hour(market, bundle, raw)
    assert hour.view("isHoldingOffLine", raw.item(ia), hour.line(order_key("a")))
    assert not hour.view("isHoldingOffLine", raw.item(ib), hour.line(order_key("b")))
    # …at a price of 3 where the committed price is 2.
    off[ia] = (ia, off[ia][1], value(5 * W, 3 * W, 0, 0))
    raw = Raw(off)
    hour = Hour(market, bundle, raw)
    proof = bundle.prices_tree.proof(bundle.price_leaf("premium"))
    assert hour.view("isHoldingMispriced", raw.item(ia), 2 * W, proof)
    assert not hour.view("isHoldingMispriced", raw.item(ia), 3 * W, proof)  # no such leaf

    # carol's unbacked line kept by alice instead (same key order: alice's section).
    moved = sorted(
        [
            (key(alice, PREMIUM, order_key("a")), value(5 * W, 2 * W, 0, 0)),
            (key(alice, PREMIUM, unbacked_source(carol)), value(-2 * W, 2 * W, 5 * W, -10 * W * W)),
            (key(bob, PREMIUM, order_key("b")), value(-3 * W, 2 * W, 0, 0)),
        ]
    )
    raw = Raw([(i, k, v) for i, (k, v) in enumerate(moved)])
    hour = Hour(market, bundle, raw)
    j = next(i for i, (_, k, _) in enumerate(raw.items) if k[52:] == unbacked_source(carol))
    assert hour.view("isHoldingMisowned", raw.item(j), carol)
    assert not hour.view("isHoldingMisowned", raw.item(j), alice)
    bracket = [
        raw.item(n) for n in range(raw.count) if raw.items[n][1][:20].hex() < carol[2:].lower()
    ][-1:]
    after = [
        raw.item(n) for n in range(raw.count) if raw.items[n][1][:20].hex() > carol[2:].lower()
    ][:1]
    assert hour.view("isLineUnheld", hour.line(unbacked_source(carol)), carol, bracket + after)

    # bob's fill booked to alice: the fill's participant is bob; bob has no holding of it.
    swapped = sorted(
        [
            (key(alice, PREMIUM, order_key("a")), value(5 * W, 2 * W, 0, 0)),
            (key(alice, PREMIUM, order_key("b")), value(-3 * W, 2 * W, 5 * W, -10 * W * W)),
            (key(carol, PREMIUM, unbacked_source(carol)), value(-2 * W, 2 * W, 0, 0)),
        ]
    )
    raw = Raw([(i, k, v) for i, (k, v) in enumerate(swapped)])
    hour = Hour(market, bundle, raw)
    j = next(i for i, (_, k, _) in enumerate(raw.items) if k[52:] == order_key("b"))
    assert hour.view("isHoldingOffFill", raw.item(j), hour.fill("b"))
    assert not hour.view("isHoldingOffFill", raw.item(j), hour.fill("a"))
    below = [raw.item(n) for n in range(raw.count) if raw.items[n][1][:20].hex() < bob[2:].lower()][
        -1:
    ]
    above = [raw.item(n) for n in range(raw.count) if raw.items[n][1][:20].hex() > bob[2:].lower()][
        :1
    ]
    assert hour.view("isFillUnheld", hour.fill("b"), 0, below + above)

    # A holding whose source has no trade line.
    extra = sorted(
        [*(k_v[1:] for k_v in honest), (key(bob, PREMIUM, b"\x01" * 32), value(W, 2 * W, 0, 0))]
    )
    raw = Raw([(i, k, v) for i, (k, v) in enumerate(extra)])
    hour = Hour(market, bundle, raw)
    j = next(i for i, (_, k, _) in enumerate(raw.items) if k[52:] == b"\x01" * 32)
    lines_bracket = [item.as_tuple() for item in bundle.lines.lookup(PREMIUM + b"\x01" * 32)]
    assert hour.view("isHoldingUnlined", raw.item(j), lines_bracket)


def test_running_sums_rounding_and_shape(market: Market) -> None:
    bundle = bundle_of(market)
    alice = market.address("alice")
    rows = [
        (key(alice, PREMIUM, order_key("a")), value(5 * W, 2 * W, 0, 0)),
        # Rounding: 5·10^12 is 10^-6 of alice's 5 GB/h, the edge; cash continues −10·10^36.
        (key(alice, PREMIUM, ROUNDING), value(5 * 10**12, 2 * W, 5 * W, -10 * W * W)),
    ]
    raw = Raw([(i, k, v) for i, (k, v) in enumerate(rows)])
    hour = Hour(market, bundle, raw)
    assert not hour.view("isHoldingsUnbalanced", raw.item(0), raw.item(1), True)
    assert not hour.view("isHoldingsUnbalanced", raw.item(1), raw.item(1), False)
    rows[1] = (rows[1][0], value(5 * 10**12 + 1, 2 * W, 5 * W, -10 * W * W))
    raw = Raw([(i, k, v) for i, (k, v) in enumerate(rows)])
    hour = Hour(market, bundle, raw)
    assert hour.view("isHoldingsUnbalanced", raw.item(1), raw.item(1), False)
    # A first leaf that does not open at 0 (cash 1): the next (−10·10^36) does not continue it.
    rows[1] = (rows[1][0], value(5, 2 * W, 5 * W, -10 * W * W))
    rows[0] = (rows[0][0], value(5 * W, 2 * W, 0, 1))
    raw = Raw([(i, k, v) for i, (k, v) in enumerate(rows)])
    hour = Hour(market, bundle, raw)
    assert hour.view("isHoldingsUnbalanced", raw.item(0), raw.item(0), False)
    assert hour.view("isHoldingsUnbalanced", raw.item(0), raw.item(1), True)
    # Shape: a zero amount, keys out of order, a leaf at the count.
    bad = Raw([(0, rows[0][0], value(0, 2 * W, 0, 0)), (1, rows[0][0], rows[1][1])], count=1)
    hour = Hour(market, bundle, bad)
    assert hour.view("isHoldingsMalformed", bad.item(0), bad.item(0), False)
    assert hour.view("isHoldingsMalformed", bad.item(1), bad.item(1), False)
    unsorted = Raw([(0, rows[1][0], rows[1][1]), (1, rows[0][0], rows[0][1])])
    hour = Hour(market, bundle, unsorted)
    assert hour.view("isHoldingsMalformed", unsorted.item(0), unsorted.item(1), True)


@pytest.mark.parametrize("seed", [1, 2])
def test_python_and_contract_agree_on_fuzzed_trees(market: Market, seed: int) -> None:
    """Random holdings of two participants and two products, honest sums nudged here and
    there: for every leaf and adjacent pair the contract's `isHoldingsUnbalanced` answers
    what the Python twin (`continues_badly`, `opens_badly`, `rounds_too_much`) says."""
    rng = random.Random(seed)
    bundle = bundle_of(market)
    who = sorted(market.address(w) for w in ("alice", "bob"))
    products = sorted(product_id(p) for p in ("p0", "p1"))
    keys = sorted({key(rng.choice(who), rng.choice(products),
                       rng.choice([order_key(f"o{n}") for n in range(4)] + [ROUNDING]))
                   for _ in range(10)})  # fmt: skip
    rows, position, cash, last = [], 0, 0, b""
    for k in keys:
        if k[:20] != last[:20]:
            position, cash = 0, 0
        elif k[20:52] != last[20:52]:
            position = 0
        amount = rng.choice([1, -1]) * rng.randint(1, 5 * 10**12 + 2) if k[52:] == ROUNDING else (
            rng.randint(-5, 5) or 1) * W  # fmt: skip
        price = 2 * W
        rows.append(
            (
                k,
                [
                    amount,
                    price,
                    position + rng.choice([0, 0, 0, 1]),
                    cash + rng.choice([0, 0, 0, -1]),
                ],
            )
        )
        position, cash, last = position + amount, cash - price * amount, k
    raw = Raw([(i, k, value(*v)) for i, (k, v) in enumerate(rows)])
    hour = Hour(market, bundle, raw)
    held = [decode_holding(k, v) for _, k, v in raw.items]
    for i, h in enumerate(held):
        single = (i == 0 and opens_badly(h)) or rounds_too_much(h)
        assert hour.view("isHoldingsUnbalanced", raw.item(i), raw.item(i), False) is single
        if i + 1 < len(held):
            twin = continues_badly(h, held[i + 1])
            assert hour.view("isHoldingsUnbalanced", raw.item(i), raw.item(i + 1), True) is twin
