"""Submitting, replaying, replacing and cancelling signed orders; receipts."""

from __future__ import annotations

from api_harness import DOMAIN, OPEN_HOUR, OPERATOR_KEY, Market
from eth_account import Account
from sqlmodel import Session

from flowmarket.db import orders_repo
from flowmarket.signing import Domain, ReceiptMessage, digest, recover


def test_accepts_a_signed_order_and_returns_an_operator_signed_receipt(market: Market) -> None:
    alice = market.wallets[0]
    response = market.submit(alice)
    assert response.status_code == 200, response.text
    body = response.json()
    order_hash = digest(DOMAIN, market.order(alice))
    assert body["order"]["order_hash"] == order_hash
    assert body["order"]["status"] == "open"
    receipt = body["receipt"]
    message = ReceiptMessage(order_hash, alice.address, 1, "accepted", receipt["recorded_at"])
    signer = recover(DOMAIN, message, bytes.fromhex(receipt["signature"][2:]))
    assert signer == Account.from_key(OPERATOR_KEY).address == receipt["operator"]


def test_same_signed_order_twice_is_idempotent(market: Market) -> None:
    alice = market.wallets[0]
    first = market.submit(alice).json()
    market.clock.now += 30
    second = market.submit(alice)
    assert second.status_code == 200
    assert second.json()["duplicate"] is True
    assert second.json()["receipt"] == first["receipt"]
    assert market.table_counts()["orders"] == 1


def test_rejects_a_different_order_that_reuses_a_nonce(market: Market) -> None:
    alice = market.wallets[0]
    market.submit(alice)
    response = market.submit(alice, curve=((-1.0, 20.0), (1.0, 2.0)))
    assert response.status_code == 409
    assert response.json()["field"] == "order.nonce"


