"""The holdings tree (`flowmarket.oracle.holdings`) and the entry checks of a verifier
(`flowmarket.actions.verify_holdings`) on hand-computed hours (docs/settlement.md,
"Entries bound to the trade lines").

The plain hour: alice buys 5 GB/h of premium from bob at 2 tokens/GB (the prior is 0, so
the price rule picks the lowest clearing price), fee 10 bps. By hand: alice's gross cash
is −10 tokens and her fee 0.01, her entry's net cash −10.01; bob's +10 and 0.01, +9.99.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

from eth_utils.address import to_checksum_address

from flowmarket.actions.verify_holdings import entry_faults
from flowmarket.chain.leaves import order_key, product_id
from flowmarket.clearing import clear_document
from flowmarket.oracle.holdings import (
    IMBALANCE,
    ROUNDING,
    Holding,
    continues_badly,
    decode_holding,
    is_cash_off,
    opens_badly,
    rounds_too_much,
)
from flowmarket.oracle.hour_commitment import (
    HourBundle,
    build_hour_bundle,
    entries_document,
    with_entries,
)
from flowmarket.orders import engine_order

WAD = 10**18
ALICE = to_checksum_address("0x" + "a1" * 20)
BOB = to_checksum_address("0x" + "b2" * 20)
OWNER = to_checksum_address("0x" + "c3" * 20)
THIEF = to_checksum_address("0x" + "d4" * 20)
PREMIUM = product_id("premium")
SIGNED: dict[str, Any] = {"nonce": 0, "from_hour": 0, "until_hour": 2**40, "replaces": None,
                          "signature": "0x" + "00" * 65}  # fmt: skip


def book() -> dict[str, Any]:
    return {
        "products": ["premium"],
        "orders": [
            {**SIGNED, "id": "a", "participant": ALICE, "portfolio": {"premium": 1.0},
             "curve": [[0, 10], [5, 9]]},
            {**SIGNED, "id": "b", "participant": BOB, "portfolio": {"premium": 1.0},
             "curve": [[-5, 2], [-1, 2], [0, 1]]},
        ],
    }  # fmt: skip


def plain_hour() -> HourBundle:
    orders = book()
    result = clear_document(orders, {"prices": {}})
    return build_hour_bundle(result, hour=1, fee_bps=10, orders=orders["orders"])


def holdings_of(bundle: HourBundle) -> list[Holding]:
    tree = bundle.holdings
    return [decode_holding(k, v) for k, v in zip(tree.keys, tree.values, strict=True)]


def consistent(bundle: HourBundle) -> bool:
    """Every rule of the contract's holdings views holds on the built tree."""
    held = holdings_of(bundle)
    if held and opens_badly(held[0]):
        return False
    pairs = itertools.pairwise(held)
    return not any(continues_badly(a, b) for a, b in pairs) and not any(
        rounds_too_much(h) for h in held
    )


def test_the_plain_hours_holdings_by_hand() -> None:
    bundle = plain_hour()
    assert holdings_of(bundle) == [
        Holding(ALICE, PREMIUM, order_key("a"), 5 * WAD, 2 * WAD, 0, 0),
        Holding(BOB, PREMIUM, order_key("b"), -5 * WAD, 2 * WAD, 0, 0),
    ]
    assert bundle.commitment.holdings_count == 2
    assert bundle.commitment.holdings_root == bundle.holdings.root
    # alice's lines give −2 × 5 = −10 tokens exactly: her entry is −10.01 net + 0.01 fee.
    assert holdings_of(bundle)[0].cash_after == -10 * WAD * WAD
    assert bundle.amounts.net_cash[ALICE] == -10 * WAD - WAD // 100
    assert entry_faults(bundle, whole_hour=True) == [] and consistent(bundle)


