"""`web.routes.json_safe`: typed data as JSON a browser wallet reads without losing digits
(JavaScript numbers are exact only up to 2^53), and `signable`, which relies on it."""

from __future__ import annotations

import json

from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak

from flowmarket.signing import Domain, OrderMessage, digest
from flowmarket.web.routes import json_safe, signable

DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def test_integers_become_exact_decimal_strings_beyond_two_to_the_53() -> None:
    assert json_safe(0) == "0"
    assert json_safe(-5) == "-5"
    assert json_safe(2**53) == "9007199254740992"
    assert json_safe(2**53 + 1) == "9007199254740993"  # a JS number would read ...992
    assert json_safe(2**256 - 1) == (
        "115792089237316195423570985008687907853269984665640564039457584007913129639935"
    )
    assert json_safe(-(2**255)) == (
        "-57896044618658097711785492504343953926634992332820282019728792003956564819968"
    )


def test_booleans_stay_booleans_although_they_are_integers_in_python() -> None:
    assert json_safe(True) is True
    assert json_safe(False) is False


def test_bytes_become_0x_hex_including_empty_bytes() -> None:
    assert json_safe(b"\x00\x01\xab\xff") == "0x0001abff"
    assert json_safe(b"") == "0x"
    assert json_safe(bytes(32)) == "0x" + "00" * 32


def test_strings_floats_and_none_pass_through_unchanged() -> None:
    assert json_safe("0xAbC") == "0xAbC"
    assert json_safe("12") == "12"
    assert json_safe(1.5) == 1.5
    assert json_safe(None) is None


def test_nested_lists_and_dicts_are_converted_at_every_depth() -> None:
    value = {
        "nonce": 7,
        "flags": [True, 0, [b"\x10", {"deep": 2**64}]],
        "empty": {"list": [], "dict": {}},
        "name": "order",
    }

    assert json_safe(value) == {
        "nonce": "7",
        "flags": [True, "0", ["0x10", {"deep": "18446744073709551616"}]],
        "empty": {"list": [], "dict": {}},
        "name": "order",
    }
    assert value["nonce"] == 7  # the input is not modified


def test_signable_order_survives_json_and_a_wallet_computes_the_api_digest() -> None:
    order = OrderMessage(
        participant=ALICE,
        nonce=3,
        from_hour=495_000,
        until_hour=495_023,
        portfolio={"regular": -0.25, "premium": 1.0},
        curve=((-12.5, 12_345.678), (0.0, 9.0), (4.0, -0.5)),
    )

    out = signable(DOMAIN, order)
    wallet_input = json.loads(json.dumps(out.typed_data))

    message = wallet_input["message"]
    assert message["curvePrices"] == [
        "12345678000000000000000",  # 1.2e22: far beyond 2^53
        "9000000000000000000",
        "-500000000000000000",
    ]
    assert message["weights"] == ["1000000000000000000", "-250000000000000000"]  # by name
    assert message["nonce"] == "3"
    assert wallet_input["domain"]["chainId"] == 31337  # a number, as wallets compare it
    signable_message = encode_typed_data(full_message=wallet_input)
    wallet_digest = keccak(
        b"\x19" + signable_message.version + signable_message.header + signable_message.body
    )
    assert "0x" + wallet_digest.hex() == out.digest == digest(DOMAIN, order)
