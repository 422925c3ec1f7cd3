"""The EIP-712 `ExpectedPositions` report: its documented type string, the fast encoder
against eth-account's generic one, a known answer, and recovery only on the same domain."""

from __future__ import annotations

from eth_account import Account
from eth_account._utils.encode_typed_data.encoding_and_hashing import encode_type
from eth_utils.crypto import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from flowmarket.signing import Domain, ExpectedPositionsMessage, digest, recover, sign, typed_data
from flowmarket.signing.expected_positions import EXPECTED_POSITIONS_TYPE_STRING
from flowmarket.signing.typed_data import reference_digest

DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
KEY = "0x" + "42" * 32
ALICE = Account.from_key(KEY).address
REPORT = ExpectedPositionsMessage(
    ALICE, 3, 1_800_003_600, {"regular-eu": -2.5, "premium-eu": 5.0, "fast-us": 0.0}
)


def test_typed_data_fields_spell_the_documented_type_string() -> None:
    document = typed_data(DOMAIN, REPORT)
    assert document["primaryType"] == "ExpectedPositions"
    assert encode_type("ExpectedPositions", document["types"]) == EXPECTED_POSITIONS_TYPE_STRING


def test_type_hash_and_digest_known_answers() -> None:
    assert (
        "0x" + keccak(text=EXPECTED_POSITIONS_TYPE_STRING).hex()
        == "0xf38d302ee606229f38830c9f119f9adf6b9644c8dc67720310d6368cbcbe4e17"
    )
    assert digest(DOMAIN, REPORT) == reference_digest(DOMAIN, REPORT)
    # Regression anchor for third-party clients (and the OpenAPI example's report id).
    example = ExpectedPositionsMessage(
        "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
        1,
        1_800_003_600,
        {"premium-eu": 5.0, "regular-eu": -2.5},
    )
    assert digest(DOMAIN, example) == (
        "0x9effa54f7e21170a2a79464649e47914d9fb220ea34a9921d3ecfb54b2a09bd0"
    )


@settings(max_examples=40, deadline=None)
@given(
    positions=st.dictionaries(
        st.text(min_size=1, max_size=20),
        st.decimals(min_value=-(10**9), max_value=10**9, places=6, allow_nan=False).map(float),
        max_size=6,
    ),
    nonce=st.integers(min_value=0, max_value=2**63 - 1),
    deadline=st.integers(min_value=0, max_value=2**63 - 1),
)
def test_fast_encoder_matches_eth_account_on_random_reports(
    positions: dict[str, float], nonce: int, deadline: int
) -> None:
    report = ExpectedPositionsMessage(ALICE, nonce, deadline, positions)
    assert digest(DOMAIN, report) == reference_digest(DOMAIN, report)


def test_the_order_of_products_does_not_change_the_digest() -> None:
    shuffled = ExpectedPositionsMessage(
        ALICE, REPORT.nonce, REPORT.deadline, dict(reversed(REPORT.positions.items()))
    )
    assert digest(DOMAIN, shuffled) == digest(DOMAIN, REPORT)


def test_a_signature_recovers_the_signer_only_on_the_same_domain() -> None:
    signature = bytes.fromhex(sign(DOMAIN, REPORT, KEY)[2:])
    other = Domain(1, DOMAIN.verifying_contract)
    assert recover(DOMAIN, REPORT, signature) == ALICE
    assert recover(other, REPORT, signature) != ALICE
