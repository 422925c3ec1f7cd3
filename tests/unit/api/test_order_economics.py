"""Intake refuses orders beyond the governed limits or the participant's collateral, with a
422 naming the field and the limit, and stores nothing (issue: hostile input, item 1).

The rules are given as values (`FixedRules`), as a market without a node; the same
checks against the chain's limits and the vault are in
tests/integration/api/test_hostile_intake_on_chain.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_harness import DOMAIN, OPERATOR_KEY, Clock, Market, migrated_engine
from batch_harness import batch_body
from eth_account import Account
from fastapi.testclient import TestClient
from sqlmodel import Session

from flowmarket.api.app import create_app
from flowmarket.api.limits import ApiLimits
from flowmarket.api.rules import FixedRules, MarketRules
from flowmarket.backend.chain_rules import ChainRules
from flowmarket.backend.governance_view import ChainMarketView
from flowmarket.backend.participation import SqlBackend
from flowmarket.collateral import CollateralParams
from flowmarket.db import orders_repo
from flowmarket.db.models import Product
from flowmarket.errors import ChainUnavailable
from flowmarket.order_limits import OrderLimits

TOKEN = 10**18
WALLETS = [Account.from_key("0x" + f"{k + 1:064x}") for k in range(3)]
ALICE, BOB, POOR = WALLETS
# 1 000 GB/h per order, 2 500 per participant, 50 tokens per GB; margins 10 % + 20 %.
RULES = FixedRules(
    limits=OrderLimits(1_000, 2_500, 50 * TOKEN),
    params=CollateralParams(1_000, 2_000, 2_000),
    collateral={ALICE.address: 10_000 * TOKEN, BOB.address: 36 * TOKEN},
)


def _serve(tmp_path: Path, rules: MarketRules, limits: ApiLimits | None = None) -> Iterator[Market]:
    engine = migrated_engine(tmp_path / "economics.sqlite")
    clock = Clock()
    app = create_app(
        backend=SqlBackend(engine),
        domain=DOMAIN,
        operator_key=OPERATOR_KEY,
        token_secret=b"economics",
        limits=limits or ApiLimits(max_requests_per_minute=10_000),
        clock=clock,
        rules=rules,
    )
    with TestClient(app) as client:
        yield Market(client=client, engine=engine, clock=clock, wallets=WALLETS)
    engine.dispose()


@pytest.fixture
def market(tmp_path: Path) -> Iterator[Market]:
    yield from _serve(tmp_path, RULES)


def _no_node() -> ChainMarketView:
    """ChainRules' connector when no node answers at the configured URL."""
    raise ChainUnavailable("no JSON-RPC node answers at http://127.0.0.1:1")


def _refused(market: Market, response: Any, field: str, phrase: str) -> None:
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field, response.json()
    assert phrase in response.json()["message"], response.json()
    assert market.table_counts()["orders"] == 0


def test_the_giant_curve_of_the_issue_is_refused_naming_the_governed_limit(market: Market) -> None:
    response = market.submit(ALICE, curve=((-1e30, 12.0), (1e30, 4.0)))
    _refused(market, response, "order.curve", "the governed limit is 1000 GB/h per order")


def test_a_price_beyond_the_governed_limit_is_refused(market: Market) -> None:
    response = market.submit(ALICE, curve=((-1.0, 60.0), (1.0, 4.0)))
    _refused(market, response, "order.curve", "the governed limit is 50")


def test_a_participants_orders_together_may_not_exceed_its_rate(market: Market) -> None:
    for nonce in range(2):  # 2 × 1 000 GB/h
        big = ((-1_000.0, 12.0), (1_000.0, 4.0))
        assert market.submit(ALICE, nonce=nonce, curve=big).status_code == 200
    refused = market.submit(ALICE, nonce=2, curve=((-501.0, 12.0), (1.0, 4.0)))
    assert refused.status_code == 422
    assert "2501 GB/h" in refused.json()["message"]
    assert "per participant" in refused.json()["message"]
    assert market.submit(ALICE, nonce=3, curve=((-500.0, 12.0), (1.0, 4.0))).status_code == 200


