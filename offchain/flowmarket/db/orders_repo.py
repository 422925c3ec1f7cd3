"""Repository functions for the catalogue, participants' nonces and signed orders.

An order is *standing* for delivery hour h when it was accepted before the bidding
window of h closed (by default `catalogue.hours.bidding_close(h)` = h × 3600 Unix
seconds; the oracle passes its own clock's close), was not cancelled before then,
covers h (`from_hour ≤ h ≤ until_hour`) and its nonce is not below the participant's
`min_valid_nonce` as recorded before the close (`standing_orders`, the one place this
rule is coded).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import JSON, String, Update, cast, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from flowmarket.catalogue.hours import bidding_close
from flowmarket.db.models import NonceInvalidation, Order, Participant, Product
from flowmarket.db.results_repo import table_of
from flowmarket.errors import Conflict
from flowmarket.memo import BoundedMemo, fit_standing, standing_memo
from flowmarket.order_limits import Part, portfolio_parts
from flowmarket.orders import SIGNED_ORDER_FIELDS, SignedOrder, risk_curve


def upsert_products(session: Session, *, products: Iterable[Product]) -> int:
    """Insert or update catalogue rows; returns how many were written."""
    count = 0
    for product in products:
        session.merge(product)
        count += 1
    session.commit()
    return count


def list_products(session: Session, *, active_only: bool = True) -> list[Product]:
    query = select(Product).order_by(col(Product.name))
    if active_only:
        query = query.where(col(Product.active))
    return list(session.exec(query))


def product_names(session: Session) -> set[str]:
    return set(session.exec(select(Product.name).where(col(Product.active))))


def min_valid_nonce(session: Session, *, participant: str, at: float | None = None) -> int:
    """The participant's lowest valid nonce now, or as recorded before time `at`."""
    if at is None:
        row = session.get(Participant, participant)
        return row.min_valid_nonce if row is not None else 0
    query = select(func.max(NonceInvalidation.min_nonce)).where(
        NonceInvalidation.participant == participant, NonceInvalidation.recorded_at < at
    )
    value = session.exec(query).one()
    return int(value) if value is not None else 0


def raise_min_nonce(
    session: Session, *, participant: str, min_nonce: int, recorded_at: float, source: str
) -> int:
    """Invalidate every order of `participant` with nonce below `min_nonce` (never lowers)."""
    row = session.get(Participant, participant) or Participant(address=participant)
    if min_nonce > row.min_valid_nonce:
        row.min_valid_nonce = min_nonce
        session.add(row)
        session.add(
            NonceInvalidation(
                participant=participant, min_nonce=min_nonce, recorded_at=recorded_at, source=source
            )
        )
    session.commit()
    return row.min_valid_nonce


def next_nonce(session: Session, *, participant: str) -> int:
    """One more than the highest nonce used, and at least `min_valid_nonce`."""
    used = session.exec(select(func.max(Order.nonce)).where(Order.participant == participant)).one()
    floor = min_valid_nonce(session, participant=participant)
    return max(floor, (int(used) + 1) if used is not None else 0)


def _cancel_statement(order_hash: str, values: dict[str, Any]) -> Update:
    return (
        update(Order)
        .where(col(Order.order_hash) == order_hash, col(Order.cancelled_at).is_(None))
        .values(**values)
    )


def insert_order(
    session: Session, *, order: Order, cancel_values: dict[str, Any] | None = None
) -> Order:
    """Store `order`; with `cancel_values`, also cancel the open order it replaces
    (`order.replaces`), in the same transaction.

    Returns the stored row: the existing one when the identical signed order was
    stored before. Raises Conflict when the participant already used the nonce or
    the replaced order is no longer open.
    """
    existing = session.get(Order, order.order_hash)
    if existing is not None:
        return existing
    if order.replaces is not None and cancel_values is not None:
        done = session.connection().execute(_cancel_statement(order.replaces, cancel_values))
        if done.rowcount != 1:
            session.rollback()
            # The same signed replacement, sent twice at once: the other request won.
            existing = session.get(Order, order.order_hash)
            if existing is not None:
                return existing
            raise Conflict("order.replaces", f"order {order.replaces} is no longer open")
    session.add(order)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = session.get(Order, order.order_hash)
        if existing is not None:
            return existing
        raise Conflict(
            "order.nonce", f"nonce {order.nonce} was already used by {order.participant}"
        ) from None
    return order


