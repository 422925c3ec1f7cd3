"""Orders, snapshots, nonce invalidation and hourly results on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, text, update
from sqlmodel import Session

from flowmarket import memo
from flowmarket.db import batches_repo, orders_repo, results_repo
from flowmarket.db.batch_tables import OrderBatch
from flowmarket.db.engine import make_engine, upgrade
from flowmarket.db.models import HourOrder, Order, Product
from flowmarket.errors import Conflict, InvalidInput
from flowmarket.memo import BoundedMemo
from flowmarket.oracle.journal import require
from flowmarket.oracle.solve import solve_hour
from flowmarket.orders import order_message
from flowmarket.signing import order_struct_hash
from oracle_steps import clear_stored_hour

HOUR = 500_000
CLOSE = HOUR * 3600.0
ALICE = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
BOB = "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"


def make_order(
    tag: str,
    *,
    participant: str = ALICE,
    nonce: int = 1,
    accepted_at: float = CLOSE - 600,
    from_hour: int = HOUR,
    until_hour: int = HOUR + 5,
    curve: list[list[float]] | None = None,
    portfolio: dict[str, float] | None = None,
) -> Order:
    return Order(
        order_hash="0x" + tag.encode().hex().ljust(64, "0"),
        participant=participant,
        nonce=nonce,
        from_hour=from_hour,
        until_hour=until_hour,
        portfolio=portfolio or {"premium-eu": 1.0},
        curve=curve or [[0.0, 10.0], [10.0, 0.0]],
        signature="0x" + "11" * 65,
        accepted_at=accepted_at,
        receipt_signature="0x" + "22" * 65,
    )


def store(engine: Engine, *orders: Order) -> None:
    with Session(engine, expire_on_commit=False) as session:
        for order in orders:
            orders_repo.insert_order(session, order=order)


def test_identical_order_is_stored_once_and_a_reused_nonce_conflicts(engine: Engine) -> None:
    store(engine, make_order("a"))
    store(engine, make_order("a", accepted_at=CLOSE - 1))
    with Session(engine) as session, pytest.raises(Conflict, match="nonce 1"):
        orders_repo.insert_order(session, order=make_order("b"))
    with Session(engine) as session:
        rows = orders_repo.list_orders(session, participant=ALICE)
    assert [row.accepted_at for row in rows] == [CLOSE - 600]


def test_snapshot_holds_exactly_the_orders_standing_at_the_close(engine: Engine) -> None:
    store(
        engine,
        make_order("standing", nonce=1),
        make_order("late", nonce=2, accepted_at=CLOSE + 1),
        make_order("cancelled-before", nonce=3),
        make_order("cancelled-after", nonce=4),
        make_order("expired", nonce=5, until_hour=HOUR - 1, from_hour=HOUR - 3),
        make_order("starts-later", nonce=6, from_hour=HOUR + 1),
        make_order("invalidated-before", participant=BOB, nonce=1),
        make_order("bob-ok", participant=BOB, nonce=9),
    )
    with Session(engine) as session:
        for tag, when in (("cancelled-before", CLOSE - 1), ("cancelled-after", CLOSE + 5)):
            orders_repo.cancel_order(
                session,
                order_hash="0x" + tag.encode().hex().ljust(64, "0"),
                values={"cancelled_at": when},
            )
        orders_repo.raise_min_nonce(
            session, participant=BOB, min_nonce=5, recorded_at=CLOSE - 10, source="chain"
        )
        orders_repo.raise_min_nonce(
            session, participant=ALICE, min_nonce=4, recorded_at=CLOSE + 10, source="chain"
        )
    with Session(engine) as session:
        standing = orders_repo.standing_orders(session, hour=HOUR)
    ids = {order.order_hash for order in standing}
    expected = {"standing", "cancelled-after", "bob-ok"}
    assert ids == {"0x" + tag.encode().hex().ljust(64, "0") for tag in expected}
    with Session(engine) as session:
        assert orders_repo.min_valid_nonce(session, participant=ALICE) == 4
        assert orders_repo.min_valid_nonce(session, participant=ALICE, at=CLOSE) == 0


def test_min_valid_nonce_never_decreases(engine: Engine) -> None:
    with Session(engine) as session:
        orders_repo.raise_min_nonce(
            session, participant=ALICE, min_nonce=7, recorded_at=1.0, source="chain"
        )
        assert (
            orders_repo.raise_min_nonce(
                session, participant=ALICE, min_nonce=3, recorded_at=2.0, source="chain"
            )
            == 7
        )
        assert orders_repo.next_nonce(session, participant=ALICE) == 7


def test_replacing_an_order_that_is_no_longer_open_conflicts(engine: Engine) -> None:
    store(engine, make_order("old"))
    old_hash = "0x" + b"old".hex().ljust(64, "0")
    first = make_order("new-1", nonce=2)
    first.replaces = old_hash
    second = make_order("new-2", nonce=3)
    second.replaces = old_hash
    with Session(engine) as session:
        orders_repo.insert_order(session, order=first, cancel_values={"cancelled_at": CLOSE})
        with pytest.raises(Conflict, match="no longer open"):
            orders_repo.insert_order(session, order=second, cancel_values={"cancelled_at": CLOSE})
    with Session(engine) as session:
        assert (
            orders_repo.get_order(session, order_hash="0x" + b"new-2".hex().ljust(64, "0")) is None
        )


def store_a_buyer_and_a_seller(engine: Engine) -> None:
    """Alice buys and Bob sells up to 10 GB/h of premium-eu: they meet at 5 a GB."""
    with Session(engine) as session:
        orders_repo.upsert_products(session, products=[Product(name="premium-eu")])
    store(
        engine,
        make_order("buyer", curve=[[0.0, 10.0], [10.0, 0.0]]),
        make_order("seller", participant=BOB, curve=[[-10.0, 10.0], [0.0, 0.0]]),
    )


def test_clears_an_hour_into_prices_positions_and_settlement(engine: Engine) -> None:
    store_a_buyer_and_a_seller(engine)
    cleared = clear_stored_hour(engine, hour=HOUR)
    assert len(cleared["orders"]) == 2
    assert cleared["prices"]["premium-eu"] == pytest.approx(5.0, abs=1e-6)
    with Session(engine) as session, pytest.raises(Conflict, match="already has stored results"):
        solve_hour(session, require(session, HOUR))
    clear_stored_hour(engine, hour=HOUR + 1)
    with Session(engine) as session:
        positions = {
            p.participant: p.quantity for p in results_repo.positions(session, participant=ALICE)
        }
        assert positions[ALICE] == pytest.approx(10.0, abs=1e-6)
        assert results_repo.accumulated_cash(session, participant=ALICE) == pytest.approx(
            -50.0, abs=1e-5
        )
        assert results_repo.accumulated_cash(session, participant=BOB) == pytest.approx(
            50.0, abs=1e-5
        )
        assert results_repo.prices_before(session, hour=HOUR + 2)["premium-eu"] == pytest.approx(
            5.0, abs=1e-6
        )
        assert results_repo.get_hour(session, hour=HOUR + 1) is not None


def test_standing_orders_read_each_hour_follow_cancels_and_the_rows_as_stored(
    engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The snapshot remembers decoded orders across hours (`orders_repo._decoded`): an
    order cancelled after one hour's read stops standing at the next, and an order with
    the same id and signature stored differently elsewhere (another database in the same
    process) reads as stored there, not as remembered."""
    store(
        engine,
        make_order("kept", nonce=1, curve=[[0.0, 30.0], [4.0, 10.0]]),
        make_order("to-cancel", nonce=2),
    )
    with Session(engine) as session:
        first = orders_repo.standing_orders(session, hour=HOUR)
    assert [o.curve for o in first] == [[[0.0, 30.0], [4.0, 10.0]], [[0.0, 10.0], [10.0, 0.0]]]
    with Session(engine) as session:
        orders_repo.cancel_order(
            session,
            order_hash="0x" + b"to-cancel".hex().ljust(64, "0"),
            values={"cancelled_at": CLOSE + 100},
        )
    with Session(engine) as session:
        second = orders_repo.standing_orders(session, hour=HOUR + 1)
    assert [o.order_hash for o in second] == ["0x" + b"kept".hex().ljust(64, "0")]

    other = make_engine(f"sqlite:///{tmp_path_factory.mktemp('other')}/other.sqlite")
    upgrade(other)
    store(other, make_order("kept", nonce=1, curve=[[0.0, 50.0], [2.0, 20.0]]))
    with Session(other) as session:
        elsewhere = orders_repo.standing_orders(session, hour=HOUR)
    other.dispose()
    assert [o.curve for o in elsewhere] == [[[0.0, 50.0], [2.0, 20.0]]]
    with Session(engine) as session:
        again = orders_repo.standing_orders(session, hour=HOUR + 1)
    assert [o.curve for o in again] == [[[0.0, 30.0], [4.0, 10.0]]]


