"""The NonConvexOrder EIP-712 type: the byte-packed encoder against eth-account's generic
one and ethers v6, the `Order` digest of a curve order unchanged, and no batch carries one."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils.crypto import keccak
from ethers_reference import ethers_signs

from flowmarket.config import Settings
from flowmarket.errors import FieldError
from flowmarket.signing import (
    Domain,
    NonConvexTerms,
    OrderBatchMessage,
    OrderMessage,
    batch_ids,
    digest,
    recover,
    sign,
    typed_data,
)
from flowmarket.signing.nonconvex_order import NONCONVEX_ORDER_TYPE_STRING

DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
KEY = "0x" + "43" * 32
TV = Account.from_key(KEY).address
EVENT = {f"fwd-h:eu-west:premium:2026-12-05T{h:02d}": 1.0 for h in range(18, 24)}
CURVE = ((-50.0, 12.0), (0.0, 10.0))


def block(**changes: object) -> OrderMessage:
    base = OrderMessage(
        participant=TV,
        nonce=7,
        from_hour=500_001,
        until_hour=500_010,
        portfolio=EVENT,
        curve=(),
        terms=NonConvexTerms("all_or_nothing", quantity=10.0, price=45.5),
    )
    return OrderMessage(**{**base.__dict__, **changes})


CASES = [
    block(),
    block(terms=NonConvexTerms("all_or_nothing", quantity=-4.0, price=3.25)),
    block(curve=CURVE, terms=NonConvexTerms("min_fill", min_quantity=20.0)),
    block(curve=CURVE, terms=NonConvexTerms("startup", fixed_cost=30.0), replaces="0x" + "ab" * 32),
]


def test_the_type_string_is_hashed_as_written() -> None:
    from flowmarket.signing.struct_hash import type_hash

    assert type_hash(NONCONVEX_ORDER_TYPE_STRING) == keccak(
        text="NonConvexOrder(address participant,uint256 nonce,uint64 fromHour,uint64 untilHour,"
        "bytes32 replaces,string kind,bytes32[] products,int256[] weights,"
        "int256[] curveQuantities,int256[] curvePrices,int256 quantity,int256 price,"
        "int256 minQuantity,int256 fixedCost)"
    )


@pytest.mark.parametrize("message", CASES, ids=lambda m: m.terms.kind)
def test_digest_equals_the_generic_encoder_and_recovers(message: OrderMessage) -> None:
    from flowmarket.signing.typed_data import reference_digest

    assert typed_data(DOMAIN, message)["primaryType"] == "NonConvexOrder"
    assert digest(DOMAIN, message) == reference_digest(DOMAIN, message)
    signature = bytes.fromhex(sign(DOMAIN, message, KEY)[2:])
    assert recover(DOMAIN, message, signature) == TV


def test_every_term_changes_the_digest_and_a_curve_order_keeps_its_order_type() -> None:
    digests = {digest(DOMAIN, m) for m in CASES}
    assert len(digests) == len(CASES)
    assert digest(DOMAIN, block(terms=NonConvexTerms("all_or_nothing", 10.0, 45.25))) not in digests
    curve = OrderMessage(TV, 7, 500_001, 500_010, EVENT, CURVE)
    assert typed_data(DOMAIN, curve)["primaryType"] == "Order"
    assert [f["name"] for f in typed_data(DOMAIN, curve)["types"]["Order"]] == [
        "participant", "nonce", "fromHour", "untilHour", "replaces",
        "products", "weights", "curveQuantities", "curvePrices",
    ]  # fmt: skip


def test_a_batch_refuses_a_non_convex_order_naming_it() -> None:
    batch = OrderBatchMessage(
        TV, (OrderMessage(TV, 1, 500_001, 500_010, EVENT, CURVE), block()), ()
    )
    with pytest.raises(FieldError) as caught:
        batch_ids(DOMAIN, batch)
    assert caught.value.field == "batch.orders[1].kind"
    with pytest.raises(FieldError):
        typed_data(DOMAIN, batch)


def test_ethers_v6_computes_the_same_digest_and_signature(settings: Settings) -> None:
    for message in CASES:
        out = ethers_signs(settings, DOMAIN, message, KEY)
        assert out["digest"] == digest(DOMAIN, message)
        assert out["signature"] == sign(DOMAIN, message, KEY)