def test_open_orders_decoded_once_are_not_read_back_again(
    market: Market, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Orders stored one at a time are decoded by the next check that meets them and kept:
    a later check counts them (2 × 1 000 GB/h open, 501 more is over 2 500) without reading
    them back."""
    big = ((-1_000.0, 12.0), (1_000.0, 4.0))
    for nonce in range(2):
        assert market.submit(ALICE, nonce=nonce, curve=big).status_code == 200
    over = ((-501.0, 12.0), (1.0, 4.0))
    assert market.submit(ALICE, nonce=2, curve=over).status_code == 422  # decodes both

    def read_back(_: object, *, order_hashes: list[str]) -> object:
        if order_hashes:
            raise AssertionError(f"intake read back {order_hashes}, which it had decoded")
        return []

    monkeypatch.setattr(orders_repo, "order_parts", read_back)
    refused = market.submit(ALICE, nonce=2, curve=over)
    assert refused.status_code == 422, refused.text
    assert "2501 GB/h" in refused.json()["message"]


def test_a_replacement_does_not_count_the_order_it_replaces(market: Market) -> None:
    big = ((-1_000.0, 12.0), (1_000.0, 4.0))
    first = market.submit(ALICE, nonce=0, curve=big).json()["order"]["order_hash"]
    market.submit(ALICE, nonce=1, curve=big)
    replacement = market.order(ALICE, nonce=2, curve=((-500.0, 12.0), (1_000.0, 4.0)))
    replacement = type(replacement)(**{**replacement.__dict__, "replaces": first})
    response = market.client.post(
        f"/v1/orders/{first}/replace", json=market.body(ALICE, replacement)
    )
    assert response.status_code == 200, response.text


def test_a_wallet_without_collateral_cannot_place_any_order(market: Market) -> None:
    response = market.submit(POOR, curve=((-1.0, 12.0), (1.0, 4.0)))
    _refused(market, response, "order", "cannot back the worst case")


def test_collateral_backs_orders_up_to_exactly_their_worst_case(market: Market) -> None:
    # Bob holds 36 tokens. An order trading up to 10 GB/h at up to 12 tokens/GB exposes
    # 120 tokens an hour; 30 % of it (10 % + 20 % margins) is 36: backed exactly.
    first = market.submit(BOB, nonce=0, curve=((-10.0, 12.0), (0.0, 4.0)))
    assert first.status_code == 200, first.text
    # Any more is too much: a millionth of a GB/h more at up to 12 tokens/GB.
    second = market.submit(BOB, nonce=1, curve=((0.0, 12.0), (0.000001, 11.0)))
    assert second.status_code == 422
    assert "cannot back the worst case" in second.json()["message"]


def test_without_a_node_intake_answers_503_and_stores_nothing(tmp_path: Path) -> None:
    # The limits and the collateral are on chain: an order the API cannot check is not
    # accepted unchecked; the participant retries once the node answers again.
    for market in _serve(tmp_path, ChainRules(_no_node)):
        response = market.submit(ALICE, curve=((-1.0, 12.0), (1.0, 4.0)))
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "1"
        assert "no JSON-RPC node answers" in response.json()["message"]
        assert market.table_counts()["orders"] == 0


# The batch route (POST /v1/orders/batch) takes the same rules: a batch may not carry an
# order, or orders together, that the single route would refuse (one wallet could
# otherwise bypass every governed limit by batching).


def _batch(
    market: Market,
    account: Any,
    curves: list[Any],
    cancels: tuple[str, ...] = (),
    *,
    first_nonce: int = 10,
) -> Any:
    orders = [market.order(account, nonce=first_nonce + i, curve=c) for i, c in enumerate(curves)]
    return market.client.post("/v1/orders/batch", json=batch_body(account, orders, cancels))


def test_a_batch_carrying_one_giant_curve_is_refused_naming_its_index(market: Market) -> None:
    response = _batch(market, ALICE, [((-1.0, 12.0), (1.0, 4.0)), ((-1e30, 12.0), (1e30, 4.0))])
    _refused(market, response, "batch.orders[1].curve", "the governed limit is 1000 GB/h")


def test_a_batchs_orders_together_may_not_exceed_the_participants_rate(market: Market) -> None:
    big = ((-1_000.0, 12.0), (1_000.0, 4.0))
    response = _batch(market, ALICE, [big, big, ((-501.0, 12.0), (1.0, 4.0))])
    _refused(market, response, "batch.orders[2]", "2501 GB/h")
    # 2 × 1 000 + 500 = 2 500 GB/h: exactly the limit.
    accepted = _batch(market, ALICE, [big, big, ((-500.0, 12.0), (1.0, 4.0))])
    assert accepted.status_code == 200, accepted.text


def test_a_stored_batch_counts_against_the_next_one_without_being_read_back(
    market: Market, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Intake keeps the risks it computed for the orders it stored: the participant's next
    batch is checked against them (2 × 1 000 GB/h open, so 501 more is over 2 500) without
    reading the stored orders back."""
    big = ((-1_000.0, 12.0), (1_000.0, 4.0))
    assert _batch(market, ALICE, [big, big]).status_code == 200

    def read_back(_: object, *, order_hashes: list[str]) -> object:
        if order_hashes:
            raise AssertionError(f"intake read back {order_hashes}, which it had just stored")
        return []

    monkeypatch.setattr(orders_repo, "order_parts", read_back)
    over = _batch(market, ALICE, [((-501.0, 12.0), (1.0, 4.0))], first_nonce=20)
    assert over.status_code == 422, over.text
    assert (over.json()["field"], "2501 GB/h" in over.json()["message"]) == (
        "batch.orders[0]",
        True,
    )
    within = _batch(market, ALICE, [((-500.0, 12.0), (1.0, 4.0))], first_nonce=20)
    assert within.status_code == 200, within.text


def test_with_the_economic_checks_a_batch_counts_the_open_orders_it_read_for_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the rules on, the batch route reads the participant's open book once (one read
    of its nonce floor a request) and counts the open-order limit from it: at a limit of
    3, two open orders leave room for exactly one more."""
    limits = ApiLimits(max_requests_per_minute=10_000, max_open_orders_per_participant=3)
    small = ((-1.0, 12.0), (1.0, 4.0))
    floor_reads: list[str] = []
    read_floor = orders_repo.min_valid_nonce

    def counted(session: Session, *, participant: str) -> int:
        floor_reads.append(participant)
        return read_floor(session, participant=participant)

    monkeypatch.setattr(orders_repo, "min_valid_nonce", counted)
    for market in _serve(tmp_path, RULES, limits):
        assert _batch(market, ALICE, [small, small]).status_code == 200
        over = _batch(market, ALICE, [small, small], first_nonce=20)
        assert over.status_code == 422, over.text
        assert over.json()["field"] == "batch.orders", over.json()
        assert "3" in over.json()["message"], over.json()
        floor_reads.clear()
        within = _batch(market, ALICE, [small], first_nonce=30)
        assert floor_reads == [ALICE.address]
        assert within.status_code == 200, within.text
        assert market.table_counts()["orders"] == 3


def test_a_batch_cancelling_an_open_order_frees_its_rate(market: Market) -> None:
    big = ((-1_000.0, 12.0), (1_000.0, 4.0))
    open_ids = [
        market.submit(ALICE, nonce=n, curve=big).json()["order"]["order_hash"] for n in range(2)
    ]
    assert _batch(market, ALICE, [big]).status_code == 422
    response = _batch(market, ALICE, [big], cancels=(open_ids[0],))
    assert response.status_code == 200, response.text


def test_a_batch_is_backed_by_collateral_as_a_whole(market: Market) -> None:
    # Bob's 36 tokens back exactly one order of up to 10 GB/h at up to 12 tokens/GB
    # (120 tokens an hour × 30 %); two of them in one batch need 72.
    one = ((-10.0, 12.0), (0.0, 4.0))
    response = _batch(market, BOB, [one, one])
    _refused(market, response, "batch.orders[1]", "cannot back the worst case")
    assert _batch(market, BOB, [one]).status_code == 200


def test_an_annual_forwards_price_limit_is_per_gb_it_delivers(market: Market) -> None:
    """At 50 tokens per GB, one GB/h of the 2027 weekday annual forward at 14:00 delivers
    261 GB (2027's weekdays): up to 50 × 261 = 13 050 tokens per GB/h, by hand."""
    annual = "fwd-y:eu:premium:2027:14:wd"
    with Session(market.engine) as session:
        orders_repo.upsert_products(session, products=[Product(name=annual)])
    dear = market.submit(ALICE, portfolio={annual: 1.0}, curve=((0.0, 13_051.0), (1.0, 1.0)))
    _refused(market, dear, "order.curve", "50.0038 tokens per GB of product delivered")
    assert "which delivers 261 GB" in dear.json()["message"]
    fair = market.submit(ALICE, portfolio={annual: 1.0}, curve=((0.0, 13_050.0), (1.0, 1.0)))
    assert fair.status_code == 200, fair.text
