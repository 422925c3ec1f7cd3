"""Repository functions for cleared hours: public results, per-order and per-participant
entries, positions, and the commitment columns the oracle fills."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, func, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from flowmarket.clearing.schema import ResultDoc
from flowmarket.db.bulk import insert_rows, update_rows
from flowmarket.db.models import HourOrder, HourParticipant, HourProduct, HourResult, Position
from flowmarket.money import to_wad

ExactTrades = Mapping[str, Mapping[str, int]]


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model, for bulk statements without ORM objects."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


# The `hour_orders` columns, in the order of `_bulk_rows`' tuples.
_ORDER_COLUMNS = ("hour", "order_hash", "participant", "quantity", "accepted", "portfolio_rates")


def store_hour(
    session: Session,
    *,
    hour: int,
    result: ResultDoc,
    owners: Mapping[str, str],
    cleared_at: float,
    n_orders: int,
    commit: bool = True,
    exact: ExactTrades | None = None,
    positions: bool = True,
) -> None:
    """Store cleared hour `hour` (its RESULT document) and add its trades to positions, in
    one transaction (committed unless `commit` is False: the caller adds to it and
    commits). owners: order id → participant address, for the per-order rows; the many
    product and order rows are inserted in bulk (an hour of the demo catalogue has
    2,016 and ~5,900). exact: the hour's committed integer trades (participant →
    product → 10^-18 GB, `money.hour_amounts`), added to the exact positions; without
    it each float trade is rounded to the wei."""
    summary = HourResult(
        hour=hour,
        cleared_at=cleared_at,
        n_orders=n_orders,
        welfare=float(result["welfare"]),
        certificate=dict(result["certificate"]),
    )
    participants = [
        HourParticipant(
            hour=hour,
            participant=who,
            trades={p: float(q) for p, q in entry["trades"].items()},
            cash=float(entry["cash"]),
        )
        for who, entry in result["participants"].items()
    ]
    session.add(summary)
    session.add_all(participants)
    session.flush()
    products, orders = _bulk_rows(hour, result, owners)
    connection = session.connection()
    if products:
        connection.execute(insert(table_of(HourProduct)), products)
    insert_rows(connection, table_of(HourOrder), _ORDER_COLUMNS, orders)
    if positions:  # False: an hour cleared in intervals added each interval's already
        add_to_positions(session, hour=hour, participants=participants, exact=exact)
    if commit:
        session.commit()


def _bulk_rows(
    hour: int, result: ResultDoc, owners: Mapping[str, str]
) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    """The `hour_products` rows of a result as column mappings, and its `hour_orders`
    rows as tuples in the order of `_ORDER_COLUMNS` (`bulk.insert_rows`)."""
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
    rates: dict[str, dict[str, float]] = {}
    for pid, entry in result.get("portfolios", {}).items():
        order_hash, colon, name = pid.partition(":")  # a portfolio order's (`orders`)
        if colon:
            rates.setdefault(order_hash, {})[name] = float(entry["quantity"])
    orders = [
        (
            hour,
            k,
            owners[k],
            float(e["quantity"]),
            e.get("accepted"),
            rates.get(k),
        )
        for k, e in result["orders"].items()
    ]
    return products, orders


def add_to_positions(
    session: Session,
    *,
    hour: int,
    participants: Sequence[HourParticipant],
    exact: ExactTrades | None = None,
) -> None:
    """Add each entry's trades to its positions (exact: see `store_hour`)."""
    add_quantities(
        session,
        hour=hour,
        deltas=[(entry.participant, entry.trades) for entry in participants],
        exact=exact,
    )


