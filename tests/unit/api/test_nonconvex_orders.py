"""Non-convex orders through the API: signed as `NonConvexOrder`, strict parsing naming
the field, stored with their terms, refused in a batch, and the hours that accepted or
rejected them in the order's status."""

from __future__ import annotations

from typing import Any

import pytest
from api_harness import DOMAIN, OPEN_HOUR, Market
from sqlmodel import Session

from flowmarket.client.bodies import order_body
from flowmarket.db import orders_repo
from flowmarket.db.models import HourOrder
from flowmarket.signing import NonConvexTerms, digest

BLOCK = NonConvexTerms("all_or_nothing", quantity=10.0, price=45.5)


def post(market: Market, account: Any, body: dict[str, Any]) -> Any:
    return market.client.post("/v1/orders", json=body)


def test_a_block_order_is_accepted_with_its_digest_and_stored_with_its_terms(
    market: Market,
) -> None:
    alice = market.wallets[0]
    order = market.order(
        alice, curve=(), terms=BLOCK, portfolio={"premium-eu": 1.0, "fast-us": 1.0}
    )
    response = post(market, alice, market.body(alice, order))
    assert response.status_code == 200, response.text
    out = response.json()["order"]
    assert out["order_hash"] == digest(DOMAIN, order)
    assert out["terms"] == {"kind": "all_or_nothing", "quantity": 10.0, "price": 45.5}
    assert out["outcomes"] == []
    with Session(market.engine) as session:
        standing = orders_repo.standing_orders(session, hour=OPEN_HOUR)
    assert [o.terms for o in standing] == [BLOCK.as_json()]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": None}, "order.quantity"),
        ({"price": None}, "order.price"),
        ({"min_quantity": 5.0}, "order.min_quantity"),
        ({"quantity": 0.0}, "order.quantity"),
        ({"curve": [[-5.0, 12.0], [10.0, 4.0]]}, "order.curve"),
        ({"kind": "iceberg"}, "order.kind"),
        ({"fixed_cost": 3.0}, "order.fixed_cost"),
    ],
)
def test_a_bad_block_is_refused_naming_the_field(
    market: Market, changes: dict[str, Any], field: str
) -> None:
    alice = market.wallets[0]
    body = order_body(DOMAIN, market.order(alice, curve=(), terms=BLOCK), alice.key.hex())
    body["order"] = {k: v for k, v in {**body["order"], **changes}.items() if v is not None}
    response = post(market, alice, body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_a_curve_order_with_a_kind_field_is_refused(market: Market) -> None:
    alice = market.wallets[0]
    body = market.body(alice, market.order(alice))
    body["order"]["quantity"] = 3.0
    response = post(market, alice, body)
    assert response.status_code == 422
    assert response.json()["field"] == "order.quantity"


def test_min_fill_and_startup_orders_are_checked_against_their_curve(market: Market) -> None:
    alice = market.wallets[0]
    sells = ((-50.0, 12.0), (0.0, 10.0))
    fill = market.order(alice, curve=sells, terms=NonConvexTerms("min_fill", min_quantity=20.0))
    assert post(market, alice, market.body(alice, fill)).status_code == 200
    too_big = market.order(
        alice, nonce=2, curve=sells, terms=NonConvexTerms("min_fill", min_quantity=60.0)
    )
    response = post(market, alice, market.body(alice, too_big))
    assert response.status_code == 422
    assert response.json()["field"] == "order.min_quantity"
    both_sides = market.order(
        alice, nonce=3, terms=NonConvexTerms("min_fill", min_quantity=1.0)
    )  # the default curve buys and sells
    response = post(market, alice, market.body(alice, both_sides))
    assert response.status_code == 422
    assert response.json()["field"] == "order.curve"
    startup = market.order(
        alice, nonce=4, curve=sells, terms=NonConvexTerms("startup", fixed_cost=30.0)
    )
    assert post(market, alice, market.body(alice, startup)).status_code == 200
    negative = market.order(
        alice, nonce=5, curve=sells, terms=NonConvexTerms("startup", fixed_cost=-1.0)
    )
    response = post(market, alice, market.body(alice, negative))
    assert response.json()["field"] == "order.fixed_cost"


def test_a_signature_over_other_terms_is_refused(market: Market) -> None:
    alice = market.wallets[0]
    body = market.body(alice, market.order(alice, curve=(), terms=BLOCK))
    body["order"]["price"] = 90.0  # signed at 45.5
    response = post(market, alice, body)
    assert response.status_code == 422
    assert response.json()["field"] == "signature"


def test_the_order_status_shows_each_hour_that_accepted_or_rejected_it(market: Market) -> None:
    alice = market.wallets[0]
    order = market.order(alice, curve=(), terms=BLOCK)
    order_hash = post(market, alice, market.body(alice, order)).json()["order"]["order_hash"]
    with Session(market.engine) as session:
        session.add(
            HourOrder(
                hour=OPEN_HOUR,
                order_hash=order_hash,
                participant=alice.address,
                quantity=0.0,
                accepted=False,
            )
        )
        session.add(
            HourOrder(
                hour=OPEN_HOUR + 1,
                order_hash=order_hash,
                participant=alice.address,
                quantity=10.0,
                accepted=True,
            )
        )
        session.commit()
    headers = market.login(alice)
    listed = market.client.get("/v1/me/orders", headers=headers).json()
    assert listed[0]["outcomes"] == [
        {"hour": OPEN_HOUR, "accepted": False, "quantity": 0.0, "portfolios": None},
        {"hour": OPEN_HOUR + 1, "accepted": True, "quantity": 10.0, "portfolios": None},
    ]
    one = market.client.get(f"/v1/me/orders/{order_hash}", headers=headers).json()
    assert one["outcomes"] == listed[0]["outcomes"]


def test_a_batch_carrying_a_non_convex_order_is_refused_naming_it(market: Market) -> None:
    from batch_harness import batch_body

    alice = market.wallets[0]
    body = batch_body(alice, [market.order(alice), market.order(alice, nonce=2)])
    body["batch"]["orders"][1].update({"kind": "all_or_nothing", "quantity": 1.0, "price": 2.0})
    response = market.client.post("/v1/orders/batch", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "batch.orders[1].kind"
    assert market.table_counts()["orders"] == 0
