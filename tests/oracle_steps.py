"""Clear a stored hour through the oracle's own steps, without a chain (tests only).

The oracle's snapshot step reads the governed fee and every participant's collateral
from the contracts; tests of the storage and of the API's read side have no node, so
this journals the snapshot the oracle would take with no collateral cut and the given
fee (the orders standing at the close, by `orders_repo.standing_orders`, as
`oracle.snapshot` reads them), then runs the oracle's real solve step on it.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.catalogue.hours import bidding_close
from flowmarket.clearing import ResultDoc
from flowmarket.db import orders_repo
from flowmarket.db.oracle_tables import OracleHour
from flowmarket.oracle.solve import solve_hour
from flowmarket.orders import engine_order, orders_document
from flowmarket.states import JournalStep


def clear_stored_hour(engine: Engine, *, hour: int, fee_bps: int = 0) -> ResultDoc:
    """Snapshot (journal step `snapshotted`) and solve hour `hour` from the stored book."""
    close = bidding_close(hour)
    with Session(engine, expire_on_commit=False) as session:
        document = orders_document(
            orders_repo.standing_orders(session, hour=hour, close=close), hour=hour
        )
        row = OracleHour(
            hour=hour,
            step=JournalStep.SNAPSHOTTED,
            close_time=close,
            fee_bps=fee_bps,
            engine_doc={
                "products": document["products"],
                "orders": [engine_order(order) for order in document["orders"]],
            },
            owners={order["id"]: order["participant"] for order in document["orders"]},
            collateral={"participants": {}, "cut_orders": {}, "dropped_by_min_nonce": []},
            updated_at=time.time(),
        )
        session.add(row)
        session.commit()
        return solve_hour(session, row)
