"""The `Authorisation` EIP-712 message: our byte packing equals eth-account's generic
encoder (what a wallet signs), limits not set are the int256 extremes, and a signature
recovers to its participant."""

from __future__ import annotations

import pytest
from eth_account import Account

from flowmarket.errors import FieldError
from flowmarket.signing import AuthorisationMessage, Domain, digest, recover, sign
from flowmarket.signing.authorisation import AUTHORISATION_TYPE_STRING, NO_MAX, NO_MIN
from flowmarket.signing.typed_data import reference_digest, typed_data

DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
KEY = "0x" + "0c" * 32
WHO = Account.from_key(KEY).address

MESSAGES = [
    AuthorisationMessage(WHO, 0, 10, 20, {"premium-eu": 1.0}, max_rate=3.0),
    AuthorisationMessage(
        WHO,
        7,
        10,
        20,
        {"regular-eu": -0.5, "premium-eu": 2.0},
        -1.0,
        4.0,
        -2.5,
        12.25,
        replaces="0x" + "ab" * 32,
    ),
    AuthorisationMessage(WHO, 1, 0, 2**40, {"fast-us": 1e-18}, min_position=-(10**9)),
]


@pytest.mark.parametrize("message", MESSAGES)
def test_the_digest_is_the_generic_encoders_and_the_signature_recovers(
    message: AuthorisationMessage,
) -> None:
    assert digest(DOMAIN, message) == reference_digest(DOMAIN, message)
    signature = bytes.fromhex(sign(DOMAIN, message, KEY)[2:])
    assert recover(DOMAIN, message, signature) == WHO


def test_limits_not_set_are_the_int256_extremes_and_set_ones_fixed_point() -> None:
    struct = typed_data(DOMAIN, MESSAGES[0])["message"]
    assert (struct["minRate"], struct["maxRate"]) == (NO_MIN, 3 * 10**18)
    assert (struct["minPosition"], struct["maxPosition"]) == (-(2**255), 2**255 - 1)
    assert AUTHORISATION_TYPE_STRING.startswith("Authorisation(address participant,")
    document = typed_data(DOMAIN, MESSAGES[0])
    assert [f["name"] for f in document["types"]["Authorisation"]][-4:] == [
        "minRate", "maxRate", "minPosition", "maxPosition",
    ]  # fmt: skip
    assert NO_MAX == 2**255 - 1


def test_a_limit_with_more_than_18_decimals_is_named() -> None:
    message = AuthorisationMessage(WHO, 0, 10, 20, {"premium-eu": 1.0}, max_rate=1.2345e-19)
    with pytest.raises(FieldError) as error:
        digest(DOMAIN, message)
    assert error.value.field == "authorisation.max_rate"