def _batch_of(
    engine: Engine, entries: list[list[object]], struct_hashes: list[str] | None = None
) -> None:
    batch = "0x" + b"batch".hex().ljust(64, "0")
    a = make_order("in-batch-a", nonce=11, curve=[[0.0, 20.0], [3.0, 5.0]])
    b = make_order("in-batch-b", nonce=12, curve=[[0.0, 15.0], [6.0, 1.0]])
    store(engine, a, b)
    with Session(engine) as session:
        session.execute(update(Order).values(batch_hash=batch))
        session.add(
            OrderBatch(
                batch_hash=batch,
                participant=ALICE,
                signature="0x" + "11" * 65,
                recorded_at=CLOSE - 600,
                entries_root="0x" + "33" * 32,
                receipt_signature="0x" + "22" * 65,
                entries=entries,
                order_struct_hashes=struct_hashes,
            )
        )
        session.commit()


def _placed_and_parts(
    session: Session, only: set[str] | None = None
) -> tuple[dict[str, str], dict[str, dict[str, object]]]:
    """As the oracle's snapshot reads them: the standing orders' batches, then their parts."""
    placed = orders_repo.standing_batches(session, hour=HOUR)
    if only is not None:
        placed = {order: batch for order, batch in placed.items() if order in only}
    return placed, batches_repo.batch_parts(session, batch_ids=set(placed.values()))


