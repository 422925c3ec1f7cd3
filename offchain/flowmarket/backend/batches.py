"""The API's storage of signed order batches over `db` (part of `SqlBackend`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.api.batch_intake import (
    BatchBook,
    BatchEntry,
    KnownOrder,
    StoredBatch,
    VerifiedBatch,
)
from flowmarket.backend.order_rows import order_status
from flowmarket.backend.risk import OpenBookReader
from flowmarket.db import batches_repo, orders_repo
from flowmarket.db.batch_tables import OrderBatch
from flowmarket.db.engine import write_turn
from flowmarket.order_limits import OrderRisk
from flowmarket.states import ReceiptAction


def stored_batch(row: OrderBatch) -> StoredBatch:
    return StoredBatch(
        batch_hash=row.batch_hash,
        participant=row.participant,
        recorded_at=row.recorded_at,
        entries_root=row.entries_root,
        receipt_signature=row.receipt_signature,
        entries=tuple(
            BatchEntry(str(h), ReceiptAction(a), int(i), bool(r)) for h, a, i, r in row.entries
        ),
    )


class BatchesSql:
    """`MarketBackend`'s batch methods on a SQLAlchemy engine."""

    engine: Engine
    _books: OpenBookReader

    def batch_book(
        self, batch: VerifiedBatch, open_hour: int, *, with_open_book: bool = False
    ) -> tuple[StoredBatch | None, BatchBook]:
        """Everything a batch is checked against, in one session (five small queries;
        with `with_open_book`, the participant's open book for the economic checks too,
        which then also gives the count of open orders).

        The batch itself is looked up last: a concurrent request storing the same batch
        commits it with its orders at once, so if any query saw its orders, this one
        sees the batch and the answer is the stored receipt, not a conflict."""
        participant = batch.participant
        named_ids = [o.replaces for o in batch.orders if o.replaces] + list(batch.cancels)
        with Session(self.engine) as session:
            floor = orders_repo.min_valid_nonce(session, participant=participant)
            open_book = (
                self._books.read(
                    session, participant=participant, open_hour=open_hour, min_nonce=floor
                )
                if with_open_book
                else None
            )
            named = {
                r.order_hash: KnownOrder(
                    r.participant, order_status(r, open_hour=open_hour, min_nonce=floor)
                )
                for r in batches_repo.named_orders(session, order_hashes=named_ids)
            }
            book = BatchBook(
                min_nonce=floor,
                open_orders=(
                    len(open_book.orders)
                    if open_book is not None
                    else orders_repo.count_open_orders(
                        session, participant=participant, open_from_hour=open_hour, min_nonce=floor
                    )
                ),
                stored_ids=frozenset(
                    batches_repo.stored_order_ids(
                        session, order_hashes=[o.order_hash for o in batch.orders]
                    )
                ),
                used_nonces=frozenset(
                    batches_repo.used_nonces(
                        session, participant=participant, nonces=[o.nonce for o in batch.orders]
                    )
                ),
                named=named,
                open_book=open_book,
            )
            row = batches_repo.get_batch(session, batch_hash=batch.batch_hash)
            return (None if row is None else stored_batch(row)), book

    def store_batch(
        self,
        batch: VerifiedBatch,
        entries: list[BatchEntry],
        *,
        recorded_at: float,
        entries_root: str,
        receipt_signature: str,
        risks: Sequence[OrderRisk] = (),
    ) -> tuple[StoredBatch, bool]:
        row = OrderBatch(
            batch_hash=batch.batch_hash,
            participant=batch.participant,
            signature=batch.signature,
            recorded_at=recorded_at,
            entries_root=entries_root,
            receipt_signature=receipt_signature,
            entries=[[e.order_hash, e.action.value, e.index, e.replaced] for e in entries],
            order_struct_hashes=list(batch.struct_hashes),
        )
        orders = [
            {
                "order_hash": o.order_hash,
                "participant": o.participant,
                "nonce": o.nonce,
                "from_hour": o.from_hour,
                "until_hour": o.until_hour,
                "replaces": o.replaces,
                "portfolio": o.portfolio,
                "curve": o.curve,
                "signature": o.signature,
                "accepted_at": recorded_at,
                "receipt_signature": receipt_signature,
                "batch_hash": batch.batch_hash,
            }
            for o in batch.orders
        ]
        cancels: dict[str, str | None] = {
            o.replaces: o.order_hash for o in batch.orders if o.replaces is not None
        }
        cancels.update(dict.fromkeys(batch.cancels))
        values = {
            "cancelled_at": recorded_at,
            "cancel_signature": batch.signature,
            "cancel_receipt_signature": receipt_signature,
            "cancel_batch_hash": batch.batch_hash,
        }
        with write_turn(self.engine), Session(self.engine, expire_on_commit=False) as session:
            stored, duplicate = batches_repo.insert_batch(
                session, batch=row, orders=orders, cancels=cancels, cancel_values=values
            )
        if risks and not duplicate:
            self._books.remember(zip([o.order_hash for o in batch.orders], risks, strict=True))
        return stored_batch(stored), duplicate
