"""The EIP-712 encoding: documented type strings, an independent encoder, known answers."""

from __future__ import annotations

import dataclasses

import pytest
from eth_abi import encode
from eth_account import Account
from eth_account._utils.encode_typed_data.encoding_and_hashing import encode_type
from eth_utils.crypto import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from flowmarket.signing import (
    CancelMessage,
    Domain,
    OrderMessage,
    ReceiptMessage,
    digest,
    recover,
    sign,
    typed_data,
)
from flowmarket.signing.typed_data import (
    CANCEL_TYPE_STRING,
    ORDER_TYPE_STRING,
    RECEIPT_TYPE_STRING,
    reference_digest,
)

DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
KEY = "0x" + "42" * 32
ALICE = Account.from_key(KEY).address
ORDER = OrderMessage(
    participant=ALICE,
    nonce=7,
    from_hour=500_001,
    until_hour=500_010,
    portfolio={"regular-eu": -0.5, "premium-eu": 1.0},
    curve=((-5.0, 12.25), (0.0, 8.0), (10.0, 4.0)),
)


def independent_order_hash(order: OrderMessage, domain: Domain) -> str:
    """EIP-712 written out by hand with eth_abi, as a Solidity twin would compute it."""
    names = sorted(order.portfolio)
    scale = 10**18

    def fixed(values: list[float]) -> bytes:
        return keccak(encode(["int256"] * len(values), [round(v * scale) for v in values]))

    struct = keccak(
        encode(
            ["bytes32", "address", "uint256", "uint64", "uint64", "bytes32"] + ["bytes32"] * 4,
            [
                keccak(text=ORDER_TYPE_STRING),
                order.participant,
                order.nonce,
                order.from_hour,
                order.until_hour,
                b"\x00" * 32,
                keccak(b"".join(keccak(text=name) for name in names)),
                fixed([order.portfolio[name] for name in names]),
                fixed([q for q, _ in order.curve]),
                fixed([p for _, p in order.curve]),
            ],
        )
    )
    domain_hash = keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
                keccak(
                    text="EIP712Domain(string name,string version,uint256 chainId,"
                    "address verifyingContract)"
                ),
                keccak(text="flowmarket"),
                keccak(text="1"),
                domain.chain_id,
                domain.verifying_contract,
            ],
        )
    )
    return "0x" + keccak(b"\x19\x01" + domain_hash + struct).hex()


@pytest.mark.parametrize(
    ("message", "primary", "type_string"),
    [
        (ORDER, "Order", ORDER_TYPE_STRING),
        (CancelMessage(ALICE, "0x" + "ab" * 32), "Cancel", CANCEL_TYPE_STRING),
        (ReceiptMessage("0x" + "ab" * 32, ALICE, 1, "accepted", 5), "Receipt", RECEIPT_TYPE_STRING),
    ],
)
def test_typed_data_fields_spell_the_documented_type_string(
    message: OrderMessage | CancelMessage | ReceiptMessage, primary: str, type_string: str
) -> None:
    assert encode_type(primary, typed_data(DOMAIN, message)["types"]) == type_string


def test_order_digest_matches_an_independent_abi_encoding() -> None:
    assert digest(DOMAIN, ORDER) == independent_order_hash(ORDER, DOMAIN)


def test_order_type_hash_and_digest_known_answers() -> None:
    assert (
        "0x" + keccak(text=ORDER_TYPE_STRING).hex()
        == "0xa18422532218c758c6161f6f320374070fab860501ef6402cb6b84490ad4eb1b"
    )
    # Regression anchor for the Solidity twin and third-party clients.
    assert digest(DOMAIN, ORDER) == (
        "0x4eb032391e389f8585c9502f4f4fb425951fcffcd4c4cd9ba22700221a10f216"
    )


def test_portfolio_order_does_not_change_the_digest() -> None:
    shuffled = OrderMessage(
        **{**ORDER.__dict__, "portfolio": dict(reversed(ORDER.portfolio.items()))}
    )
    assert digest(DOMAIN, shuffled) == digest(DOMAIN, ORDER)


