"""Signed order batches sent at the same moment over HTTP (uvicorn, SQLite): the same
batch twice gets one stored receipt; two batches replacing one order: one wins whole,
the other is refused whole."""

from __future__ import annotations

import threading
from typing import Any

import httpx
from eth_account import Account
from live_api_harness import LiveApi
from sqlalchemy import func, select

from flowmarket.client.bodies import batch_body
from flowmarket.db.models import Order
from flowmarket.signing import Domain, OrderBatchMessage, OrderMessage, digest

DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
OPEN_HOUR = 500_001
KEY = "0x" + "0d" * 32
ALICE = Account.from_key(KEY).address


def order(nonce: int, price: float, replaces: str | None = None) -> OrderMessage:
    return OrderMessage(
        participant=ALICE,
        nonce=nonce,
        from_hour=OPEN_HOUR,
        until_hour=OPEN_HOUR + 5,
        portfolio={"premium-eu": 1.0},
        curve=((-5.0, price), (10.0, 4.0)),
        replaces=replaces,
    )


def body(orders: list[OrderMessage]) -> dict[str, Any]:
    return batch_body(DOMAIN, OrderBatchMessage(ALICE, tuple(orders), ()), KEY)


def race(url: str, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    """POST each body from its own thread, released together; answers in body order."""
    start = threading.Barrier(len(bodies))
    answers: list[httpx.Response | None] = [None] * len(bodies)

    def send(k: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            start.wait()
            answers[k] = client.post("/v1/orders/batch", json=bodies[k])

    threads = [threading.Thread(target=send, args=(k,)) for k in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [a for a in answers if a is not None]


def test_the_same_batch_sent_twice_at_once_gets_one_stored_receipt(live_api: LiveApi) -> None:
    for trial in range(10):
        same = body([order(100 * trial + k, 12.0 + k) for k in range(20)])
        answers = race(live_api.url, [same, same])
        assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
        assert answers[0].json()["receipt"] == answers[1].json()["receipt"]
        assert sorted(a.json()["duplicate"] for a in answers) == [False, True]
    with live_api.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Order)).scalar_one() == 200


def test_two_batches_replacing_one_order_at_once_one_wins_whole(live_api: LiveApi) -> None:
    for trial in range(10):
        base = 10_000 + 100 * trial
        first = httpx.post(f"{live_api.url}/v1/orders/batch", json=body([order(base, 12.0)]))
        assert first.status_code == 200, first.text
        old = digest(DOMAIN, order(base, 12.0))
        left = [order(base + 1, 11.0, replaces=old), order(base + 2, 13.0)]
        right = [order(base + 3, 10.0, replaces=old), order(base + 4, 14.0)]
        answers = race(live_api.url, [body(left), body(right)])
        assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
        lost = 0 if answers[0].status_code == 409 else 1
        loser = (left, right)[lost]
        assert answers[lost].json()["field"] in ("batch", "batch.orders[0].replaces")
        with live_api.engine.connect() as connection:
            ids = [digest(DOMAIN, o) for o in loser]
            stored = connection.execute(
                select(func.count()).select_from(Order).where(Order.order_hash.in_(ids))  # type: ignore[attr-defined]
            ).scalar_one()
        assert stored == 0, trial
