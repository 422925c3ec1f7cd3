"""Signed order batches as recorded: the participant's signature over the whole
`OrderBatch` and the operator's `BatchReceipt`, with the receipt's entries.

The batch's orders are ordinary rows of `orders` (with `batch_hash` set); the entries
list every order the batch accepted or cancelled in receipt-leaf order, so the receipt's
Merkle tree and proofs can be rebuilt exactly and the batch's signed message with them
(accepted entries are `OrderBatch.orders` in order, cancelled entries that were not
replaced are `OrderBatch.cancels` in order).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from flowmarket.db.models import metadata

__all__ = ["OrderBatch", "metadata"]


class OrderBatch(SQLModel, table=True):
    """One accepted batch: id = EIP-712 digest of its `OrderBatch`; recorded_at Unix s.

    entries: [[order_hash, action, index, replaced], ...] (see the API's BatchEntryOut).
    order_struct_hashes: the accepted orders' EIP-712 struct hashes in batch order, as
    the API computed them to check the batch's signature; NULL for a batch stored before
    they were kept (migration 0015), whose members' hashes are computed from the orders."""

    __tablename__ = "order_batches"

    batch_hash: str = Field(primary_key=True, max_length=66)
    participant: str = Field(max_length=42, index=True)
    signature: str = Field(max_length=132)
    recorded_at: float
    entries_root: str = Field(max_length=66)
    receipt_signature: str = Field(max_length=132)
    entries: list[list[Any]] = Field(sa_column=Column(JSON, nullable=False))
    order_struct_hashes: list[str] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