def test_signature_recovers_the_signer_only_on_the_same_domain() -> None:
    signature = bytes.fromhex(sign(DOMAIN, ORDER, KEY)[2:])
    assert len(signature) == 65
    assert recover(DOMAIN, ORDER, signature) == ALICE
    assert recover(Domain(1, DOMAIN.verifying_contract), ORDER, signature) != ALICE
    other_ledger = Domain(DOMAIN.chain_id, "0x" + "12" * 20)
    assert recover(other_ledger, ORDER, signature) != ALICE


weights = st.sampled_from([-2.5, -1.0, -0.125, 0.5, 1.0, 3.0, 1e-18, 123456.789])
points = st.lists(
    st.tuples(st.integers(-(10**6), 10**6), st.integers(-(10**6), 10**6)), min_size=1, max_size=6
)


@settings(max_examples=60, deadline=None)
@given(
    nonce=st.integers(0, 2**63 - 1),
    hours=st.tuples(st.integers(0, 2**40), st.integers(0, 2**40)),
    portfolio=st.dictionaries(st.text(min_size=1, max_size=12), weights, min_size=1, max_size=4),
    curve=points,
    replaces=st.one_of(st.none(), st.binary(min_size=32, max_size=32)),
    chain_id=st.integers(1, 2**64),
)
def test_fast_encoder_matches_eth_account_on_random_orders(
    nonce: int,
    hours: tuple[int, int],
    portfolio: dict[str, float],
    curve: list[tuple[int, int]],
    replaces: bytes | None,
    chain_id: int,
) -> None:
    order = OrderMessage(
        participant=ALICE,
        nonce=nonce,
        from_hour=hours[0],
        until_hour=hours[1],
        portfolio=portfolio,
        curve=tuple((q / 1000, p / 8) for q, p in curve),
        replaces=None if replaces is None else "0x" + replaces.hex(),
    )
    domain = Domain(chain_id, "0x" + "ab" * 20)
    assert digest(domain, order) == reference_digest(domain, order)


def test_cancel_and_receipt_digests_match_eth_account() -> None:
    for message in (
        CancelMessage(ALICE, "0x" + "cd" * 32),
        ReceiptMessage("0x" + "cd" * 32, ALICE, 2**70, "cancelled", 1_800_000_000),
    ):
        assert digest(DOMAIN, message) == reference_digest(DOMAIN, message)


def test_a_wallets_sign_typed_data_signature_recovers() -> None:
    signed = Account.sign_typed_data(KEY, full_message=typed_data(DOMAIN, ORDER))
    assert recover(DOMAIN, ORDER, bytes(signed.signature)) == ALICE
    assert sign(DOMAIN, ORDER, KEY) == "0x" + bytes(signed.signature).hex()


def test_signing_with_several_keys_in_turn_signs_with_each_its_own() -> None:
    """`sign` keeps its key objects (the public key is derived once a key): a kept key
    must never sign for another. Each signature is eth_account's for that key."""
    keys = ["0x" + f"{k:02x}" * 32 for k in (0x42, 0x43, 0x44)]
    for _ in range(2):
        for key in keys:
            wallet = Account.from_key(key).address
            order = dataclasses.replace(ORDER, participant=wallet)
            expected = Account.sign_typed_data(key, full_message=typed_data(DOMAIN, order))
            signature = sign(DOMAIN, order, key)
            assert signature == "0x" + bytes(expected.signature).hex()
            assert recover(DOMAIN, order, bytes.fromhex(signature[2:])) == wallet


def test_recover_refuses_a_bad_v_byte() -> None:
    signature = bytearray.fromhex(sign(DOMAIN, ORDER, KEY)[2:])
    signature[64] = 5
    with pytest.raises(ValueError, match="v byte"):
        recover(DOMAIN, ORDER, bytes(signature))
