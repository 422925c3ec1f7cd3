"""Repository functions for signed order batches: what a batch needs checked, and
storing a whole batch (its orders, the orders it replaces or cancels) in ONE transaction.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import String, case, cast, insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from flowmarket.db import orders_repo
from flowmarket.db.batch_tables import OrderBatch
from flowmarket.db.models import Order
from flowmarket.db.results_repo import table_of
from flowmarket.errors import Conflict, InvalidInput
from flowmarket.memo import BoundedMemo
from flowmarket.orders import order_message
from flowmarket.signing import order_struct_hash


def get_batch(session: Session, *, batch_hash: str) -> OrderBatch | None:
    return session.get(OrderBatch, batch_hash)


def named_orders(session: Session, *, order_hashes: Collection[str]) -> list[Order]:
    """The stored rows among `order_hashes` (the orders a batch replaces or cancels)."""
    if not order_hashes:
        return []
    return list(session.exec(select(Order).where(col(Order.order_hash).in_(list(order_hashes)))))


def stored_order_ids(session: Session, *, order_hashes: Collection[str]) -> set[str]:
    """Which of `order_hashes` are stored orders (one query)."""
    if not order_hashes:
        return set()
    query = select(Order.order_hash).where(col(Order.order_hash).in_(list(order_hashes)))
    return set(session.exec(query))


def used_nonces(session: Session, *, participant: str, nonces: Collection[int]) -> set[int]:
    """Which of `nonces` the participant's stored orders already use (one query)."""
    if not nonces:
        return set()
    query = select(Order.nonce).where(
        Order.participant == participant, col(Order.nonce).in_(list(nonces))
    )
    return set(session.exec(query))


def insert_batch(
    session: Session,
    *,
    batch: OrderBatch,
    orders: Sequence[Mapping[str, Any]],
    cancels: Mapping[str, str | None],
    cancel_values: Mapping[str, Any],
) -> tuple[OrderBatch, bool]:
    """Store `batch`, its `orders` (rows of `orders` as mappings) and cancel the open
    orders in `cancels` ({order_hash: id of the order replacing it, or None}) with
    `cancel_values`, all in one transaction. Returns (stored batch, duplicate).

    The same batch stored meanwhile by a concurrent request returns that one
    (duplicate); any other clash (an order or nonce stored meanwhile, an order to
    cancel no longer uncancelled) rolls everything back and raises Conflict."""
    connection = session.connection()
    try:
        connection.execute(insert(table_of(OrderBatch)), [batch.model_dump()])
        if orders:
            connection.execute(insert(table_of(Order)), list(orders))
        if cancels and not _cancel_all(session, cancels, cancel_values):
            session.rollback()
            raise Conflict(
                "batch",
                "an order this batch replaces or cancels was cancelled meanwhile; "
                "nothing was stored",
            )
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = session.get(OrderBatch, batch.batch_hash)
        if existing is not None:
            return existing, True
        raise Conflict(
            "batch", "an order or nonce of this batch was stored meanwhile; nothing was stored"
        ) from None
    return batch, False


def _cancel_all(
    session: Session, cancels: Mapping[str, str | None], values: Mapping[str, Any]
) -> bool:
    """One conditional UPDATE; True when every order in `cancels` was still uncancelled."""
    replacements = {target: by for target, by in cancels.items() if by is not None}
    assigned = dict(values)
    if replacements:  # an order only cancelled keeps replaced_by NULL
        assigned["replaced_by"] = case(replacements, value=col(Order.order_hash), else_=None)
    statement = (
        update(Order)
        .where(col(Order.order_hash).in_(list(cancels)), col(Order.cancelled_at).is_(None))
        .values(**assigned)
    )
    return int(session.connection().execute(statement).rowcount) == len(cancels)


