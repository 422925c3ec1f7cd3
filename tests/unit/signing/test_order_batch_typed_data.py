"""The OrderBatch and BatchReceipt EIP-712 types: the byte-packed encoder against
eth-account's generic one and against ethers v6 (JavaScript), and the receipt leaf."""

from __future__ import annotations

from eth_account import Account
from eth_utils.crypto import keccak
from ethers_reference import ethers_signs
from hypothesis import given, settings
from hypothesis import strategies as st

from flowmarket.config import Settings
from flowmarket.signing import (
    BatchReceiptMessage,
    Domain,
    OrderBatchMessage,
    OrderMessage,
    batch_ids,
    digest,
    receipt_leaf,
    recover,
    sign,
    typed_data,
)
from flowmarket.signing.typed_data import ORDER_TYPE_STRING, reference_digest
from flowmarket.states import ReceiptAction

DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
KEY = "0x" + "42" * 32
ALICE = Account.from_key(KEY).address


def order(nonce: int, replaces: str | None = None) -> OrderMessage:
    return OrderMessage(
        participant=ALICE,
        nonce=nonce,
        from_hour=500_001,
        until_hour=500_010 + nonce,
        portfolio={"regular-eu": -0.5, "premium-eu": 1.0 + nonce},
        curve=((-5.0, 12.25), (0.0, 8.0), (10.0, 4.0 - nonce / 8)),
        replaces=replaces,
    )


BATCH = OrderBatchMessage(
    ALICE, (order(1), order(2, replaces="0x" + "ab" * 32), order(3)), ("0x" + "cd" * 32,)
)


def test_the_batch_type_hash_appends_the_referenced_order_type() -> None:
    document = typed_data(DOMAIN, BATCH)
    assert document["primaryType"] == "OrderBatch"
    assert [f["type"] for f in document["types"]["OrderBatch"]] == [
        "address",
        "Order[]",
        "bytes32[]",
    ]
    expected = "OrderBatch(address participant,Order[] orders,bytes32[] cancels)" + (
        ORDER_TYPE_STRING
    )
    assert expected.endswith("int256[] curvePrices)")
    assert digest(DOMAIN, BATCH) == reference_digest(DOMAIN, BATCH)


@given(
    nonces=st.lists(st.integers(0, 2**63 - 1), min_size=0, max_size=6, unique=True),
    cancels=st.lists(st.binary(min_size=32, max_size=32), max_size=4),
)
@settings(max_examples=25, deadline=None)
def test_batch_digest_equals_the_generic_encoder(nonces: list[int], cancels: list[bytes]) -> None:
    batch = OrderBatchMessage(
        ALICE, tuple(order(n % 1000) for n in nonces), tuple("0x" + c.hex() for c in cancels)
    )
    assert digest(DOMAIN, batch) == reference_digest(DOMAIN, batch)


def test_batch_ids_are_the_batch_digest_and_each_orders_own_digest() -> None:
    batch_digest, ids = batch_ids(DOMAIN, BATCH)
    assert "0x" + batch_digest.hex() == digest(DOMAIN, BATCH)
    assert ids == [digest(DOMAIN, o) for o in BATCH.orders]


def test_batch_receipt_digest_equals_the_generic_encoder_and_recovers() -> None:
    message = BatchReceiptMessage("0x" + "11" * 32, ALICE, "0x" + "22" * 32, 7, 1_800_000_100)
    assert digest(DOMAIN, message) == reference_digest(DOMAIN, message)
    signature = sign(DOMAIN, message, KEY)
    assert recover(DOMAIN, message, bytes.fromhex(signature[2:])) == ALICE


def test_receipt_leaf_is_the_double_hash_of_the_id_and_the_action_hash() -> None:
    order_hash = "0x" + "5a" * 32
    by_hand = keccak(keccak(bytes.fromhex("5a" * 32) + keccak(b"cancelled")))
    assert receipt_leaf(order_hash, ReceiptAction.CANCELLED) == by_hand
    assert receipt_leaf(order_hash, ReceiptAction.ACCEPTED) != by_hand


def test_ethers_v6_computes_the_same_digest_and_signature_for_a_batch(settings: Settings) -> None:
    out = ethers_signs(settings, DOMAIN, BATCH, KEY)
    assert out["digest"] == digest(DOMAIN, BATCH)
    assert out["signature"] == sign(DOMAIN, BATCH, KEY)
    receipt = BatchReceiptMessage("0x" + "11" * 32, ALICE, "0x" + "22" * 32, 7, 1_800_000_100)
    assert ethers_signs(settings, DOMAIN, receipt, KEY)["digest"] == digest(DOMAIN, receipt)