def test_standing_batches_name_the_batch_of_each_order_standing_at_the_close(
    engine: Engine,
) -> None:
    """Only orders standing for the hour at its close, and placed by a batch, are named."""
    batch, other = "0x" + "b1" * 32, "0x" + "b2" * 32
    standing = make_order("standing", nonce=1)
    loose = make_order("no-batch", nonce=2)
    late = make_order("after-close", nonce=3, accepted_at=CLOSE + 1)
    gone = make_order("cancelled-before", nonce=4)
    later_hours = make_order("later-hours", nonce=5, from_hour=HOUR + 1)
    cancelled_late = make_order("cancelled-after", nonce=6)
    store(engine, standing, loose, late, gone, later_hours, cancelled_late)
    with Session(engine) as session:
        for order, placed_by in [
            (standing, batch), (late, batch), (gone, other), (later_hours, other),
            (cancelled_late, other),
        ]:  # fmt: skip
            session.execute(
                update(Order)
                .where(Order.order_hash == order.order_hash)
                .values(batch_hash=placed_by)
            )
        session.execute(
            update(Order).where(Order.order_hash == gone.order_hash).values(cancelled_at=CLOSE - 1)
        )
        session.execute(
            update(Order)
            .where(Order.order_hash == cancelled_late.order_hash)
            .values(cancelled_at=CLOSE)
        )
        session.commit()
    with Session(engine) as session:
        assert orders_repo.standing_batches(session, hour=HOUR) == {
            standing.order_hash: batch,
            cancelled_late.order_hash: other,
        }
        # two seconds later: the late order stands, the one cancelled at the close does not
        assert orders_repo.standing_batches(session, hour=HOUR, close=CLOSE + 2) == {
            standing.order_hash: batch,
            late.order_hash: batch,
        }
        assert batches_repo.batch_parts(session, batch_ids=[]) == {}


