"""POST /v1/authorisations, .../cancel and GET /v1/me/authorisations: signed limits on one
portfolio, parsed strictly, stored once, replaced and cancelled like orders."""

from __future__ import annotations

from typing import Any

import pytest
from api_harness import DOMAIN, OPEN_HOUR, OPERATOR_KEY, Market
from eth_account import Account
from eth_account.signers.local import LocalAccount

from flowmarket.client.bodies import authorisation_body, cancel_body
from flowmarket.signing import (
    AuthorisationMessage,
    CancelMessage,
    Domain,
    ReceiptMessage,
    digest,
    recover,
)


def message(account: LocalAccount, **changes: Any) -> AuthorisationMessage:
    values: dict[str, Any] = {
        "participant": account.address,
        "nonce": 1,
        "from_hour": OPEN_HOUR,
        "until_hour": OPEN_HOUR + 10,
        "portfolio": {"premium-eu": 1.0},
        "max_rate": 3.0,
        "min_position": -2.5,
    }
    values.update(changes)
    return AuthorisationMessage(**values)


def submit(market: Market, account: LocalAccount, **changes: Any) -> Any:
    body = authorisation_body(DOMAIN, message(account, **changes), account.key.hex())
    return market.client.post("/v1/authorisations", json=body)


def test_a_signed_authorisation_is_stored_listed_with_bounds_and_receipted(
    market: Market,
) -> None:
    alice = market.wallets[0]
    response = submit(market, alice)
    assert response.status_code == 200, response.text
    body = response.json()
    auth_hash = digest(DOMAIN, message(alice))
    assert body["authorisation"]["auth_hash"] == auth_hash
    assert body["authorisation"]["status"] == "live"
    assert body["authorisation"]["max_rate"] == 3.0
    assert body["authorisation"]["min_rate"] is None
    receipt = body["receipt"]
    signed = ReceiptMessage(auth_hash, alice.address, 1, "authorised", receipt["recorded_at"])
    signer = recover(DOMAIN, signed, bytes.fromhex(receipt["signature"][2:]))
    assert signer == Account.from_key(OPERATOR_KEY).address
    again = submit(market, alice)
    assert again.json()["duplicate"] is True
    assert again.json()["receipt"] == receipt
    listed = market.client.get("/v1/me/authorisations", headers=market.login(alice)).json()
    (only,) = listed["authorisations"]
    assert only["auth_hash"] == auth_hash
    # no position yet: the next clearing's bounds are [−2.5, 3] exactly as signed
    assert only["next_bounds"] == {"min_rate": -2.5, "max_rate": 3.0}
    assert only["position"] == {"min_rate": 0.0, "max_rate": 0.0}


def test_a_second_one_over_the_same_portfolio_must_replace_the_first(market: Market) -> None:
    alice = market.wallets[0]
    first = submit(market, alice).json()["authorisation"]["auth_hash"]
    # twice the portfolio is the same portfolio: refused while the first is live
    clash = submit(market, alice, nonce=2, portfolio={"premium-eu": 2.0})
    assert clash.status_code == 409
    assert clash.json()["field"] == "authorisation.portfolio"
    replaced = submit(market, alice, nonce=2, portfolio={"premium-eu": 2.0}, replaces=first)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["cancel_receipt"]["order_hash"] == first
    assert replaced.json()["cancel_receipt"]["action"] == "cancelled"
    listed = market.client.get("/v1/me/authorisations", headers=market.login(alice)).json()
    assert [a["status"] for a in listed["authorisations"]] == ["live", "replaced"]
    # another portfolio is independent
    other = submit(market, alice, nonce=3, portfolio={"premium-eu": 1.0, "regular-eu": 1.0})
    assert other.status_code == 200, other.text
    stale = submit(market, alice, nonce=4, replaces=first)
    assert stale.status_code == 409
    assert stale.json()["field"] == "authorisation.replaces"


