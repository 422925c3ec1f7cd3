"""The hour's commitment covers the network: link prices and flows are leaves of the prices
tree, and the link owner's entry is in the entries tree, against values written by hand.

The RESULT below is written out by hand (not solved): seller at A, buyer at B, one link A→B
of 4 GB/h at 0.5 tokens/GB, congested; p_A = 1.5, p_B = 7.75, μ = 7.75 − 1.5 − 0.5 = 5.75,
rent 5.75 × 4 = 23, charge 0.5 × 4 = 2, the owner is paid 25 = 4 × (7.75 − 1.5). The numbers
are exact in binary, so every 18-decimal amount is exact too.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_hash.auto import keccak

from flowmarket.errors import InvalidInput
from flowmarket.merkle import hash_pair, verify
from flowmarket.oracle.hour_commitment import build_hour_bundle

SELLER = "0x00000000000000000000000000000000000000A1"
BUYER = "0x00000000000000000000000000000000000000b2"
OWNER = "0x00000000000000000000000000000000000000C3"  # checksummed: digits and capitals
WAD = 10**18


def hour() -> dict[str, Any]:
    return {
        "prices": {"x@A": 1.5, "x@B": 7.75},
        "orders": {"s": {"quantity": 4.0}, "b": {"quantity": 4.0}},
        "participants": {
            SELLER.lower(): {"trades": {"x@A": -4.0}, "cash": 6.0},
            BUYER.lower(): {"trades": {"x@B": 4.0}, "cash": -31.0},
        },
        "products": {"x@A": {"volume": 4.0, "slope": -0.2}, "x@B": {"volume": 4.0, "slope": -0.4}},
        "welfare": 40.0,
        "certificate": {"max_imbalance": 0.0, "max_order_gap": 0.0},
        "flows": {"A-B": {"x": 4.0}},
        "links": {
            "A-B": {
                "capacity": 4.0,
                "flow": 4.0,
                "shadow_price": 5.75,
                "rent": 23.0,
                "charge": 2.0,
                "owner": OWNER.lower(),
            }
        },
        "congestion_rent": 23.0,
        "owners": {
            OWNER.lower(): {"rent": 23.0, "charge": 2.0, "trades": {"x@A": 4.0, "x@B": -4.0}}
        },
    }


def test_link_prices_and_flows_are_leaves_of_the_prices_tree_byte_for_byte() -> None:
    bundle = build_hour_bundle(hour(), hour=7, fee_bps=25)  # type: ignore[arg-type]
    assert bundle.network == {"link:A-B": 575 * WAD // 100, "flow:A-B:x": 4 * WAD}
    # (bytes32 keccak("link:A-B"), int256 5.75·10^18 = 0x4fcc1a89027f0000), double-hashed
    mu = bytes.fromhex("00" * 24 + "4fcc1a89027f0000")
    flow = bytes.fromhex("00" * 24 + "3782dace9d900000")  # 4·10^18
    link_leaf = keccak(keccak(keccak(b"link:A-B") + mu))
    flow_leaf = keccak(keccak(keccak(b"flow:A-B:x") + flow))
    assert bundle.price_leaf("link:A-B") == link_leaf
    assert bundle.price_leaf("flow:A-B:x") == flow_leaf
    root = bundle.commitment.prices_root
    for leaf in (link_leaf, flow_leaf):
        assert verify(root, leaf, bundle.prices_tree.proof(leaf))
    # the root commits to exactly the two prices and the two network values
    price_a = keccak(keccak(keccak(b"x@A") + (15 * WAD // 10).to_bytes(32, "big")))
    price_b = keccak(keccak(keccak(b"x@B") + (775 * WAD // 100).to_bytes(32, "big")))
    s0, s1, s2, s3 = sorted((price_a, price_b, link_leaf, flow_leaf))
    assert root == hash_pair(hash_pair(s3, s2), hash_pair(s1, s0))


def test_the_link_owner_has_an_entry_paid_rent_and_charge_without_a_fee() -> None:
    bundle = build_hour_bundle(hour(), hour=7, fee_bps=25)  # type: ignore[arg-type]
    amounts = bundle.amounts
    assert amounts.cash[OWNER] == 25 * WAD  # rent 23 + charge 2
    assert amounts.fees[OWNER] == 0
    assert amounts.cash[SELLER] == 6 * WAD
    assert amounts.fees[SELLER] == 15 * 10**15  # 25 bps of 6 tokens
    assert amounts.cash[BUYER] == -31 * WAD
    assert amounts.fees[BUYER] == 775 * 10**14  # 25 bps of 31 tokens
    assert sum(amounts.net_cash.values()) + amounts.total_fees == 0
    who, cash, fee, _ = bundle.entry_fields(OWNER)
    assert (who, cash, fee) == (OWNER, 25 * WAD, 0)


def test_a_link_owner_that_is_not_an_address_is_refused_by_name() -> None:
    doc = hour()
    doc["owners"] = {"olga": doc["owners"][OWNER.lower()]}
    with pytest.raises(InvalidInput, match="owners: link owner 'olga' is not a wallet address"):
        build_hour_bundle(doc, hour=7, fee_bps=25)  # type: ignore[arg-type]