def batch_parts(session: Session, *, batch_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """{batch id: {"orders": its orders' EIP-712 struct hashes in signed order, "cancels":
    the ids it cancelled by name in signed order}} of `batch_ids`: what a verifier needs to
    check the batch's signature over any one of its orders (the order set's `batches`,
    docs/settlement.md; which batch placed each order is `orders_repo.standing_batches`).
    One query whatever the number of batches: the struct hashes are read as the API stored
    them with the batch; a batch stored before they were kept (NULL) has its members'
    hashes computed from its orders, each once per process (a second query)."""
    if not batch_ids:
        return {}
    table = table_of(OrderBatch).c
    stored = session.connection().execute(
        sa_select(
            table.batch_hash, cast(table.entries, String), cast(table.order_struct_hashes, String)
        ).where(table.batch_hash.in_(sorted(batch_ids)))
    )
    # Keyed by what is stored: the same batch id read from another database (a test's,
    # a restored backup's) is read anew, never answered from this one's memo.
    raw = {
        str(batch_hash): (str(entries), None if hashes is None else str(hashes))
        for batch_hash, entries, hashes in stored
    }
    known = {b: part for b, text in raw.items() if (part := _BATCHES.get(text)) is not None}
    members: dict[str, tuple[list[str], list[str]]] = {}
    kept: dict[str, list[str]] = {}
    for batch_hash, (text, hashes) in raw.items():
        if batch_hash in known:
            continue
        entries = json.loads(text)
        accepted = sorted((int(i), str(h)) for h, action, i, _ in entries if action == "accepted")
        cancels = sorted(
            (int(i), str(h))
            for h, action, i, replaced in entries
            if action == "cancelled" and not replaced
        )
        members[batch_hash] = ([h for _, h in accepted], [h for _, h in cancels])
        # NULL: stored before the hashes were kept (a JSON null reads the same)
        decoded = None if hashes is None else json.loads(hashes)
        if decoded is not None:
            kept[batch_hash] = _kept_hashes(batch_hash, decoded, len(accepted))
    struct_hashes = _computed_struct_hashes(
        session, [h for b, (ids, _) in members.items() if b not in kept for h in ids]
    )
    for batch_hash, (ids, cancelled) in members.items():
        orders = kept[batch_hash] if batch_hash in kept else [struct_hashes[h] for h in ids]
        known[batch_hash] = {"orders": orders, "cancels": cancelled}
        _BATCHES.put(raw[batch_hash], known[batch_hash])
    return {batch_hash: known[batch_hash] for batch_hash in sorted(known)}


def _kept_hashes(batch_hash: str, hashes: Any, accepted: int) -> list[str]:
    """A batch's stored struct hashes, checked against its accepted entries."""
    if not isinstance(hashes, list) or len(hashes) != accepted:
        count = len(hashes) if isinstance(hashes, list) else type(hashes).__name__
        raise InvalidInput(
            f"order_batches.{batch_hash}.order_struct_hashes: {count} hashes stored for "
            f"{accepted} accepted orders"
        )
    return [str(h) for h in hashes]


def _computed_struct_hashes(session: Session, order_ids: Sequence[str]) -> dict[str, str]:
    """{order id: its EIP-712 struct hash as 0x-hex} computed from the stored orders (a
    batch stored before the hashes were kept with it), each once per process."""
    out = {h: known for h in order_ids if (known := _STRUCT_HASHES.get(h)) is not None}
    missing = sorted(set(order_ids) - out.keys())
    for order in orders_repo.orders_by_hash(session, order_hashes=missing):
        struct_hash = "0x" + order_struct_hash(order_message(order)).hex()
        out[order.order_hash] = struct_hash
        _STRUCT_HASHES.put(order.order_hash, struct_hash)
    return out


# A batch's part of the order set by its entries and struct hashes as stored: built once
# per process and shared by every hour the batch's orders stand in (never modified).
_BATCHES: BoundedMemo[tuple[str, str | None], dict[str, Any]] = BoundedMemo(1 << 14)
# struct hashes of the members of batches stored without them, by order id
_STRUCT_HASHES: BoundedMemo[str, str] = BoundedMemo(1 << 20)