def cancel_order(session: Session, *, order_hash: str, values: dict[str, Any]) -> Order | None:
    """Cancel the order if it is still uncancelled (first cancel wins); return the row."""
    session.connection().execute(_cancel_statement(order_hash, values))
    session.commit()
    row = session.get(Order, order_hash)
    if row is not None:
        session.refresh(row)
    return row


def get_order(session: Session, *, order_hash: str) -> Order | None:
    return session.get(Order, order_hash)


def orders_by_hash(session: Session, *, order_hashes: Sequence[str]) -> list[SignedOrder]:
    """The stored orders among `order_hashes`, in one query (unknown hashes are skipped)."""
    if not order_hashes:
        return []
    t = table_of(Order).c
    query = sa_select(*(t[name] for name in SIGNED_ORDER_FIELDS)).where(
        t.order_hash.in_(order_hashes)
    )
    return [SignedOrder(*row) for row in session.connection().execute(query)]


def list_orders(
    session: Session, *, participant: str, open_from_hour: int | None = None, limit: int = 1000
) -> list[Order]:
    """The participant's orders, newest first; only uncancelled ones still covering
    `open_from_hour` or later when it is given."""
    query = select(Order).where(Order.participant == participant)
    if open_from_hour is not None:
        query = query.where(col(Order.cancelled_at).is_(None), Order.until_hour >= open_from_hour)
    query = query.order_by(col(Order.accepted_at).desc()).limit(limit)
    return list(session.exec(query))


def count_open_orders(
    session: Session, *, participant: str, open_from_hour: int, min_nonce: int | None = None
) -> int:
    """Uncancelled orders still covering `open_from_hour`, nonce ≥ min valid nonce."""
    floor = min_valid_nonce(session, participant=participant) if min_nonce is None else min_nonce
    query = select(func.count()).where(
        Order.participant == participant,
        col(Order.cancelled_at).is_(None),
        Order.until_hour >= open_from_hour,
        Order.nonce >= floor,
    )
    return int(session.exec(query).one())


def open_order_hashes(
    session: Session, *, participant: str, open_from_hour: int, min_nonce: int
) -> list[str]:
    """The participant's open orders: uncancelled, still covering `open_from_hour`,
    nonce ≥ `min_nonce`; their hashes (all of them, oldest first)."""
    t = table_of(Order).c
    query = (
        sa_select(t.order_hash)
        .where(
            t.participant == participant,
            t.cancelled_at.is_(None),
            t.until_hour >= open_from_hour,
            t.nonce >= min_nonce,
        )
        .order_by(t.accepted_at, t.order_hash)
    )
    return [row[0] for row in session.connection().execute(query)]


def order_parts(session: Session, *, order_hashes: Sequence[str]) -> list[tuple[str, list[Part]]]:
    """(order_hash, its `orders.risk_parts`) of the stored orders among `order_hashes`:
    the (portfolio, curve) pairs its risk reads (a non-convex order's `risk_curve`, a
    portfolio order's one pair per named portfolio)."""
    t = table_of(Order).c
    out: list[tuple[str, list[Part]]] = []
    for start in range(0, len(order_hashes), 500):  # well below SQLite's parameter limit
        chunk = order_hashes[start : start + 500]
        query = sa_select(t.order_hash, t.portfolio, t.curve, t.terms, t.portfolios).where(
            t.order_hash.in_(chunk)
        )
        for row in session.connection().execute(query):
            if row[4] is None:
                out.append((row[0], [(row[1], risk_curve(row[2], row[3]))]))
                continue
            pairs = [(float(p["weight"]), dict(p["products"])) for p in row[4]]
            out.append((row[0], portfolio_parts(pairs, row[2])))
    return out