def add_quantities(
    session: Session,
    *,
    hour: int,
    deltas: Sequence[tuple[str, Mapping[str, float]]],
    exact: ExactTrades | None = None,
) -> None:
    """Add (participant, {product: GB}) changes to positions (a clearing's trades, an
    auction's awards): one read, then bulk updates and inserts; `updated_hour` = hour.
    The exact holding (`Position.wei`) grows by `exact[participant][product]` where
    given, else by the change rounded to the wei (`money.to_wad`)."""
    who = sorted({participant for participant, _ in deltas})
    if not who:
        return
    table = table_of(Position)
    connection = session.connection()
    read = sa_select(table.c.participant, table.c.product, table.c.quantity, table.c.wei).where(
        table.c.participant.in_(who)
    )
    current = {(row[0], row[1]): (float(row[2]), int(row[3])) for row in connection.execute(read)}
    updates: dict[tuple[str, str], tuple[float, int]] = {}
    inserts: dict[tuple[str, str], tuple[float, int]] = {}
    for participant, changes in deltas:
        book = exact.get(participant, {}) if exact is not None else {}
        for product, quantity in changes.items():
            wei = book[product] if product in book else to_wad(quantity)
            key = (participant, product)
            if key in current:
                total, held = current[key]
                current[key] = updates[key] = (total + quantity, held + wei)
            elif key in inserts:
                total, held = inserts[key]
                inserts[key] = (total + quantity, held + wei)
            else:
                inserts[key] = (quantity, wei)
    # In key order: writers that update the same positions take their rows in one order.
    update_rows(
        connection,
        table,
        keys=("participant", "product"),
        columns=("quantity", "wei", "updated_hour"),
        rows=[(q, str(w), hour, p, k) for (p, k), (q, w) in sorted(updates.items())],
    )
    insert_rows(
        connection,
        table,
        ("participant", "product", "quantity", "wei", "updated_hour"),
        [(p, k, q, str(w), hour) for (p, k), (q, w) in sorted(inserts.items())],
    )


def get_hour(session: Session, *, hour: int) -> HourResult | None:
    return session.get(HourResult, hour)


def latest_hour(session: Session) -> int | None:
    value = session.exec(select(func.max(HourResult.hour))).one()
    return int(value) if value is not None else None


def hour_products(session: Session, *, hour: int) -> list[HourProduct]:
    query = select(HourProduct).where(HourProduct.hour == hour).order_by(col(HourProduct.product))
    return list(session.exec(query))


def hour_product(session: Session, *, hour: int, product: str) -> HourProduct | None:
    return session.get(HourProduct, (hour, product))


def hour_participant(session: Session, *, hour: int, participant: str) -> HourParticipant | None:
    return session.get(HourParticipant, (hour, participant))


def hour_prices(session: Session, *, hour: int) -> dict[str, float]:
    """{product: price} of a cleared hour (only those two columns are read)."""
    table = table_of(HourProduct)
    query = (
        sa_select(table.c.product, table.c.price)
        .where(table.c.hour == hour)
        .order_by(table.c.product)
    )
    return {str(row[0]): float(row[1]) for row in session.connection().execute(query)}


def prices_before(session: Session, *, hour: int) -> dict[str, float]:
    """Prices of the latest cleared hour before `hour` ({} when none)."""
    previous = session.exec(select(func.max(HourResult.hour)).where(HourResult.hour < hour)).one()
    if previous is None:
        return {}
    return hour_prices(session, hour=int(previous))


def positions(session: Session, *, participant: str) -> list[Position]:
    query = (
        select(Position).where(Position.participant == participant).order_by(col(Position.product))
    )
    return list(session.exec(query))


def participant_history(
    session: Session, *, participant: str, limit: int = 10_000
) -> list[HourParticipant]:
    """The participant's entries per cleared hour, oldest first."""
    query = (
        select(HourParticipant)
        .where(HourParticipant.participant == participant)
        .order_by(col(HourParticipant.hour))
        .limit(limit)
    )
    return list(session.exec(query))


def participant_order_fills(session: Session, *, participant: str) -> list[HourOrder]:
    query = (
        select(HourOrder)
        .where(HourOrder.participant == participant)
        .order_by(col(HourOrder.hour), col(HourOrder.order_hash))
    )
    return list(session.exec(query))


def accumulated_cash(session: Session, *, participant: str, until_hour: int | None = None) -> float:
    """Sum of the participant's cash flows (capacity tokens; negative = pays)."""
    query = select(func.coalesce(func.sum(HourParticipant.cash), 0.0)).where(
        HourParticipant.participant == participant
    )
    if until_hour is not None:
        query = query.where(HourParticipant.hour <= until_hour)
    return float(session.exec(query).one())
