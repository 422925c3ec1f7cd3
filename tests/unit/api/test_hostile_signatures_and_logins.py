"""Signatures no key can have made, and sign-in messages edited after they were issued,
are refused with a 4xx naming the field; they never reach a 500 (issue: hostile input).

The signatures are the ones a hostile client sent: r = s = 0x11…11 (no curve point
recovers), r = s = 0, and r = s = 2²⁵⁶ − 1 (beyond the group order)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from api_harness import Market

from flowmarket.signing import LoginMessage, parse_login_message, sign_login

UNRECOVERABLE = {
    "no curve point": "0x" + "11" * 64 + "1b",
    "r and s zero": "0x" + "00" * 64 + "1b",
    "r and s beyond the group order": "0x" + "ff" * 64 + "1c",
}


@pytest.mark.parametrize("signature", UNRECOVERABLE.values(), ids=list(UNRECOVERABLE))
def test_an_order_with_an_unrecoverable_signature_is_a_422_naming_the_signature(
    market: Market, signature: str
) -> None:
    alice = market.wallets[0]
    body = market.body(alice, market.order(alice)) | {"signature": signature}
    response = market.client.post("/v1/orders", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "signature"
    assert "cannot recover a signer" in response.json()["message"]
    assert market.table_counts()["orders"] == 0


@pytest.mark.parametrize("signature", UNRECOVERABLE.values(), ids=list(UNRECOVERABLE))
def test_a_cancel_with_an_unrecoverable_signature_is_a_422_and_the_order_stays_open(
    market: Market, signature: str
) -> None:
    alice = market.wallets[0]
    order_hash = market.submit(alice).json()["order"]["order_hash"]
    body = market.cancel_body(alice, order_hash) | {"signature": signature}
    response = market.client.post(f"/v1/orders/{order_hash}/cancel", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "signature"
    listed = market.client.get("/v1/me/orders", headers=market.login(alice)).json()
    assert [row["status"] for row in listed] == ["open"]


@pytest.mark.parametrize("signature", UNRECOVERABLE.values(), ids=list(UNRECOVERABLE))
def test_a_login_with_an_unrecoverable_signature_is_a_422_and_the_challenge_stays_usable(
    market: Market, signature: str
) -> None:
    alice = market.wallets[0]
    text = market.client.post("/v1/auth/challenge", json={"address": alice.address}).json()
    response = market.client.post(
        "/v1/auth/login", json={"message": text["message"], "signature": signature}
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "signature"
    honest = sign_login(parse_login_message(text["message"]), alice.key.hex())
    again = market.client.post(
        "/v1/auth/login", json={"message": text["message"], "signature": honest}
    )
    assert again.status_code == 200, again.text


def _challenge(market: Market) -> LoginMessage:
    alice = market.wallets[0]
    answer = market.client.post("/v1/auth/challenge", json={"address": alice.address})
    return parse_login_message(answer.json()["message"])


def _login(market: Market, message: LoginMessage) -> tuple[int, dict[str, str]]:
    signature = sign_login(message, market.wallets[0].key.hex())
    response = market.client.post(
        "/v1/auth/login", json={"message": message.text(), "signature": signature}
    )
    return response.status_code, response.json()


@pytest.mark.parametrize(
    "edit",
    [
        {"expires_at": 1},
        {"issued_at": 1},
        {"expires_at": 1_800_000_100 + 10**9},
        {"issued_at": 1_800_000_100 + 60},
    ],
    ids=["expired", "issued long ago", "expiring far later", "issued in the future"],
)
def test_a_live_challenge_whose_times_were_edited_and_signed_by_its_owner_is_refused(
    market: Market, edit: dict[str, int]
) -> None:
    issued = _challenge(market)
    status, body = _login(market, replace(issued, **edit))
    assert status == 401, body
    assert body["field"] == "message"
    status, body = _login(market, issued)  # the challenge as issued still works once
    assert status == 200, body


def test_a_challenge_past_its_own_expiration_time_is_refused(market: Market) -> None:
    issued = _challenge(market)
    market.clock.now = float(issued.expires_at)
    status, body = _login(market, issued)
    assert status == 401
    assert f"Expiration Time {issued.expires_at}" in body["message"]


@pytest.mark.parametrize(
    "edit",
    [{"domain": "evil.example:8000"}, {"uri": "https://evil.example/v1/auth/login"}],
    ids=["domain", "uri"],
)
def test_a_challenge_edited_to_name_another_site_is_refused(
    market: Market, edit: dict[str, str]
) -> None:
    status, body = _login(market, replace(_challenge(market), **edit))
    assert status == 422
    assert body["field"] == "message"
    assert "another domain" in body["message"]
