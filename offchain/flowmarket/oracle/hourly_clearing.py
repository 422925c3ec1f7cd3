"""Clear one delivery hour from the stored order book and store its results.

snapshot the orders standing when hour h's window closed → ORDERS.json →
`clear_document` (prior = the previous cleared hour's prices) → store prices,
volumes, slopes, certificate, per-order quantities, per-participant trades and
cash, and update positions. The oracle wraps this with collateral rules, integer
money, Merkle trees and the on-chain commit, filling the commitment columns.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.backend.published import orders_document
from flowmarket.clearing import clear_document
from flowmarket.db import orders_repo, results_repo
from flowmarket.db.models import HourParticipant, HourResult
from flowmarket.errors import Conflict, FieldError

SECONDS_PER_HOUR = 3600
ClearFn = Callable[[Mapping[str, Any], Mapping[str, Any] | None], dict[str, Any]]


@dataclass(frozen=True)
class HourCleared:
    """What one clearing stored. prices: {product: capacity tokens per GB}."""

    hour: int
    n_orders: int
    prices: dict[str, float]
    welfare: float
    orders_doc: dict[str, Any]
    result_doc: dict[str, Any]


def snapshot(engine: Engine, *, hour: int) -> dict[str, Any]:
    """ORDERS.json of the orders standing at the close of `hour` (hour × 3600 s)."""
    with Session(engine) as session:
        return orders_document(orders_repo.standing_orders(session, hour=hour), hour=hour)


def clear_hour(
    engine: Engine,
    *,
    hour: int,
    now: float | None = None,
    clear_fn: ClearFn = clear_document,
) -> HourCleared:
    """Clear `hour` once its bidding window has closed; refuses to clear it twice."""
    now = time.time() if now is None else now
    if now < hour * SECONDS_PER_HOUR:
        raise FieldError("hour", f"the bidding window of hour {hour} has not closed yet")
    with Session(engine, expire_on_commit=False) as session:
        if results_repo.get_hour(session, hour=hour) is not None:
            raise Conflict("hour", f"hour {hour} is already cleared")
        rows = orders_repo.standing_orders(session, hour=hour)
        orders_doc = orders_document(rows, hour=hour)
        prior = results_repo.prices_before(session, hour=hour)
        products = set(orders_doc["products"])
        prior_doc = {"prices": {p: v for p, v in prior.items() if p in products}}
        engine_doc = {"products": orders_doc["products"], "orders": orders_doc["orders"]}
        result = clear_fn(engine_doc, prior_doc) if rows else empty_result()
        owners = {row.order_hash: row.participant for row in rows}
        _store(session, hour=hour, now=now, n_orders=len(rows), result=result, owners=owners)
    return HourCleared(
        hour=hour,
        n_orders=len(rows),
        prices=dict(result["prices"]),
        welfare=float(result["welfare"]),
        orders_doc=orders_doc,
        result_doc=result,
    )


def empty_result() -> dict[str, Any]:
    """The RESULT document of an hour with no standing orders: nothing trades."""
    return {
        "prices": {},
        "orders": {},
        "participants": {},
        "products": {},
        "welfare": 0.0,
        "certificate": {"max_imbalance": 0.0, "max_order_gap": 0.0, "empty": True},
    }


def _store(
    session: Session,
    *,
    hour: int,
    now: float,
    n_orders: int,
    result: Mapping[str, Any],
    owners: Mapping[str, str],
) -> None:
    results_repo.store_hour(
        session, **result_rows(hour, result, owners, cleared_at=now, n_orders=n_orders)
    )


def result_rows(
    hour: int,
    result: Mapping[str, Any],
    owners: Mapping[str, str],
    *,
    cleared_at: float,
    n_orders: int,
) -> dict[str, Any]:
    """The rows `results_repo.store_hour` takes for one cleared hour (keyword arguments):
    the summary and participant entries as models, the many product and order rows as
    column mappings (bulk inserted).

    owners: order id → participant address, for the per-order rows."""
    products = [
        {
            "hour": hour,
            "product": name,
            "price": float(price),
            "volume": float(result["products"][name]["volume"]),
            "slope": float(result["products"][name]["slope"]),
        }
        for name, price in result["prices"].items()
    ]
    orders = [
        {
            "hour": hour,
            "order_hash": oid,
            "participant": owners[oid],
            "quantity": float(e["quantity"]),
        }
        for oid, e in result["orders"].items()
    ]
    participants = [
        HourParticipant(
            hour=hour,
            participant=who,
            trades={p: float(q) for p, q in entry["trades"].items()},
            cash=float(entry["cash"]),
        )
        for who, entry in result["participants"].items()
    ]
    summary = HourResult(
        hour=hour,
        cleared_at=cleared_at,
        n_orders=n_orders,
        welfare=float(result["welfare"]),
        certificate=dict(result["certificate"]),
    )
    return {"result": summary, "products": products, "orders": orders, "participants": participants}
