"""Racing order batches: one transaction each, the database decides (both backends)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

from sqlalchemy import Engine, func, select

from flowmarket.api.batch_intake import VerifiedBatch, entries
from flowmarket.backend.participation import SqlBackend
from flowmarket.db.engine import write_turn
from flowmarket.db.models import Order
from flowmarket.errors import Conflict
from flowmarket.orders import SignedOrder

ALICE = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
HOUR = 500_000
SIGNATURE = "0x" + "11" * 65


def order(tag: int, nonce: int, replaces: str | None = None) -> SignedOrder:
    return SignedOrder(
        order_hash="0x" + f"{tag:064x}",
        participant=ALICE,
        nonce=nonce,
        from_hour=HOUR,
        until_hour=HOUR + 1,
        portfolio={"premium-eu": 1.0},
        curve=[[0.0, 10.0], [10.0, 0.0]],
        replaces=replaces,
        signature=SIGNATURE,
    )


def batch(tag: int, orders: list[SignedOrder], cancels: tuple[str, ...] = ()) -> VerifiedBatch:
    hashes = tuple("0x" + "44" * 32 for _ in orders)  # the batch's words; unread here
    return VerifiedBatch("0x" + f"{tag:064x}", ALICE, tuple(orders), cancels, SIGNATURE, hashes)


def store(backend: SqlBackend, candidate: VerifiedBatch, at: float) -> str:
    try:
        _, duplicate = backend.store_batch(
            candidate,
            entries(candidate),
            recorded_at=at,
            entries_root="0x" + "33" * 32,
            receipt_signature="0x" + "22" * 65,
        )
    except Conflict as exc:
        return f"conflict:{exc.field}"
    return "duplicate" if duplicate else "stored"


def race(backend: SqlBackend, candidates: list[VerifiedBatch]) -> list[str]:
    with ThreadPoolExecutor(len(candidates)) as pool:
        futures = [pool.submit(store, backend, c, 1000.0 + k) for k, c in enumerate(candidates)]
        return sorted(f.result() for f in futures)


def stored_orders(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Order)).scalar_one())


def test_the_same_batch_raced_from_eight_threads_is_stored_once(engine: Engine) -> None:
    backend = SqlBackend(engine)
    same = batch(1, [order(10 + k, nonce=k) for k in range(50)])
    assert race(backend, [same] * 8) == ["duplicate"] * 7 + ["stored"]
    assert stored_orders(engine) == 50


def test_eight_batches_replacing_one_order_have_one_winner_and_no_leftovers(
    engine: Engine,
) -> None:
    backend = SqlBackend(engine)
    assert store(backend, batch(1, [order(1, nonce=0)]), 900.0) == "stored"
    old = "0x" + f"{1:064x}"
    rivals = [
        batch(
            100 + k,
            [order(1000 + 10 * k + j, nonce=10 * (k + 1) + j) for j in range(5)]
            + [order(2000 + k, nonce=500 + k, replaces=old)],
        )
        for k in range(8)
    ]
    assert race(backend, rivals) == ["conflict:batch"] * 7 + ["stored"]
    assert stored_orders(engine) == 1 + 6  # the first order and the winner's six


def test_eight_batches_cancelling_one_order_have_one_winner(engine: Engine) -> None:
    backend = SqlBackend(engine)
    assert store(backend, batch(1, [order(1, nonce=0)]), 900.0) == "stored"
    old = "0x" + f"{1:064x}"
    rivals = [batch(100 + k, [order(3000 + k, nonce=10 + k)], (old,)) for k in range(8)]
    assert race(backend, rivals) == ["conflict:batch"] * 7 + ["stored"]
    assert stored_orders(engine) == 2


def test_eight_batches_sharing_a_nonce_have_one_winner(engine: Engine) -> None:
    backend = SqlBackend(engine)
    rivals = [batch(100 + k, [order(4000 + k, nonce=7)]) for k in range(8)]
    assert race(backend, rivals) == ["conflict:batch"] * 7 + ["stored"]
    assert stored_orders(engine) == 1


def test_on_sqlite_a_batch_waits_for_its_process_write_turn(engine: Engine) -> None:
    turn = write_turn(engine)
    if engine.dialect.name != "sqlite":  # PostgreSQL locks rows: no turn to wait for
        assert isinstance(turn, nullcontext)
        return
    assert write_turn(engine) is turn  # one turn per engine in a process
    backend = SqlBackend(engine)
    pool = ThreadPoolExecutor(1)
    with turn:  # another thread of this process is writing
        future = pool.submit(store, backend, batch(1, [order(1, nonce=0)]), 1000.0)
        time.sleep(0.3)
        assert not future.done()  # it waits here, not in SQLite's busy handler
        assert stored_orders(engine) == 0
    assert future.result(timeout=10) == "stored"
    pool.shutdown()
    assert stored_orders(engine) == 1
