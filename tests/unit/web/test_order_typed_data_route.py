"""`POST /v1/web/typed-data/order`: the web app signs what the API's encoder gives, a
curve order as `Order` and a block as `NonConvexOrder`, with the same digest the API
computes; a draft with another kind's field is refused naming it."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from flowmarket.api.app import create_app
from flowmarket.backend.participation import SqlBackend
from flowmarket.backend.serve import open_database
from flowmarket.signing import Domain, NonConvexTerms, OrderMessage, digest
from flowmarket.web import mount_web

ALICE = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
DOMAIN = Domain(chain_id=31337, verifying_contract="0x" + "11" * 20)
EVENT = {f"fwd-h:us-east:premium:2026-12-05T{h}": 1.0 for h in range(18, 24)}


def client(tmp_path: Path) -> TestClient:
    engine = open_database(f"sqlite:///{tmp_path / 'web.sqlite'}")
    app = create_app(
        backend=SqlBackend(engine),
        domain=DOMAIN,
        operator_key="0x" + "22" * 32,
        token_secret=b"test-secret",
    )
    mount_web(app, chain=None)
    return TestClient(app)


def test_a_block_draft_is_a_non_convex_order_with_the_apis_digest(tmp_path: Path) -> None:
    draft = {
        "participant": ALICE, "nonce": 3, "from_hour": 500_001, "until_hour": 500_001,
        "portfolio": EVENT, "kind": "all_or_nothing", "quantity": 10, "price": 45.5,
    }  # fmt: skip
    with client(tmp_path) as http:
        response = http.post("/v1/web/typed-data/order", json=draft)
        assert response.status_code == 200, response.text
        body = response.json()
        curve = http.post(
            "/v1/web/typed-data/order",
            json={**{k: v for k, v in draft.items() if k not in ("kind", "quantity", "price")},
                  "curve": [[0, 5], [10, 4]]},
        ).json()  # fmt: skip
        wrong = http.post("/v1/web/typed-data/order", json={**draft, "fixed_cost": 2})
    message = OrderMessage(
        ALICE, 3, 500_001, 500_001, EVENT, (), terms=NonConvexTerms("all_or_nothing", 10.0, 45.5)
    )
    assert body["digest"] == digest(DOMAIN, message)
    typed = body["typed_data"]
    assert typed["primaryType"] == "NonConvexOrder"
    assert typed["message"]["kind"] == "all_or_nothing"
    assert typed["message"]["quantity"] == str(10 * 10**18)
    assert typed["message"]["curveQuantities"] == []
    assert curve["typed_data"]["primaryType"] == "Order"
    assert wrong.status_code == 422
    assert wrong.json()["field"] == "order.fixed_cost"


def test_a_draft_number_given_as_a_boolean_or_a_string_is_refused_naming_it(
    tmp_path: Path,
) -> None:
    """JSON `true` is not the hour 1 nor `"2"` the weight 2: the draft routes parse as
    strictly as `POST /v1/orders`, so the web app never signs a coerced value."""
    draft = {
        "participant": ALICE, "nonce": 3, "from_hour": 500_001, "until_hour": 500_001,
        "portfolio": EVENT, "curve": [[0, 5], [10, 4]],
    }  # fmt: skip
    bad = [
        ({"from_hour": True}, "from_hour"),
        ({"nonce": False}, "nonce"),
        ({"until_hour": "500001"}, "until_hour"),
        ({"portfolio": {"fwd-h:us-east:premium:2026-12-05T18": True}}, "portfolio"),
        ({"curve": [[0, "5"], [10, 4]]}, "curve"),
    ]
    report = {"participant": ALICE, "nonce": 1, "deadline": 1, "positions": {"p": 1.0}}
    with client(tmp_path) as http:
        assert http.post("/v1/web/typed-data/order", json=draft).status_code == 200
        for change, field in bad:
            response = http.post("/v1/web/typed-data/order", json={**draft, **change})
            assert response.status_code == 422, (change, response.text)
            assert field in response.text, (change, response.text)
        assert http.post("/v1/web/typed-data/expected-positions", json=report).status_code == 200
        for change in ({"deadline": True}, {"positions": {"p": True}}):
            response = http.post("/v1/web/typed-data/expected-positions", json={**report, **change})
            assert response.status_code == 422, (change, response.text)


def test_a_draft_over_named_portfolios_is_a_portfolio_order_with_the_apis_digest(
    tmp_path: Path,
) -> None:
    from flowmarket.signing import NamedPortfolio

    portfolios = [
        {"name": "west", "weight": 0.5, "products": {"premium-us-west": 1}},
        {"name": "east", "weight": 1, "products": {"premium-us-east": 1}},
    ]
    draft = {
        "participant": ALICE, "nonce": 4, "from_hour": 500_001, "until_hour": 500_001,
        "portfolios": portfolios, "curve": [[0, 5], [1, 5]],
    }  # fmt: skip
    with client(tmp_path) as http:
        response = http.post("/v1/web/typed-data/order", json=draft)
        both = http.post("/v1/web/typed-data/order", json={**draft, "portfolio": {"a": 1}})
        block = http.post(
            "/v1/web/typed-data/order",
            json={**draft, "kind": "all_or_nothing", "quantity": 1, "price": 5, "curve": []},
        )
    assert response.status_code == 200, response.text
    message = OrderMessage(
        ALICE, 4, 500_001, 500_001, {}, ((0.0, 5.0), (1.0, 5.0)),
        portfolios=(
            NamedPortfolio("east", 1.0, {"premium-us-east": 1.0}),
            NamedPortfolio("west", 0.5, {"premium-us-west": 1.0}),
        ),
    )  # fmt: skip
    body = response.json()
    assert body["digest"] == digest(DOMAIN, message)
    typed = body["typed_data"]
    assert typed["primaryType"] == "PortfolioOrder"
    assert [p["name"] for p in typed["message"]["portfolios"]] == ["east", "west"]
    assert typed["types"]["Portfolio"][0] == {"name": "name", "type": "string"}
    assert both.status_code == 422 and both.json()["field"] == "order.portfolio"
    assert block.status_code == 422 and block.json()["field"] == "order.kind"