def test_a_batch_remembered_across_hours_reads_as_stored_in_its_own_database(
    engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """`batch_parts` remembers each batch's members by its entries as stored: the same
    batch id with its members listed in the other order elsewhere reads in that order."""
    a, b = ("0x" + tag.encode().hex().ljust(64, "0") for tag in ("in-batch-a", "in-batch-b"))
    _batch_of(engine, [[a, "accepted", 0, None], [b, "accepted", 1, None]])
    with Session(engine) as session:
        struct = {
            o.order_hash: "0x" + order_struct_hash(order_message(o)).hex()
            for o in orders_repo.orders_by_hash(session, order_hashes=[a, b])
        }
        placed, batches = _placed_and_parts(session)
    (batch,) = set(placed.values())
    assert placed == {a: batch, b: batch}
    assert batches == {batch: {"orders": [struct[a], struct[b]], "cancels": []}}

    other = make_engine(f"sqlite:///{tmp_path_factory.mktemp('other')}/other.sqlite")
    upgrade(other)
    _batch_of(other, [[b, "accepted", 0, None], [a, "accepted", 1, None], [a, "x", 2, None]])
    with Session(other) as session:
        _, elsewhere = _placed_and_parts(session)
    other.dispose()
    assert elsewhere == {batch: {"orders": [struct[b], struct[a]], "cancels": []}}
    with Session(engine) as session:
        _, again = _placed_and_parts(session, only={a})
    assert again == batches


def test_a_batch_stored_with_its_struct_hashes_lists_them_as_stored(engine: Engine) -> None:
    """A batch the API stored with its orders' struct hashes is listed with those, read,
    not recomputed from its orders (marker values stand in for them here); a stored
    list that does not match the batch's accepted orders is refused, naming it."""
    a, b = ("0x" + tag.encode().hex().ljust(64, "0") for tag in ("in-batch-a", "in-batch-b"))
    kept = ["0x" + "aa" * 32, "0x" + "bb" * 32]
    _batch_of(engine, [[a, "accepted", 0, None], [b, "accepted", 1, None]], kept)
    with Session(engine) as session:
        placed, batches = _placed_and_parts(session)
    (batch,) = set(placed.values())
    assert batches == {batch: {"orders": kept, "cancels": []}}

    with Session(engine) as session:
        session.execute(update(OrderBatch).values(order_struct_hashes=kept[:1]))
        session.commit()
    with Session(engine) as session, pytest.raises(InvalidInput) as refused:
        _placed_and_parts(session, only={a})
    assert str(refused.value) == (
        f"order_batches.{batch}.order_struct_hashes: 1 hashes stored for 2 accepted orders"
    )


def test_an_hours_absent_portfolio_rates_are_sql_null_and_a_json_null_reads_the_same(
    engine: Engine,
) -> None:
    """An hour's order rows without portfolio rates (every curve order) hold SQL NULL,
    nothing to encode or decode; rows written before that, holding the JSON text
    `null`, read back as None too."""
    store_a_buyer_and_a_seller(engine)
    clear_stored_hour(engine, hour=HOUR)
    seller = "0x" + b"seller".hex().ljust(64, "0")
    with Session(engine) as session:
        query = text("SELECT order_hash, portfolio_rates IS NULL FROM hour_orders")
        stored = {h: bool(is_null) for h, is_null in session.execute(query).all()}
        assert stored == {"0x" + b"buyer".hex().ljust(64, "0"): True, seller: True}
        session.execute(
            text("UPDATE hour_orders SET portfolio_rates = 'null' WHERE order_hash = :h"),
            {"h": seller},
        )
        session.commit()
    with Session(engine) as session:
        row = session.get(HourOrder, (HOUR, seller))
        assert row is not None and row.portfolio_rates is None


def test_the_oracle_reading_a_book_larger_than_the_memos_grows_them_and_others_do_not(
    engine: Engine, standing_memos: list[BoundedMemo[Any, Any]]
) -> None:
    """The memos hold two orders here. Another reader (the API) leaves them so; the
    oracle's read of a book of five (`fit_memos`) grows them to six (five and a quarter's
    room, rounded down) before it is decoded, so each order read the next hour is the
    object decoded this hour. Without the growth only the last two would be."""
    store(engine, *(make_order(f"book-{k}", nonce=k + 1) for k in range(5)))
    with Session(engine) as session:
        orders_repo.standing_orders(session, hour=HOUR)
    assert memo.standing_limit() == 2
    with Session(engine) as session:
        first = orders_repo.standing_orders(session, hour=HOUR, fit_memos=True)
    assert memo.standing_limit() == 6
    with Session(engine) as session:
        second = orders_repo.standing_orders(session, hour=HOUR + 1, fit_memos=True)
    assert len(second) == 5
    assert all(a is b for a, b in zip(first, second, strict=True))