def test_rejects_an_order_signed_for_another_chain(market: Market) -> None:
    alice = market.wallets[0]
    order = market.order(alice)
    body = market.body(alice, order, domain=Domain(1, DOMAIN.verifying_contract))
    response = market.client.post("/v1/orders", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == "signature"
    body["chain_id"] = 1
    response = market.client.post("/v1/orders", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == "chain_id"


def test_rejects_an_order_signed_by_someone_else(market: Market) -> None:
    alice, bob = market.wallets[:2]
    body = market.body(bob, market.order(alice))
    response = market.client.post("/v1/orders", json=body)
    assert response.status_code == 422
    assert "not by participant" in response.json()["message"]


def test_rejects_an_expired_order(market: Market) -> None:
    alice = market.wallets[0]
    response = market.submit(alice, from_hour=OPEN_HOUR - 5, until_hour=OPEN_HOUR - 1)
    assert response.status_code == 422
    assert response.json()["field"] == "order.until_hour"
    assert "expired" in response.json()["message"]


def test_rejects_nonces_invalidated_on_chain(market: Market) -> None:
    alice = market.wallets[0]
    with Session(market.engine) as session:
        orders_repo.raise_min_nonce(
            session, participant=alice.address, min_nonce=5, recorded_at=0.0, source="chain"
        )
    response = market.submit(alice, nonce=4)
    assert response.status_code == 422
    assert response.json()["field"] == "order.nonce"
    assert market.submit(alice, nonce=5).status_code == 200


def test_cancel_is_signed_idempotent_and_receipted(market: Market) -> None:
    alice, bob = market.wallets[:2]
    order_hash = market.submit(alice).json()["order"]["order_hash"]
    forged = market.client.post(
        f"/v1/orders/{order_hash}/cancel",
        json=market.cancel_body(bob, order_hash) | {"participant": alice.address},
    )
    assert forged.status_code == 422
    response = market.client.post(
        f"/v1/orders/{order_hash}/cancel", json=market.cancel_body(alice, order_hash)
    )
    assert response.status_code == 200
    assert response.json()["order"]["status"] == "cancelled"
    cancel_receipt = response.json()["cancel_receipt"]
    assert cancel_receipt["action"] == "cancelled"
    market.clock.now += 60
    again = market.client.post(
        f"/v1/orders/{order_hash}/cancel", json=market.cancel_body(alice, order_hash)
    )
    assert again.json()["cancel_receipt"] == cancel_receipt


def test_replacement_cancels_the_old_order_atomically(market: Market) -> None:
    alice = market.wallets[0]
    old = market.submit(alice).json()["order"]["order_hash"]
    order = market.order(alice, nonce=2, replaces=old, curve=((-2.0, 11.0), (2.0, 5.0)))
    response = market.client.post(f"/v1/orders/{old}/replace", json=market.body(alice, order))
    assert response.status_code == 200, response.text
    assert response.json()["cancel_receipt"]["order_hash"] == old
    headers = market.login(alice)
    listed = market.client.get("/v1/me/orders", params={"status": "all"}, headers=headers).json()
    status = {row["order_hash"]: row["status"] for row in listed}
    assert status[old] == "replaced"
    assert status[response.json()["order"]["order_hash"]] == "open"
    again = market.order(alice, nonce=3, replaces=old)
    conflict = market.client.post("/v1/orders", json=market.body(alice, again))
    assert conflict.status_code == 409
    assert conflict.json()["field"] == "order.replaces"


def test_limits_open_orders_per_participant(market: Market) -> None:
    alice = market.wallets[0]
    for nonce in range(5):
        assert market.submit(alice, nonce=nonce).status_code == 200
    response = market.submit(alice, nonce=99)
    assert response.status_code == 422
    assert response.json()["field"] == "order"


def test_next_nonce_follows_the_highest_used(market: Market) -> None:
    alice = market.wallets[0]
    market.submit(alice, nonce=7)
    body = market.client.get(f"/v1/nonces/{alice.address}").json()
    assert body == {"participant": alice.address, "min_valid_nonce": 0, "next_nonce": 8}


def test_the_openapi_examples_are_real_signed_requests(market: Market) -> None:
    from flowmarket.api.schemas import EXAMPLE_CANCEL, EXAMPLE_ORDER

    spec = market.client.get("/openapi.json").json()
    assert spec["components"]["schemas"]["SignedOrderIn"]["examples"] == [EXAMPLE_ORDER]
    market.clock.now = 500_000 * 3600.0
    accepted = market.client.post("/v1/orders", json=EXAMPLE_ORDER)
    assert accepted.status_code == 200, accepted.text
    order_hash = accepted.json()["order"]["order_hash"]
    assert order_hash == "0xa371181e5c82d61fced4f9528181068f27cc623222042c8051e509b157853716"
    cancelled = market.client.post(f"/v1/orders/{order_hash}/cancel", json=EXAMPLE_CANCEL)
    assert cancelled.json()["order"]["status"] == "cancelled"


def test_an_unreachable_database_answers_503_not_500(market: Market) -> None:
    from flowmarket.api.app import create_app
    from flowmarket.backend.participation import SqlBackend
    from flowmarket.db.engine import make_engine

    broken = make_engine("postgresql://nobody:nothing@127.0.0.1:9/none?connect_timeout=1")
    app = create_app(
        backend=SqlBackend(broken),
        domain=DOMAIN,
        operator_key=OPERATOR_KEY,
        token_secret=b"s",
        clock=market.clock,
    )
    from fastapi.testclient import TestClient

    alice = market.wallets[0]
    with TestClient(app) as client:
        response = client.post("/v1/orders", json=market.body(alice, market.order(alice)))
    assert response.status_code == 503
    assert "nothing was stored" in response.json()["message"]


def test_accepts_signed_flat_and_one_point_curves_and_refuses_a_rising_one(
    market: Market,
) -> None:
    """The signed order takes the engine's curve language: a limit order (flat piece) and
    a one-point curve are stored as signed; a price that rises is a 422 naming the point."""
    alice = market.wallets[0]
    limit = market.submit(alice, curve=((-1.0, 7.5), (0.0, 7.5)))
    assert limit.status_code == 200, limit.text
    assert limit.json()["order"]["curve"] == [[-1.0, 7.5], [0.0, 7.5]]
    fixed = market.submit(alice, nonce=2, curve=((0.0, 3.0),))
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["order"]["curve"] == [[0.0, 3.0]]
    rising = market.submit(alice, nonce=3, curve=((-1.0, 7.5), (0.0, 7.5), (1.0, 8.0)))
    assert rising.status_code == 422
    assert rising.json()["field"] == "order.curve[2][1]"
    assert market.table_counts()["orders"] == 2
