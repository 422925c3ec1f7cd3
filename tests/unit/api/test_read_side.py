"""Public results, proofs, downloads and the private reads behind sign-in."""

from __future__ import annotations

import csv
import io

import pytest
from api_harness import DOMAIN, OPEN_HOUR, Market
from fastapi.testclient import TestClient
from sqlmodel import Session

from flowmarket.api.app import create_app
from flowmarket.api.limits import ApiLimits
from flowmarket.backend.participation import SqlBackend
from flowmarket.db.models import HourParticipant, HourProduct, HourResult
from flowmarket.signing import OrderMessage, recover
from oracle_steps import clear_stored_hour


def trade_one_hour(market: Market) -> tuple[str, str]:
    alice, bob = market.wallets[:2]
    assert market.submit(alice, curve=((0.0, 10.0), (10.0, 0.0))).status_code == 200
    assert market.submit(bob, curve=((-10.0, 10.0), (0.0, 0.0))).status_code == 200
    market.clock.now = OPEN_HOUR * 3600.0 + 5
    clear_stored_hour(market.engine, hour=OPEN_HOUR)
    return alice.address, bob.address


def test_catalogue_lists_products_with_their_on_chain_ids(market: Market) -> None:
    products = market.client.get("/v1/products").json()
    assert [p["name"] for p in products] == ["fast-us", "premium-eu", "regular-eu"]
    assert all(p["product_id"].startswith("0x") and len(p["product_id"]) == 66 for p in products)
    download = market.client.get("/v1/products", params={"format": "csv"})
    assert download.headers["content-type"].startswith("text/csv")
    assert next(csv.reader(io.StringIO(download.text)))[0] == "name"


def test_domain_tells_clients_what_to_sign(market: Market) -> None:
    body = market.client.get("/v1/domain").json()
    assert body["chain_id"] == DOMAIN.chain_id
    assert body["verifying_contract"] == DOMAIN.verifying_contract
    assert body["open_hour"] == OPEN_HOUR


def test_public_prices_volumes_and_slopes_after_clearing(market: Market) -> None:
    trade_one_hour(market)
    prices = market.client.get(f"/v1/hours/{OPEN_HOUR}/prices").json()
    assert [row["product"] for row in prices] == ["premium-eu"]
    assert prices[0]["price"] == pytest.approx(5.0, abs=1e-6)
    assert prices[0]["volume"] == pytest.approx(5.0, abs=1e-6)
    assert prices[0]["slope"] < 0
    rows = list(
        csv.DictReader(
            io.StringIO(
                market.client.get(f"/v1/hours/{OPEN_HOUR}/prices", params={"format": "csv"}).text
            )
        )
    )
    assert float(rows[0]["price"]) == pytest.approx(prices[0]["price"])
    assert market.client.get("/v1/hours/latest").json()["hour"] == OPEN_HOUR
    certificate = market.client.get(f"/v1/hours/{OPEN_HOUR}/certificate").json()
    assert certificate["max_imbalance"] < 1e-6


def test_published_order_set_is_the_snapshot_and_its_signatures_verify(market: Market) -> None:
    alice, bob = trade_one_hour(market)
    published = market.client.get(f"/v1/hours/{OPEN_HOUR}/orders").json()
    assert {o["participant"] for o in published["orders"]} == {alice, bob}
    for entry in published["orders"]:
        message = OrderMessage(
            participant=entry["participant"],
            nonce=entry["nonce"],
            from_hour=entry["from_hour"],
            until_hour=entry["until_hour"],
            portfolio=entry["portfolio"],
            curve=tuple((q, p) for q, p in entry["curve"]),
            replaces=entry["replaces"],
        )
        signer = recover(DOMAIN, message, bytes.fromhex(entry["signature"][2:]))
        assert signer == entry["participant"]
    assert market.client.get(f"/v1/hours/{OPEN_HOUR + 1}/orders").status_code == 404


