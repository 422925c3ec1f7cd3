"""An hour's results stored in bulk (`results_repo.store_hour`, `db.bulk`) on both
databases: order rows, portfolio rates as JSON, and positions that grow hour by hour
by the exact committed trades. Every expected value is written by hand."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlmodel import Session, select

from flowmarket.db import results_repo
from flowmarket.db.engine import upgrade
from flowmarket.db.models import HourOrder, Position

HOUR = 500_000
ALICE = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
BOB = "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"
CURVE = "0x" + "c1" * 32
BLOCK = "0x" + "b1" * 32
REFUSED = "0x" + "b2" * 32
SPLIT = "0x" + "d1" * 32
OWNERS = {CURVE: ALICE, BLOCK: ALICE, REFUSED: BOB, SPLIT: BOB}


def result(alice: float, extra: dict[str, float]) -> dict[str, Any]:
    """A RESULT document: Alice buys `alice` GB/h of p1 (and `extra`), Bob sells it."""
    return {
        "welfare": 12.5,
        "certificate": {"max_imbalance": 0.0},
        "prices": {"p1": 4.0, "p2": 2.0},
        "products": {
            "p1": {"volume": alice, "slope": 0.5},
            "p2": {"volume": 0.0, "slope": 0.0},
        },
        "orders": {
            CURVE: {"quantity": alice},
            BLOCK: {"quantity": 1.0, "accepted": True},
            REFUSED: {"quantity": 0.0, "accepted": False},
            SPLIT: {"quantity": -alice},
        },
        "portfolios": {f"{SPLIT}:north": {"quantity": 1.25}, f"{SPLIT}:south": {"quantity": -0.5}},
        "participants": {
            ALICE: {"trades": {"p1": alice, **extra}, "cash": -4.0 * alice},
            BOB: {"trades": {"p1": -alice}, "cash": 4.0 * alice},
        },
    }


def store(engine: Engine, hour: int, doc: dict[str, Any], exact: dict[str, Any]) -> None:
    with Session(engine) as session:
        results_repo.store_hour(
            session,
            hour=hour,
            result=doc,
            owners=OWNERS,
            cleared_at=1.0,
            n_orders=len(doc["orders"]),
            exact=exact,
        )


def positions(engine: Engine) -> dict[tuple[str, str], tuple[float, str, int]]:
    with Session(engine) as session:
        rows = session.exec(select(Position)).all()
        return {(p.participant, p.product): (p.quantity, p.wei, p.updated_hour) for p in rows}


def store_two_hours(engine: Engine) -> None:
    # Exact trades one wei off the floats: positions must add these, not the floats.
    store(
        engine,
        HOUR,
        result(2.5, {}),
        {ALICE: {"p1": 2_500000000000000001}, BOB: {"p1": -2_500000000000000001}},
    )
    store(
        engine,
        HOUR + 1,
        result(1.5, {"p2": 0.25}),
        {
            ALICE: {"p1": 1_499999999999999998, "p2": 250000000000000000},
            BOB: {"p1": -1_499999999999999998},
        },
    )


def test_positions_grow_by_the_exact_trades_and_new_products_are_inserted(
    engine: Engine,
) -> None:
    store_two_hours(engine)
    assert positions(engine) == {
        (ALICE, "p1"): (4.0, "3999999999999999999", HOUR + 1),
        (ALICE, "p2"): (0.25, "250000000000000000", HOUR + 1),
        (BOB, "p1"): (-4.0, "-3999999999999999999", HOUR + 1),
    }


def test_an_hours_order_rows_keep_their_rates_acceptance_and_owner(engine: Engine) -> None:
    store_two_hours(engine)
    with Session(engine) as session:
        rows = session.exec(select(HourOrder).where(HourOrder.hour == HOUR + 1)).all()
        stored = {
            r.order_hash: (r.participant, r.quantity, r.accepted, r.portfolio_rates) for r in rows
        }
        # The JSON column holds JSON (PostgreSQL's json type, not a quoted string).
        kind = session.execute(
            text("SELECT portfolio_rates FROM hour_orders WHERE order_hash = :h AND hour = :n"),
            {"h": SPLIT, "n": HOUR + 1},
        ).scalar_one()
    assert stored == {
        CURVE: (ALICE, 1.5, None, None),
        BLOCK: (ALICE, 1.0, True, None),
        REFUSED: (BOB, 0.0, False, None),
        SPLIT: (BOB, -1.5, None, {"north": 1.25, "south": -0.5}),
    }
    if engine.dialect.name == "postgresql":  # psycopg decodes a json column's value
        assert kind == {"north": 1.25, "south": -0.5}
    else:  # `jsontext.dumps`'s compact text
        assert kind == '{"north":1.25,"south":-0.5}'


def test_a_dialect_without_positional_markers_stores_the_same_rows(
    engine: Engine, tmp_path: Any
) -> None:
    """SQLite with named parameters goes through SQLAlchemy Core (`bulk`'s fallback):
    the same positions and order rows as the driver's own executemany."""
    named = create_engine(f"sqlite:///{tmp_path / 'named.sqlite'}", paramstyle="named")
    upgrade(named)
    store_two_hours(engine)
    store_two_hours(named)
    assert positions(named) == positions(engine)
    with Session(named) as a, Session(engine) as b:
        query = select(HourOrder).order_by(HourOrder.hour, HourOrder.order_hash)
        assert [r.model_dump() for r in a.exec(query)] == [r.model_dump() for r in b.exec(query)]
    named.dispose()