def test_an_entry_that_debits_alice_and_credits_a_thief_is_named() -> None:
    bundle = plain_hour()
    doc = entries_document(bundle)
    assert with_entries(bundle, copy.deepcopy(doc)).commitment == bundle.commitment
    doc[ALICE]["cash"] = str(int(doc[ALICE]["cash"]) - 3 * WAD)
    doc[THIEF] = {"cash": str(3 * WAD), "fee": "0", "trades": {}}
    stolen = with_entries(bundle, doc)
    assert stolen.commitment.entries_root != bundle.commitment.entries_root
    faults = entry_faults(stolen, whole_hour=True)
    assert [(f.function, f.description) for f in faults] == [
        (
            "isEntryOffHoldings",
            # −13.01 net + 0.01 fee: −13 gross, 3 tokens below the −10 of her lines.
            f"entry of {ALICE}: cash -13 before its fee, its trade lines at the hour's "
            "prices give -10 (off by -3)",
        ),
        ("isEntryUnheld", f"entry of {THIEF}: cash 3 before its fee, and it has no trade line"),
    ]
    # The thief's evidence: its entry (no products: k = 0 is "the cash") and the leaf
    # after its address (bob's, the last: nothing follows the thief's 0xd4… key).
    _, entry, k, bracket = faults[1].args
    assert entry[0] == THIEF and k == 0 and [item[0] for item in bracket] == [1]
    # In an hour cleared in intervals the cash is not judged (no hourly prices).
    assert entry_faults(stolen, whole_hour=False) == []


def test_a_position_moved_from_bob_to_alice_is_named() -> None:
    bundle = plain_hour()
    doc = entries_document(bundle)
    doc[ALICE]["trades"]["premium"] = str(6 * WAD)
    faults = entry_faults(with_entries(bundle, doc), whole_hour=True)
    assert [(f.function, f.description) for f in faults] == [
        (
            "isEntryOffHoldings",
            f"entry of {ALICE}: premium +6 GB/h, its trade lines give +5 GB/h",
        )
    ]


def test_cash_tolerance_is_the_one_wei_of_money_rule_3() -> None:
    # exact −7 · 10^-36 tokens: floor is −1 wei; cash + fee may be −1 or 0, nothing else.
    assert not is_cash_off(-1, 0, -7) and not is_cash_off(-2, 2, -7)
    assert is_cash_off(-2, 0, -7) and is_cash_off(1, 0, -7)
    # exactly 10 tokens: 10·10^18 or one wei more.
    ten = 10 * WAD * WAD
    assert not is_cash_off(10 * WAD + 1, 0, ten)
    assert is_cash_off(10 * WAD + 2, 0, ten) and is_cash_off(10 * WAD - 1, 0, ten)


def test_a_rounding_line_beyond_one_millionth_is_a_fault() -> None:
    # 5 GB/h of lines before it: the tolerance is 5·10^12 (10^-18 GB).
    line = Holding(ALICE, PREMIUM, ROUNDING, 5 * 10**12, 0, 5 * WAD, 0)
    assert not rounds_too_much(line)
    assert rounds_too_much(Holding(ALICE, PREMIUM, ROUNDING, 5 * 10**12 + 1, 0, 5 * WAD, 0))
    # Below 1 GB/h the floor of 1 GB/h: 10^12.
    assert rounds_too_much(Holding(ALICE, PREMIUM, ROUNDING, -(10**12) - 1, 0, 0, 0))
    # The imbalance line is no rounding line, whatever its size.
    assert not rounds_too_much(Holding(ALICE, IMBALANCE, ROUNDING, 10**30, -WAD, 0, 0))