def standing_orders(
    session: Session, *, hour: int, close: float | None = None, fit_memos: bool = False
) -> list[SignedOrder]:
    """The orders standing for delivery hour `hour` when its bidding window closed at
    `close` (Unix seconds; default `bidding_close(hour)`), oldest first. Read as tuples
    (thousands of orders an hour at the demo catalogue: no ORM objects).

    fit_memos: size the memos of a standing order's work to this book before it is
    decoded (`memo.fit_standing`): the oracle's snapshot, which reads the whole book every
    hour. Other readers (the API's order set of an hour not yet snapshotted) leave them
    as they are, so an API worker never grows to hold a large book."""
    close = bidding_close(hour) if close is None else close
    t = table_of(Order).c
    query = (
        sa_select(*(_as_text(t[name]) for name in SIGNED_ORDER_FIELDS))
        .where(*_standing(hour, close))
        .order_by(t.accepted_at, t.order_hash)
    )
    raw = [tuple(row) for row in session.connection().execute(query)]
    if fit_memos:
        fit_standing(len(raw))
    rows = [_decoded(row) for row in raw]
    floors = {
        participant: min_valid_nonce(session, participant=participant, at=close)
        for participant in {row.participant for row in rows}
    }
    return [row for row in rows if row.nonce >= floors[row.participant]]


def standing_batches(session: Session, *, hour: int, close: float | None = None) -> dict[str, str]:
    """{order id: the id of the batch that placed it} of the orders standing for `hour` at
    `close` (`standing_orders`' rows, before any nonce floor) that came in a signed batch.
    One query over the hour's window: naming the 10^5 ids of a large hour in an IN list
    took three times as long (bench/README.md, "The oracle's hour")."""
    t = table_of(Order).c
    query = sa_select(t.order_hash, t.batch_hash).where(
        *_standing(hour, close), t.batch_hash.is_not(None)
    )
    return {str(order): str(batch) for order, batch in session.connection().execute(query)}


def _standing(hour: int, close: float | None) -> tuple[Any, ...]:
    """The conditions of an order standing for `hour` when its window closed at `close`."""
    close = bidding_close(hour) if close is None else close
    t = table_of(Order).c
    return (
        t.accepted_at < close,
        or_(t.cancelled_at.is_(None), t.cancelled_at >= close),
        t.from_hour <= hour,
        t.until_hour >= hour,
    )


def _as_text(column: Any) -> Any:
    """A JSON column read as its stored text (decoded by `_decoded`, once per text)."""
    return cast(column, String) if isinstance(column.type, JSON) else column


def _decoded(raw: tuple[Any, ...]) -> SignedOrder:
    """The order of a row read with `_as_text`: the row as stored is the memo's key, so
    a standing order's JSON is decoded once per process, not once per hour (most of a
    book stands from hour to hour)."""
    order = _SIGNED_ORDERS.get(raw)
    if order is None:
        order = SignedOrder(
            *(
                json.loads(value) if name in _JSON_FIELDS and value is not None else value
                for name, value in zip(SIGNED_ORDER_FIELDS, raw, strict=True)
            )
        )
        _SIGNED_ORDERS.put(raw, order)
    return order


_JSON_FIELDS = frozenset(
    name for name in SIGNED_ORDER_FIELDS if isinstance(table_of(Order).c[name].type, JSON)
)
_SIGNED_ORDERS: BoundedMemo[tuple[Any, ...], SignedOrder] = standing_memo()


def participants(session: Session, *, addresses: Sequence[str]) -> list[Participant]:
    query = select(Participant).where(col(Participant.address).in_(addresses))
    return list(session.exec(query))
