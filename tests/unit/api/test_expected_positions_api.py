"""A wallet reports its expected positions with a signed EIP-712 message and reads them back
through the private API; the rows land in the table the oracle's collateral rule reads."""

from __future__ import annotations

import pytest
from api_harness import DOMAIN, NOW, OPERATOR_KEY, Market
from eth_account import Account
from sqlmodel import Session

from flowmarket.db import oracle_repo
from flowmarket.db.models import Product
from flowmarket.signing import ReceiptMessage, recover

IN_DELIVERY = "rt:eu-west:premium:2027-01-15T08"  # NOW is 100 s into this hour
OPEN = "rt:eu-west:premium:2027-01-15T09"
MONTH = "fwd-m:eu-west:premium:2027-01:20:wd"  # delivers later this month
ODD = "rt:eu-west:premium:2027-13-45T99"  # a catalogue entry with no readable delivery hour


def oracle_view(market: Market, address: str) -> dict[str, float]:
    with Session(market.engine) as session:
        return oracle_repo.expected_positions(session, participants=[address])[address]


def test_a_signed_report_is_what_the_oracle_reads_and_the_owner_sees(market: Market) -> None:
    alice = market.wallets[0]

    response = market.report_expected(alice, {"premium-eu": 5.0, "regular-eu": -2.5})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["duplicate"] is False
    assert body["report"]["positions"] == {"premium-eu": 5.0, "regular-eu": -2.5}
    assert oracle_view(market, alice.address) == {"premium-eu": 5.0, "regular-eu": -2.5}
    mine = market.client.get("/v1/me/expected-positions", headers=market.login(alice)).json()
    assert mine["participant"] == alice.address
    assert (mine["last_nonce"], mine["next_nonce"]) == (1, 2)
    assert [(p["product"], p["quantity"]) for p in mine["positions"]] == [
        ("premium-eu", 5.0),
        ("regular-eu", -2.5),
    ]
    assert mine["positions"][0]["reported_at"] == NOW
    assert body["expected"] == mine


def test_the_receipt_is_signed_by_the_operator_over_the_report_id(market: Market) -> None:
    alice = market.wallets[0]
    body = market.report_expected(alice, {"premium-eu": 1.0}).json()
    receipt = body["receipt"]
    message = ReceiptMessage(
        receipt["order_hash"], alice.address, 1, "expected-positions", receipt["recorded_at"]
    )

    signer = recover(DOMAIN, message, bytes.fromhex(receipt["signature"][2:]))

    assert receipt["order_hash"] == body["report"]["report_hash"]
    assert signer == receipt["operator"] == Account.from_key(OPERATOR_KEY).address


def test_a_later_report_changes_only_the_products_it_names_and_zero_withdraws_one(
    market: Market,
) -> None:
    alice, bob = market.wallets[:2]
    market.report_expected(alice, {"premium-eu": 5.0, "regular-eu": -2.5, "fast-us": 1.0})
    market.report_expected(bob, {"premium-eu": 7.0})
    market.clock.now += 60

    response = market.report_expected(
        alice, {"premium-eu": 6.0, "fast-us": 0.0}, nonce=2, deadline=int(NOW) + 900
    )

    assert response.status_code == 200, response.text
    assert oracle_view(market, alice.address) == {"premium-eu": 6.0, "regular-eu": -2.5}
    assert oracle_view(market, bob.address) == {"premium-eu": 7.0}
    times = {p["product"]: p["reported_at"] for p in response.json()["expected"]["positions"]}
    assert times == {"premium-eu": NOW + 60, "regular-eu": NOW}


def test_the_same_signed_report_again_is_idempotent_even_after_a_newer_one(
    market: Market,
) -> None:
    alice = market.wallets[0]
    first = market.expected_body(alice, {"premium-eu": 5.0}, nonce=3)
    accepted = market.client.post("/v1/expected-positions", json=first).json()
    market.report_expected(alice, {"premium-eu": 9.0}, nonce=4)
    before = market.table_counts()

    again = market.client.post("/v1/expected-positions", json=first)

    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["receipt"] == accepted["receipt"]
    assert oracle_view(market, alice.address) == {"premium-eu": 9.0}
    assert market.table_counts() == before


@pytest.mark.parametrize("nonce", [4, 2])
def test_a_used_or_stale_nonce_with_other_quantities_is_refused_and_changes_nothing(
    market: Market, nonce: int
) -> None:
    alice = market.wallets[0]
    market.report_expected(alice, {"premium-eu": 5.0}, nonce=4)
    before = market.table_counts()

    response = market.report_expected(alice, {"premium-eu": 1.0}, nonce=nonce)

    assert response.status_code == 409
    assert response.json()["field"] == "report.nonce"
    assert "last accepted report nonce is 4" in response.json()["message"]
    assert oracle_view(market, alice.address) == {"premium-eu": 5.0}
    assert market.table_counts() == before


def test_report_nonces_are_separate_from_order_nonces(market: Market) -> None:
    alice = market.wallets[0]
    assert market.submit(alice, nonce=0).status_code == 200

    assert market.report_expected(alice, {"premium-eu": 2.0}, nonce=0).status_code == 200
    assert market.submit(alice, nonce=1).status_code == 200


def test_real_catalogue_products_are_accepted_until_delivered(market: Market) -> None:
    from flowmarket.db import orders_repo

    with Session(market.engine) as session:
        orders_repo.upsert_products(
            session, products=[Product(name=n) for n in (IN_DELIVERY, OPEN, MONTH, ODD)]
        )
    alice = market.wallets[0]

    delivered = market.report_expected(alice, {OPEN: 1.0, IN_DELIVERY: 2.0})
    accepted = market.report_expected(alice, {OPEN: 1.0, MONTH: -3.0, ODD: 0.5})

    assert delivered.status_code == 422
    assert delivered.json()["field"] == f"report.positions.{IN_DELIVERY}"
    assert "already delivered" in delivered.json()["message"]
    assert accepted.status_code == 200, accepted.text
    assert oracle_view(market, alice.address) == {OPEN: 1.0, MONTH: -3.0, ODD: 0.5}


def test_reading_expected_positions_needs_sign_in_and_downloads_as_csv(market: Market) -> None:
    alice, bob = market.wallets[:2]
    market.report_expected(alice, {"premium-eu": 5.0})
    assert market.client.get("/v1/me/expected-positions").status_code == 401

    csv = market.client.get(
        "/v1/me/expected-positions?format=csv", headers=market.login(alice)
    ).text
    empty = market.client.get("/v1/me/expected-positions", headers=market.login(bob)).json()

    assert csv.splitlines() == ["product,quantity,reported_at", f"premium-eu,5.0,{NOW}"]
    assert empty == {
        "participant": bob.address,
        "last_nonce": None,
        "next_nonce": 0,
        "positions": [],
    }


def test_the_openapi_example_is_a_real_signed_report(market: Market) -> None:
    from flowmarket.api.expected_schemas import EXAMPLE_EXPECTED

    spec = market.client.get("/openapi.json").json()
    schema = spec["components"]["schemas"]["SignedExpectedPositionsIn"]

    accepted = market.client.post("/v1/expected-positions", json=EXAMPLE_EXPECTED)

    assert schema["examples"] == [EXAMPLE_EXPECTED]
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["report"]["report_hash"] == (
        "0x9effa54f7e21170a2a79464649e47914d9fb220ea34a9921d3ecfb54b2a09bd0"
    )
    assert "/v1/me/expected-positions" in spec["paths"]