def test_a_link_owners_flows_and_a_float_hour_raise_no_fault() -> None:
    """Seller 4 at A, buyer 4 at B, the owner's flow buys at A and sells at B (by hand)."""
    result: Any = {
        "prices": {"x@A": 1.5, "x@B": 7.75},
        "orders": {"s": {"quantity": -4.0}, "b": {"quantity": 4.0}},
        "participants": {
            ALICE: {"trades": {"x@A": -4.0}, "cash": 6.0},
            BOB: {"trades": {"x@B": 4.0}, "cash": -31.0},
        },
        "products": {"x@A": {"volume": 4.0, "slope": 0.0}, "x@B": {"volume": 4.0, "slope": 0.0}},
        "welfare": 40.0,
        "certificate": {"max_imbalance": 0.0, "max_order_gap": 0.0},
        "owners": {OWNER: {"rent": 23.0, "charge": 2.0, "trades": {"x@A": 4.0, "x@B": -4.0}}},
        "imbalance": {ALICE: "-5", BOB: "5"},
    }
    orders = [
        {**SIGNED, "id": "s", "participant": ALICE, "portfolio": {"x@A": 1.0},
         "curve": [[-4, 1], [0, 0]]},
        {**SIGNED, "id": "b", "participant": BOB, "portfolio": {"x@B": 1.0},
         "curve": [[0, 9], [4, 8]]},
    ]  # fmt: skip
    bundle = build_hour_bundle(result, hour=1, fee_bps=10, orders=orders)
    held = holdings_of(bundle)
    owner = [h for h in held if h.participant == OWNER]
    # The owner's flows at their prices: it pays 4 × 1.5 at A, is paid 4 × 7.75 at B.
    assert owner[-1].cash_after == (4 * 775 * WAD // 100 - 6 * WAD) * WAD
    assert Holding(ALICE, IMBALANCE, ROUNDING, -5, -WAD, 0, 4 * 15 * WAD * WAD // 10) in held
    assert entry_faults(bundle, whole_hour=True) == [] and consistent(bundle)


def test_nonconvex_and_fractional_fills_raise_no_fault() -> None:
    orders: dict[str, Any] = {
        "products": ["x", "y"],
        "orders": [
            {**SIGNED, "id": "sx", "participant": BOB, "portfolio": {"x": 1.0},
             "curve": [[-20, 3], [0, 1]]},
            {**SIGNED, "id": "sy", "participant": BOB, "portfolio": {"y": 0.7},
             "curve": [[-20, 3], [0, 1]]},
            {**SIGNED, "id": "blk", "participant": ALICE, "portfolio": {"x": 1.0, "y": 1.0},
             "kind": "all_or_nothing", "quantity": 5.0, "price": 10.0},
            {**SIGNED, "id": "c", "participant": OWNER, "portfolio": {"x": 0.3, "y": 1.0 / 3},
             "curve": [[0, 9], [3, 2]]},
        ],
        "nonconvex_rule": "no_loss",
    }  # fmt: skip
    orders["orders"][2] = engine_order(orders["orders"][2])
    result = clear_document(orders, None)
    bundle = build_hour_bundle(result, hour=1, fee_bps=10, orders=orders["orders"])
    assert entry_faults(bundle, whole_hour=True) == [] and consistent(bundle)


def test_an_hour_in_quarters_binds_positions() -> None:
    def quarter(rate: float) -> dict[str, Any]:
        return {
            "prices": {"premium": 2.0},
            "orders": {"o-a": {"quantity": rate}, "o-b": {"quantity": -rate}},
            "participants": {
                ALICE: {"trades": {"premium": rate}, "cash": -2.0 * rate},
                BOB: {"trades": {"premium": -rate}, "cash": 2.0 * rate},
            },
            "products": {"premium": {"volume": rate, "slope": 0.0}},
            "welfare": 1.0,
            "certificate": {"max_imbalance": 0.0, "max_order_gap": 0.0},
        }

    doc: Any = {"interval_s": 900, "intervals": [quarter(4.0)] * 3 + [quarter(2.0)]}
    bundle = build_hour_bundle(doc, hour=1, fee_bps=10)
    # Positions +3.5 / −3.5 GB, price 0 (per-interval prices are not hourly).
    assert [(h.participant, h.amount, h.price) for h in holdings_of(bundle)] == [
        (ALICE, 35 * WAD // 10, 0),
        (BOB, -35 * WAD // 10, 0),
    ]
    assert entry_faults(bundle, whole_hour=False) == [] and consistent(bundle)
    moved = entries_document(bundle)
    moved[BOB]["trades"]["premium"] = str(-3 * WAD)
    (fault,) = entry_faults(with_entries(bundle, moved), whole_hour=False)
    assert fault.description == f"entry of {BOB}: premium -3 GB/h, its trade lines give -3.5 GB/h"
