"""Portfolio orders through the API (docs/portfolios.md): one curve over several named
portfolios, signed as `PortfolioOrder`, strict parsing naming each bad field, stored with
their portfolios, refused in a batch, counted portfolio by portfolio in the governed
limits and the collateral worst case, and each portfolio's rate in the order's outcomes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_harness import DOMAIN, OPEN_HOUR, Market
from batch_harness import batch_body
from sqlmodel import Session
from test_order_economics import ALICE, BOB, RULES, _serve

from flowmarket.client.bodies import order_body
from flowmarket.db import orders_repo
from flowmarket.db.models import HourOrder
from flowmarket.signing import NamedPortfolio, digest, typed_data

EAST = NamedPortfolio("east", 1.0, {"fast-us": 1.0})
WEST = NamedPortfolio("west", 1.0, {"premium-eu": 1.0})
TOGETHER = ((0.0, 5.0), (1.0, 5.0))  # up to 1 GB/h of east and west together at up to 5


@pytest.fixture
def market(tmp_path: Path) -> Iterator[Market]:
    """The economics harness: 1 000 GB/h per order, 2 500 per participant, 50 tokens per
    GB, margins 10 % + 20 %; Alice holds 10 000 tokens, Bob 36."""
    yield from _serve(tmp_path, RULES)


def together(market: Market, account: Any = ALICE, **changes: Any) -> Any:
    values: dict[str, Any] = {"portfolio": {}, "curve": TOGETHER, "portfolios": (EAST, WEST)}
    return market.order(account, **{**values, **changes})


def test_a_curve_over_two_portfolios_is_accepted_with_its_digest_and_stored(
    market: Market,
) -> None:
    order = together(market)
    assert typed_data(DOMAIN, order)["primaryType"] == "PortfolioOrder"
    response = market.client.post("/v1/orders", json=market.body(ALICE, order))
    assert response.status_code == 200, response.text
    out = response.json()["order"]
    assert out["order_hash"] == digest(DOMAIN, order)
    assert out["portfolio"] == {}
    assert out["portfolios"] == [
        {"name": "east", "weight": 1.0, "products": {"fast-us": 1.0}},
        {"name": "west", "weight": 1.0, "products": {"premium-eu": 1.0}},
    ]
    with Session(market.engine) as session:
        (standing,) = orders_repo.standing_orders(session, hour=OPEN_HOUR)
    assert standing.portfolios == out["portfolios"] and standing.portfolio == {}
    assert standing.products() == {"fast-us", "premium-eu"}


def _bad(body: dict[str, Any], change: Any) -> dict[str, Any]:
    order = body["order"]
    change(order)
    return body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda o: o["portfolios"][1].update(name="east"), "order.portfolios[1].name"),
        (lambda o: o["portfolios"][1].update(name="we st"), "order.portfolios.1.name"),
        (lambda o: o["portfolios"][0].update(weight=0.0), "order.portfolios[0].weight"),
        (
            lambda o: o["portfolios"][1]["products"].update({"fast-us": 1.0}),
            "order.portfolios[1].products.fast-us",
        ),
        (lambda o: o["portfolios"][1]["products"].update({"nope": 1.0}), None),
        (
            lambda o: o["portfolios"][0]["products"].update({"fast-us": 0.0}),
            "order.portfolios[0].products.fast-us",
        ),
        (lambda o: o["portfolios"][0].update(products={}), "order.portfolios[0].products"),
        (lambda o: o.update(portfolios=[]), "order.portfolios"),
        (lambda o: o.update(portfolio={"fast-us": 1.0}), "order.portfolio"),
        (lambda o: o.update(kind="min_fill", min_quantity=0.5), "order.kind"),
        (lambda o: o["portfolios"][0].update(colour="red"), "order.portfolios.0.colour"),
        (lambda o: o.update(curve=[[0.0, 5.0], [0.0, 4.0]]), "order.curve[1][0]"),
    ],
)
def test_a_bad_portfolio_order_is_refused_naming_the_field(
    market: Market, change: Any, field: str | None
) -> None:
    body = _bad(order_body(DOMAIN, together(market), ALICE.key.hex()), change)
    response = market.client.post("/v1/orders", json=body)
    assert response.status_code == 422, response.text
    expected = field or "order.portfolios[1].products.nope"
    assert response.json()["field"] == expected, response.json()
    assert market.table_counts()["orders"] == 0


def test_too_many_products_in_all_are_refused(market: Market) -> None:
    from flowmarket.api.limits import ApiLimits

    limit = ApiLimits().max_portfolio_products
    body = order_body(DOMAIN, together(market), ALICE.key.hex())
    body["order"]["portfolios"] = [
        {"name": f"p{k}", "weight": 1.0, "products": {"fast-us": 1.0}} for k in range(limit + 1)
    ]
    response = market.client.post("/v1/orders", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == "order.portfolios"
    assert f"the limit is {limit}" in response.json()["message"]


def test_a_signature_over_other_portfolios_is_refused(market: Market) -> None:
    body = order_body(DOMAIN, together(market), ALICE.key.hex())
    body["order"]["portfolios"][1]["weight"] = 2.0  # signed at 1
    response = market.client.post("/v1/orders", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == "signature"


def test_a_batch_carrying_a_portfolio_order_is_refused_naming_it(market: Market) -> None:
    body = batch_body(ALICE, [market.order(ALICE), market.order(ALICE, nonce=2)])
    body["batch"]["orders"][1].pop("portfolio")
    body["batch"]["orders"][1]["portfolios"] = [EAST.as_json(), WEST.as_json()]
    response = market.client.post("/v1/orders/batch", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "batch.orders[1].portfolios"
    assert market.table_counts()["orders"] == 0


def test_the_worst_case_counts_every_portfolio_at_its_full_range(market: Market) -> None:
    # Bob holds 36 tokens; margins 10 % + 20 %. Up to 6 GB/h of east and west together
    # at up to 10: each portfolio may trade 6 on its own (the range divided by its
    # weight 1) at up to 10 per GB, so the exposure is 6 × 10 + 6 × 10 = 120 tokens and
    # the worst case 30 % of it, 36: backed exactly. At 6.1 it is 36.6: refused.
    fits = together(market, BOB, nonce=0, curve=((0.0, 10.0), (6.0, 10.0)))
    response = market.client.post("/v1/orders", json=market.body(BOB, fits))
    assert response.status_code == 200, response.text
    beyond = together(market, BOB, nonce=1, curve=((0.0, 10.0), (6.1, 10.0)), replaces=None)
    cancel = market.cancel_body(BOB, response.json()["order"]["order_hash"])
    cancelled = market.client.post(
        f"/v1/orders/{response.json()['order']['order_hash']}/cancel", json=cancel
    )
    assert cancelled.status_code == 200, cancelled.text
    refused = market.client.post("/v1/orders", json=market.body(BOB, beyond))
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "order"
    assert "36.6 tokens" in refused.json()["message"], refused.json()


def test_a_weight_half_doubles_that_portfolios_range_in_the_governed_rate(
    market: Market,
) -> None:
    # 1 000 GB/h per order: a curve up to 400 over east (weight 1) and west (weight 0.5)
    # lets west trade 400 / 0.5 = 800 on its own: 400 + 800 = 1 200 GB/h of products.
    half = NamedPortfolio("west", 0.5, {"premium-eu": 1.0})
    order = together(market, portfolios=(EAST, half), curve=((0.0, 1.0), (400.0, 1.0)))
    response = market.client.post("/v1/orders", json=market.body(ALICE, order))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "order.portfolios"
    assert "1200 GB/h" in response.json()["message"]
    order = together(market, portfolios=(EAST, half), curve=((0.0, 1.0), (333.0, 1.0)))
    response = market.client.post("/v1/orders", json=market.body(ALICE, order))
    assert response.status_code == 200, response.text


def test_the_order_status_shows_each_portfolios_rate(market: Market) -> None:
    order = together(market)
    response = market.client.post("/v1/orders", json=market.body(ALICE, order))
    order_hash = response.json()["order"]["order_hash"]
    with Session(market.engine) as session:
        session.add(
            HourOrder(
                hour=OPEN_HOUR,
                order_hash=order_hash,
                participant=ALICE.address,
                quantity=1.0,
                portfolio_rates={"east": 0.75, "west": 0.25},
            )
        )
        session.commit()
    headers = market.login(ALICE)
    listed = market.client.get("/v1/me/orders", headers=headers).json()
    assert listed[0]["outcomes"] == [
        {
            "hour": OPEN_HOUR,
            "accepted": None,
            "quantity": 1.0,
            "portfolios": {"east": 0.75, "west": 0.25},
        }
    ]
