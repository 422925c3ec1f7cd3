"""The trade-lines tree of honest hours of every shape balances, line by line by hand:
plain fills, a non-convex block (unbacked), a link owner's flows (unbacked), an hour
cleared in quarters (all unbacked); and a shaved fill does not."""

from __future__ import annotations

import copy
from typing import Any

from eth_utils.address import to_checksum_address

from flowmarket.actions.verify_balance import balance_faults
from flowmarket.chain.leaves import order_key, product_id
from flowmarket.clearing import clear_document
from flowmarket.oracle.hour_commitment import build_hour_bundle
from flowmarket.oracle.trade_lines import decode_line, unbacked_source
from flowmarket.orders import engine_order

WAD = 10**18
ALICE = to_checksum_address("0x" + "a1" * 20)
BOB = to_checksum_address("0x" + "b2" * 20)
OWNER = to_checksum_address("0x" + "c3" * 20)


def lines_of(bundle: Any) -> dict[tuple[bytes, bytes], tuple[int, int, int]]:
    tree = bundle.lines
    out = {}
    for key, value in zip(tree.keys, tree.values, strict=True):
        line = decode_line(key, value)
        out[(line.product, line.source)] = (line.amount, line.sum_before, line.gross_before)
    return out


def no_fault(bundle: Any) -> bool:
    return balance_faults(bundle, lambda b, f: ()) == []


# The signed fields every order of a published set carries (the signature is not what
# these tests judge: trade lines only need each cleared order's fill leaf).
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


def test_plain_fills_are_backed_lines_that_balance_and_a_shaved_fill_does_not() -> None:
    orders = book()
    result = clear_document(orders, {"prices": {}})
    bundle = build_hour_bundle(result, hour=1, fee_bps=10, orders=orders["orders"])
    premium = product_id("premium")
    lines = lines_of(bundle)
    a, b = (premium, order_key("a")), (premium, order_key("b"))
    first, second = sorted([a, b], key=lambda k: k[0] + k[1])
    amounts = {a: 5 * WAD, b: -5 * WAD}
    assert lines[first] == (amounts[first], 0, 0)
    assert lines[second] == (amounts[second], amounts[first], 5 * WAD)
    assert bundle.commitment.lines_count == 2 and no_fault(bundle)

    shaved = copy.deepcopy(result)
    shaved["orders"]["b"]["quantity"] = -4.0
    wrong = build_hour_bundle(shaved, hour=1, fee_bps=10, orders=orders["orders"])
    (fault,) = balance_faults(wrong, lambda b, f: ())
    assert fault.function == "isUnbalanced"
    assert fault.description == (
        "product premium: its committed trades sum to +1 GB/h, not zero (gross 9 GB/h)"
    )


def test_a_link_owners_flows_are_unbacked_lines_and_the_hour_balances() -> None:
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
    }
    orders = [
        {
            **SIGNED,
            "id": "s",
            "participant": ALICE,
            "portfolio": {"x@A": 1.0},
            "curve": [[-4, 1], [0, 0]],
        },
        {
            **SIGNED,
            "id": "b",
            "participant": BOB,
            "portfolio": {"x@B": 1.0},
            "curve": [[0, 9], [4, 8]],
        },
    ]
    bundle = build_hour_bundle(result, hour=1, fee_bps=10, orders=orders)
    lines = lines_of(bundle)
    a, b = product_id("x@A"), product_id("x@B")
    assert {k: v[0] for k, v in lines.items()} == {
        (a, order_key("s")): -4 * WAD,
        (b, order_key("b")): 4 * WAD,
        (a, unbacked_source(OWNER)): 4 * WAD,
        (b, unbacked_source(OWNER)): -4 * WAD,
    }
    assert no_fault(bundle)


def test_a_nonconvex_block_is_unbacked_and_the_hour_balances() -> None:
    orders: dict[str, Any] = {
        "products": ["x", "y"],
        "orders": [
            {**SIGNED, "id": "sx", "participant": BOB, "portfolio": {"x": 1.0},
             "curve": [[-20, 3], [0, 1]]},
            {**SIGNED, "id": "sy", "participant": BOB, "portfolio": {"y": 1.0},
             "curve": [[-20, 3], [0, 1]]},
            {**SIGNED, "id": "blk", "participant": ALICE, "portfolio": {"x": 1.0, "y": 1.0},
             "kind": "all_or_nothing", "quantity": 5.0, "price": 10.0},
        ],
        "nonconvex_rule": "no_loss",
    }  # fmt: skip
    orders["orders"][2] = engine_order(orders["orders"][2])
    result = clear_document(orders, None)
    assert result["orders"]["blk"]["accepted"] is True
    bundle = build_hour_bundle(result, hour=1, fee_bps=10, orders=orders["orders"])
    sources = {source for _, source in lines_of(bundle)}
    assert unbacked_source(ALICE) in sources  # the block has no fill leaf
    assert order_key("sx") in sources and order_key("sy") in sources
    assert no_fault(bundle)


def test_an_hour_in_quarters_commits_every_participants_summed_trade() -> None:
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
    # 3 quarters of 1 GB and one of 0.5 GB: alice +3.5 GB, bob −3.5 GB, all unbacked.
    premium = product_id("premium")
    assert {k: v[0] for k, v in lines_of(bundle).items()} == {
        (premium, unbacked_source(ALICE)): 35 * WAD // 10,
        (premium, unbacked_source(BOB)): -35 * WAD // 10,
    }
    assert no_fault(bundle)
