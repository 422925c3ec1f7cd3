"""POST /v1/usage: the network operator's signed usage, strictly checked, stored once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_harness import DOMAIN, OPERATOR_KEY, Clock, migrated_engine
from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from flowmarket.api.app import create_app
from flowmarket.api.limits import ApiLimits
from flowmarket.backend.participation import SqlBackend
from flowmarket.catalogue import format_hour
from flowmarket.client.bodies import usage_body
from flowmarket.db.models import HourProduct, HourResult
from flowmarket.db.usage_tables import UsageReport
from flowmarket.signing import UsageReportMessage, digest
from flowmarket.signing.typed_data import reference_digest

NETWORK = Account.from_key("0x" + "42" * 32)
STRANGER = Account.from_key("0x" + "43" * 32)
ALICE = Account.from_key("0x" + "44" * 32).address
HOUR = 500_000
PRODUCT = f"rt:eu:regular:{format_hour(HOUR)}"
GB = 10**18


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, Engine]]:
    engine = migrated_engine(tmp_path / "market.sqlite")
    with Session(engine) as session:  # hour HOUR was cleared: PRODUCT has its price
        session.add(HourProduct(hour=HOUR, product=PRODUCT, price=2.0, volume=5.0, slope=-1.0))
        session.commit()
    limits = ApiLimits(usage_operator=NETWORK.address, usage_capacity_gbh=100.0)
    app = create_app(
        backend=SqlBackend(engine),
        domain=DOMAIN,
        operator_key=OPERATOR_KEY,
        token_secret=b"test-secret",
        limits=limits,
        clock=Clock(),
    )
    with TestClient(app) as client:
        yield client, engine
    engine.dispose()


def body(quantity: int = 6 * GB, *, key: Any = NETWORK, product: str = PRODUCT) -> dict[str, Any]:
    message = UsageReportMessage(NETWORK.address, HOUR, ((product, ALICE, quantity),))
    return usage_body(DOMAIN, message, key.key.hex())


def stored(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        return [(r.participant, r.quantity) for r in session.exec(select(UsageReport))]


def test_the_operators_report_is_stored_once_and_a_retry_is_a_duplicate(
    api: tuple[TestClient, Engine],
) -> None:
    client, engine = api
    first = client.post("/v1/usage", json=body())
    assert first.status_code == 200, first.text
    assert first.json()["duplicate"] is False and first.json()["final_at_hour"] == HOUR + 2
    again = client.post("/v1/usage", json=body())
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert stored(engine) == [(ALICE, str(6 * GB))]
    changed = client.post("/v1/usage", json=body(7 * GB))
    assert changed.status_code == 409
    assert changed.json()["field"] == "report.entries[0].gb"
    assert stored(engine) == [(ALICE, str(6 * GB))]


def test_a_late_report_is_refused_once_the_settling_hour_is_cleared(
    api: tuple[TestClient, Engine],
) -> None:
    client, engine = api
    with Session(engine) as session:
        session.add(
            HourResult(hour=HOUR + 2, cleared_at=1.0, n_orders=0, welfare=0.0, certificate={})
        )
        session.commit()
    late = client.post("/v1/usage", json=body())
    assert late.status_code == 409 and late.json()["field"] == "report.hour"
    assert "final" in late.json()["message"]
    assert stored(engine) == []


def _raw(gb: str) -> dict[str, Any]:
    signed = body()
    signed["report"]["entries"][0]["gb"] = gb
    return signed


@pytest.mark.parametrize(
    ("make", "field", "reason"),
    [
        (lambda: body(key=STRANGER), "signature", "not by network operator"),
        (lambda: {k: v for k, v in body().items() if k != "signature"}, "signature", ""),
        (lambda: _raw("-1"), "report.entries[0].gb", "cannot be negative"),
        (lambda: _raw("100.5"), "report.entries[0].gb", "physical capacity"),
        (lambda: _raw("1.0000000000000000001"), "report.entries[0].gb", "18 decimals"),
        (lambda: _raw("lots"), "report.entries[0].gb", "not a decimal"),
        (
            lambda: body(product=f"rt:eu:regular:{format_hour(HOUR + 1)}"),
            "report.entries[0].product",
            "not the real-time product",
        ),
        (
            lambda: body(product=f"rt:eu:fast:{format_hour(HOUR)}"),
            "report.entries[0].product",
            "not delivered yet",
        ),
        (lambda: {**body(), "extra": 1}, "extra", ""),
    ],
)
def test_bad_reports_get_a_4xx_naming_the_field_and_change_nothing(
    api: tuple[TestClient, Engine], make: Any, field: str, reason: str
) -> None:
    client, engine = api
    response = client.post("/v1/usage", json=make())
    assert 400 <= response.status_code < 500
    assert response.json()["field"] == field
    assert reason in response.json()["message"]
    assert stored(engine) == []


def test_the_usage_digest_is_what_wallets_compute_from_the_typed_data() -> None:
    message = UsageReportMessage(
        NETWORK.address,
        HOUR,
        ((PRODUCT, STRANGER.address, 3 * GB), (PRODUCT, ALICE, 6 * GB + 1)),
    )
    assert digest(DOMAIN, message) == reference_digest(DOMAIN, message)
