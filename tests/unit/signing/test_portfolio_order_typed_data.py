"""The PortfolioOrder EIP-712 type (a curve over several named portfolios): the byte-packed
encoder against eth-account's generic one and ethers v6, the type string as written, the
`Order` digest of a one-portfolio order unchanged, and no batch carries one."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils.crypto import keccak
from ethers_reference import ethers_signs

from flowmarket.config import Settings
from flowmarket.errors import FieldError
from flowmarket.signing import (
    Domain,
    NamedPortfolio,
    OrderBatchMessage,
    OrderMessage,
    batch_ids,
    digest,
    recover,
    sign,
    typed_data,
)
from flowmarket.signing.portfolio_order import PORTFOLIO_ORDER_TYPE_STRING
from flowmarket.signing.struct_hash import type_hash
from flowmarket.signing.typed_data import reference_digest

DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
KEY = "0x" + "44" * 32
BUYER = Account.from_key(KEY).address
EAST = NamedPortfolio("east", 1.0, {"premium-us-east": 1.0})
WEST = NamedPortfolio("west", 1.0, {"premium-us-west": 1.0})
CURVE = ((0.0, 5.0), (1.0, 5.0))


def order(**changes: object) -> OrderMessage:
    base = OrderMessage(BUYER, 3, 500_001, 500_010, {}, CURVE, portfolios=(EAST, WEST))
    return OrderMessage(**{**base.__dict__, **changes})


CASES = [
    order(),
    order(portfolios=(WEST, EAST)),  # the same order: portfolios are signed by name
    order(portfolios=(EAST, NamedPortfolio("west", 0.5, {"premium-us-west": 1.0}))),
    order(portfolios=(NamedPortfolio("both", 2.0, {"b": -1.0, "a": 0.25}), WEST)),
    order(curve=((-2.0, 7.5), (3.0, 1.25)), replaces="0x" + "cd" * 32),
]


def test_the_type_string_is_the_primary_type_then_portfolio() -> None:
    assert type_hash(PORTFOLIO_ORDER_TYPE_STRING) == keccak(
        text="PortfolioOrder(address participant,uint256 nonce,uint64 fromHour,"
        "uint64 untilHour,bytes32 replaces,Portfolio[] portfolios,int256[] curveQuantities,"
        "int256[] curvePrices)Portfolio(string name,int256 weight,bytes32[] products,"
        "int256[] weights)"
    )


@pytest.mark.parametrize("message", CASES)
def test_digest_equals_the_generic_encoder_and_recovers(message: OrderMessage) -> None:
    document = typed_data(DOMAIN, message)
    assert document["primaryType"] == "PortfolioOrder"
    assert [p["name"] for p in document["message"]["portfolios"]] == sorted(
        p.name for p in message.portfolios or ()
    )
    assert digest(DOMAIN, message) == reference_digest(DOMAIN, message)
    signature = bytes.fromhex(sign(DOMAIN, message, KEY)[2:])
    assert recover(DOMAIN, message, signature) == BUYER


def test_every_field_changes_the_digest_and_the_order_type_is_untouched() -> None:
    digests = [digest(DOMAIN, m) for m in CASES]
    assert digests[0] == digests[1]
    assert len(set(digests)) == len(CASES) - 1
    renamed = order(portfolios=(EAST, NamedPortfolio("wes", 1.0, {"premium-us-west": 1.0})))
    assert digest(DOMAIN, renamed) not in digests
    # an order over one inline portfolio is still an `Order` with its old digest (the
    # value is the one test_typed_data pins for this message)
    plain = OrderMessage(BUYER, 3, 500_001, 500_010, {"premium-us-east": 1.0}, CURVE)
    assert typed_data(DOMAIN, plain)["primaryType"] == "Order"
    assert digest(DOMAIN, plain) == reference_digest(DOMAIN, plain)
    assert digest(DOMAIN, plain) not in digests


def test_a_batch_refuses_a_portfolio_order_naming_it() -> None:
    plain = OrderMessage(BUYER, 1, 500_001, 500_010, {"premium-us-east": 1.0}, CURVE)
    batch = OrderBatchMessage(BUYER, (plain, order()), ())
    with pytest.raises(FieldError) as caught:
        batch_ids(DOMAIN, batch)
    assert caught.value.field == "batch.orders[1].portfolios"


def test_a_weight_beyond_18_decimals_is_named() -> None:
    bad = order(portfolios=(EAST, NamedPortfolio("west", 1e-19, {"premium-us-west": 1.0})))
    with pytest.raises(FieldError) as caught:
        digest(DOMAIN, bad)
    assert caught.value.field == "order.portfolios[1].weight"


def test_ethers_v6_computes_the_same_digest_and_signature(settings: Settings) -> None:
    for message in CASES:
        out = ethers_signs(settings, DOMAIN, message, KEY)
        assert out["digest"] == digest(DOMAIN, message)
        assert out["signature"] == sign(DOMAIN, message, KEY)