def test_commitment_and_proofs_are_404_until_the_oracle_commits(market: Market) -> None:
    alice, _ = trade_one_hour(market)
    for path in (
        f"/v1/hours/{OPEN_HOUR}/commitment",
        f"/v1/hours/{OPEN_HOUR}/proofs/prices/premium-eu",
        f"/v1/hours/{OPEN_HOUR}/proofs/participants/{alice}",
    ):
        response = market.client.get(path)
        assert response.status_code == 404
        assert (
            "not yet committed" in response.json()["message"]
            or "not committed" in response.json()["message"]
        )
    root = "0x" + "aa" * 32
    with Session(market.engine) as session:
        hour = session.get(HourResult, OPEN_HOUR)
        assert hour is not None
        hour.orders_root = hour.prices_root = hour.positions_root = root
        hour.commit_tx_hash = "0x" + "bb" * 32
        price = session.get(HourProduct, (OPEN_HOUR, "premium-eu"))
        entry = session.get(HourParticipant, (OPEN_HOUR, alice))
        assert price is not None and entry is not None
        price.leaf, price.merkle_proof = "0x" + "01" * 32, ["0x" + "02" * 32]
        entry.leaf, entry.merkle_proof = "0x" + "03" * 32, []
        session.add_all([hour, price, entry])
        session.commit()
    assert market.client.get(f"/v1/hours/{OPEN_HOUR}/commitment").json()["prices_root"] == root
    proof = market.client.get(f"/v1/hours/{OPEN_HOUR}/proofs/prices/premium-eu").json()
    assert proof == {
        "hour": OPEN_HOUR,
        "key": "premium-eu",
        "leaf": "0x" + "01" * 32,
        "proof": ["0x" + "02" * 32],
        "root": root,
    }
    assert (
        market.client.get(f"/v1/hours/{OPEN_HOUR}/proofs/participants/{alice}").status_code == 200
    )


def test_participant_sees_its_own_positions_trades_and_settlement(market: Market) -> None:
    alice, _ = trade_one_hour(market)
    headers = market.login(market.wallets[0])
    positions = market.client.get("/v1/me/positions", headers=headers).json()
    assert positions[0]["product"] == "premium-eu"
    assert positions[0]["quantity"] == pytest.approx(5.0, abs=1e-6)
    trades = market.client.get("/v1/me/trades", headers=headers).json()
    assert trades[0]["cash"] == pytest.approx(-25.0, abs=1e-5)
    fills = market.client.get("/v1/me/fills", headers=headers).json()
    assert fills[0]["quantity"] == pytest.approx(5.0, abs=1e-6)
    settlement = market.client.get("/v1/me/settlement", headers=headers).json()
    assert settlement["participant"] == alice
    assert settlement["accumulated_cash"] == pytest.approx(-25.0, abs=1e-5)
    # The oracle's solve step journals the exact integer amounts (fee rate 0 here): alice
    # pays 5 GB x 5 tokens = 25 tokens, to the solver's 1e-9 relative tolerance.
    assert abs(int(settlement["to_settle_wei"]) + 25 * 10**18) < 10**9
    assert settlement["fees_wei"] == "0"
    assert [h["net_cash_wei"] for h in settlement["hours"]] == [settlement["to_settle_wei"]]
    download = market.client.get("/v1/me/settlement", params={"format": "csv"}, headers=headers)
    assert download.text.splitlines()[0] == "hour,cash,accumulated,fee_wei,net_cash_wei"
    bob_view = market.client.get("/v1/me/settlement", headers=market.login(market.wallets[1]))
    assert bob_view.json()["accumulated_cash"] == pytest.approx(25.0, abs=1e-5)


def test_tokens_expire_and_challenges_are_single_use(market: Market) -> None:
    alice = market.wallets[0]
    headers = market.login(alice)
    assert market.client.get("/v1/me/orders", headers=headers).status_code == 200
    market.clock.now += 901
    expired = market.client.get("/v1/me/orders", headers=headers)
    assert expired.status_code == 401
    assert "expired" in expired.json()["message"]
    challenge = market.client.post("/v1/auth/challenge", json={"address": alice.address}).json()
    from flowmarket.signing import parse_login_message, sign_login

    signature = sign_login(parse_login_message(challenge["message"]), alice.key.hex())
    body = {"message": challenge["message"], "signature": signature}
    assert market.client.post("/v1/auth/login", json=body).status_code == 200
    assert market.client.post("/v1/auth/login", json=body).status_code == 401


def test_rate_limit_per_address_answers_429(market: Market) -> None:
    app = create_app(
        backend=SqlBackend(market.engine),
        domain=DOMAIN,
        operator_key="0x" + "0b" * 32,
        token_secret=b"s",
        limits=ApiLimits(max_requests_per_minute=3),
        clock=market.clock,
    )
    alice = market.wallets[0]
    with TestClient(app) as client:
        codes = []
        for nonce in range(5):
            body = market.body(alice, market.order(alice, nonce=nonce))
            codes.append(client.post("/v1/orders", json=body).status_code)
    assert codes == [200, 200, 200, 429, 429]
    assert market.table_counts()["orders"] == 3
