"""Racing submissions: the database, not the request order, decides (both backends)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine

from flowmarket.backend.participation import SqlBackend
from flowmarket.errors import Conflict
from flowmarket.orders import SignedOrder

ALICE = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
HOUR = 500_000


def verified(tag: int, *, nonce: int = 1) -> SignedOrder:
    return SignedOrder(
        order_hash="0x" + f"{tag:064x}",
        participant=ALICE,
        nonce=nonce,
        from_hour=HOUR,
        until_hour=HOUR + 1,
        portfolio={"premium-eu": 1.0},
        curve=[[0.0, 10.0], [10.0, 0.0]],
        replaces=None,
        signature="0x" + "11" * 65,
    )


def store(backend: SqlBackend, order: SignedOrder, at: float) -> str:
    try:
        _, duplicate, _ = backend.store_order(
            order,
            accepted_at=at,
            receipt_signature="0x" + "22" * 65,
            cancel_receipt_signature=None,
            open_hour=HOUR,
        )
    except Conflict as exc:
        return f"conflict:{exc.field}"
    return "duplicate" if duplicate else "stored"


def test_the_same_order_raced_from_eight_threads_is_stored_once(engine: Engine) -> None:
    backend = SqlBackend(engine)
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda k: store(backend, verified(1), 1000.0 + k), range(8)))
    assert sorted(outcomes) == ["duplicate"] * 7 + ["stored"]
    assert len(backend.list_orders(ALICE, open_hour=HOUR, only_open=False)) == 1


def test_one_nonce_raced_by_eight_different_orders_has_one_winner(engine: Engine) -> None:
    backend = SqlBackend(engine)
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda k: store(backend, verified(100 + k), 1000.0 + k), range(8)))
    assert sorted(outcomes) == ["conflict:order.nonce"] * 7 + ["stored"]
    assert len(backend.list_orders(ALICE, open_hour=HOUR, only_open=False)) == 1
