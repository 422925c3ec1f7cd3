"""The hour's fill leaves: one per cleared order the chain can judge, in the orders tree
next to the order leaves, binding the fill to the terms it was cleared under."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode

from flowmarket.chain import leaves
from flowmarket.clearing import clear_document
from flowmarket.hashing import keccak
from flowmarket.oracle.hour_commitment import build_hour_bundle

ALICE = "0x1111111111111111111111111111111111111111"
BOB = "0x2222222222222222222222222222222222222222"
W = 10**18


def book() -> dict[str, Any]:
    return {
        "products": ["premium"],
        "orders": [
            {"id": "a", "participant": ALICE, "portfolio": {"premium": 1.0},
             "curve": [[0, 10], [5, 9]]},
            {"id": "b", "participant": BOB, "portfolio": {"premium": 1.0},
             "curve": [[-5, 2], [0, 1]]},
        ],
    }  # fmt: skip


def test_each_cleared_order_gets_a_fill_leaf_bound_to_its_terms() -> None:
    orders = book()
    result = clear_document(orders, {"prices": {}})
    bare = build_hour_bundle(result, hour=9, fee_bps=10)
    bundle = build_hour_bundle(result, hour=9, fee_bps=10, orders=orders["orders"])
    assert bare.fills == {}
    assert sorted(bundle.fills) == ["a", "b"]
    b = bundle.fills["b"]
    # By hand: bob sells all 5 at the price 2; his curve (−5, 2) → (0, 1) in 18 decimals.
    assert (b.participant, b.quantity, b.products, b.weights) == (BOB, -5 * W, ("premium",), (W,))
    assert (b.curve_quantities, b.curve_prices) == ((-5 * W, 0), (2 * W, W))
    terms = keccak(
        encode(
            ["bytes32[]", "int256[]", "int256[]", "int256[]"],
            [[leaves.product_id("premium")], [W], [-5 * W, 0], [2 * W, W]],
        )
    )
    assert b.leaf == leaves.fill_leaf(leaves.order_key("b"), BOB, -5 * W, terms)
    # Both kinds of leaf are in the orders tree; nothing else of the hour changes.
    assert set(bundle.orders_tree.leaves()) == set(bare.orders_tree.leaves()) | {
        f.leaf for f in bundle.fills.values()
    }
    assert bundle.commitment.orders_root != bare.commitment.orders_root
    assert bundle.commitment.entries_root == bare.commitment.entries_root
    assert bundle.commitment.prices_root == bare.commitment.prices_root


def test_orders_the_chain_cannot_judge_get_no_fill_leaf() -> None:
    orders = book()
    result = clear_document(orders, {"prices": {}})
    named = [{**orders["orders"][0], "participant": "alice"}, orders["orders"][1]]
    assert sorted(build_hour_bundle(result, hour=9, fee_bps=10, orders=named).fills) == ["b"]
    all_or_nothing = {**result, "orders": {**result["orders"], "b": {"quantity": -5.0,
                                                                    "accepted": True}}}  # fmt: skip
    fills = build_hour_bundle(all_or_nothing, hour=9, fee_bps=10, orders=orders["orders"]).fills
    assert sorted(fills) == ["a"]
    unpriced = [{**orders["orders"][0], "portfolio": {"premium": 1.0, "other": 1.0}}]
    assert build_hour_bundle(result, hour=9, fee_bps=10, orders=unpriced).fills == {}