def test_cancel_needs_the_participants_signature_and_is_idempotent(market: Market) -> None:
    alice, bob = market.wallets[:2]
    auth_hash = submit(market, alice).json()["authorisation"]["auth_hash"]
    forged = cancel_body(DOMAIN, CancelMessage(alice.address, auth_hash), bob.key.hex())
    refused = market.client.post(f"/v1/authorisations/{auth_hash}/cancel", json=forged)
    assert refused.status_code == 422
    assert refused.json()["field"] == "signature"
    body = cancel_body(DOMAIN, CancelMessage(alice.address, auth_hash), alice.key.hex())
    first = market.client.post(f"/v1/authorisations/{auth_hash}/cancel", json=body)
    assert first.status_code == 200, first.text
    assert first.json()["authorisation"]["status"] == "cancelled"
    second = market.client.post(f"/v1/authorisations/{auth_hash}/cancel", json=body)
    assert second.json()["cancel_receipt"] == first.json()["cancel_receipt"]
    # its portfolio is free again
    assert submit(market, alice, nonce=2).status_code == 200


def test_another_authorisation_reusing_a_nonce_is_refused(market: Market) -> None:
    alice = market.wallets[0]
    submit(market, alice)
    response = submit(market, alice, portfolio={"regular-eu": 1.0})
    assert response.status_code == 409
    assert response.json()["field"] == "authorisation.nonce"


CASES: list[tuple[str, dict[str, Any], str]] = [
    ("no limit", {"max_rate": None, "min_position": None}, "authorisation"),
    ("min_rate above 0", {"min_rate": 1.0}, "authorisation.min_rate"),
    ("max_rate below 0", {"max_rate": -1.0}, "authorisation.max_rate"),
    ("positions crossed", {"min_position": 5.0, "max_position": 4.0}, "authorisation.min_position"),
    ("unknown product", {"portfolio": {"gold-mars": 1.0}}, "authorisation.portfolio.gold-mars"),
    ("zero weight", {"portfolio": {"premium-eu": 0.0}}, "authorisation.portfolio.premium-eu"),
    ("empty portfolio", {"portfolio": {}}, "authorisation.portfolio"),
    (
        "expired",
        {"from_hour": OPEN_HOUR - 5, "until_hour": OPEN_HOUR - 1},
        "authorisation.until_hour",
    ),
    ("huge", {"max_rate": 1e12}, "authorisation.max_rate"),
]


@pytest.mark.parametrize(("name", "changes", "field"), CASES, ids=[c[0] for c in CASES])
def test_bad_authorisations_name_the_field_and_store_nothing(
    market: Market, name: str, changes: dict[str, Any], field: str
) -> None:
    alice = market.wallets[0]
    before = market.table_counts()
    response = submit(market, alice, **changes)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field, response.json()
    assert market.table_counts() == before


def test_strict_parsing_refuses_unknown_keys_strings_and_other_domains(market: Market) -> None:
    alice = market.wallets[0]
    good = authorisation_body(DOMAIN, message(alice), alice.key.hex())
    inexact = {
        **good,
        "authorisation": {**good["authorisation"], "max_rate": 1.2345678901234567e-05},
    }
    response = market.client.post("/v1/authorisations", json=inexact)
    assert response.status_code == 422
    assert response.json()["field"] == "authorisation.max_rate"
    assert "more than 18 decimals" in response.json()["message"]
    unknown = {**good, "authorisation": {**good["authorisation"], "max_trade": 1.0}}
    assert market.client.post("/v1/authorisations", json=unknown).status_code == 422
    text = {**good, "authorisation": {**good["authorisation"], "max_rate": "3"}}
    assert market.client.post("/v1/authorisations", json=text).status_code == 422
    outer = {**good, "limits": {}}
    assert market.client.post("/v1/authorisations", json=outer).status_code == 422
    elsewhere = authorisation_body(
        Domain(1, DOMAIN.verifying_contract), message(alice), alice.key.hex()
    )
    wrong = {**elsewhere, "chain_id": DOMAIN.chain_id}
    response = market.client.post("/v1/authorisations", json=wrong)
    assert response.status_code == 422
    assert response.json()["field"] == "signature"
    assert market.table_counts()["authorisations"] == 0
