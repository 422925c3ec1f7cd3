"""A delivered hour for the real-time tests: clear it through the oracle's solve step.

Hours are journaled as the oracle's snapshot would be (no collateral cut) with real
orders (linear curves whose crossing is worked out by hand in the tests), then the
oracle's real `solve_hour` clears them with the real engine and the delivery rules.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.catalogue import format_hour
from flowmarket.clearing import ResultDoc
from flowmarket.db.oracle_tables import OracleHour
from flowmarket.money import WAD
from flowmarket.oracle.realtime import DeliveryRules
from flowmarket.oracle.solve import solve_hour
from flowmarket.states import JournalStep

HOUR = 500_000  # the delivery hour
OPERATOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
ALICE = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
BOB = "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"
CAT = "0x6813Eb9362372EEF6200f3b1dbC3f819671cBA69"
# 10 GB per region and hour, 1 token per GB over the position, settled 2 hours later.
RULES = DeliveryRules(operator=OPERATOR, premium=WAD, capacity=10 * WAD, lag=2)


def product(kind: str, service: str, hour: int = HOUR) -> str:
    return f"{kind}:eu:{service}:{format_hour(hour)}"


def pair(name: str, buyer: str, *, top: float, width: float) -> list[dict[str, object]]:
    """Buyer q = width·(1 − p/top), operator sells q = width·p/top: price top/2,
    quantity width/2."""
    return [
        {
            "id": f"{name}-buy",
            "participant": buyer,
            "portfolio": {name: 1.0},
            "curve": [[0.0, top], [width, 0.0]],
        },
        {
            "id": f"{name}-sell",
            "participant": OPERATOR,
            "portfolio": {name: 1.0},
            "curve": [[-width, top], [0.0, 0.0]],
        },
    ]


def clear(
    engine: Engine, hour: int, orders: list[dict[str, object]], rules: DeliveryRules = RULES
) -> ResultDoc:
    """Journal hour `hour` with `orders` and run the oracle's solve step on it."""
    products = sorted({p for o in orders for p in o["portfolio"]})  # type: ignore[attr-defined]
    with Session(engine, expire_on_commit=False) as session:
        row = OracleHour(
            hour=hour,
            step=JournalStep.SNAPSHOTTED,
            close_time=hour * 3600.0,
            fee_bps=30,
            engine_doc={"products": products, "orders": orders},
            owners={str(o["id"]): str(o["participant"]) for o in orders},
            collateral={"participants": {}, "cut_orders": {}, "dropped_by_min_nonce": []},
            updated_at=time.time(),
        )
        session.add(row)
        session.commit()
        return solve_hour(session, row, delivery=rules)


def trade_up_to_delivery(engine: Engine) -> None:
    """Hour − 1: bob buys 5 GB of the regular hourly forward for HOUR at 5.
    HOUR: alice buys 5 GB real-time premium at 5; cat 4 GB real-time regular at 2."""
    clear(engine, HOUR - 1, pair(product("fwd-h", "regular"), BOB, top=10.0, width=10.0))
    clear(
        engine,
        HOUR,
        pair(product("rt", "premium"), ALICE, top=10.0, width=10.0)
        + pair(product("rt", "regular"), CAT, top=4.0, width=8.0),
    )
    next_hour = product("rt", "premium", HOUR + 1)
    clear(engine, HOUR + 1, pair(next_hour, ALICE, top=10.0, width=10.0))
