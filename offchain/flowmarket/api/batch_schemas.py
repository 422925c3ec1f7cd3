"""Request and response bodies of `POST /v1/orders/batch`: many orders and cancels in one
EIP-712 signed `OrderBatch`, answered with one operator-signed `BatchReceipt`.

Units as in `schemas`: quantities GB/h, prices capacity tokens per GB, hours since the
Unix epoch, times Unix seconds.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from flowmarket.api.schemas import (
    ADDRESS_RE,
    EXAMPLE_ADDRESS,
    HASH_RE,
    OrderIn,
    SignedEnvelope,
    Strict,
    check_address,
    check_hash,
    documented,
)
from flowmarket.states import ReceiptAction


class OrderBatchIn(Strict):
    """The signed `OrderBatch` struct (see `flowmarket.signing.order_batch`): orders to
    place (one with `replaces` replaces that open order) and ids of open orders to cancel."""

    participant: str = documented(ADDRESS_RE, examples=[EXAMPLE_ADDRESS])
    orders: list[OrderIn] = Field(description="orders to place, each signed as an `Order`")
    cancels: list[str] = Field(
        default_factory=list,
        description="ids of the participant's open orders to cancel",
        json_schema_extra={"items": {"type": "string", "pattern": HASH_RE.pattern}},
    )

    _participant = field_validator("participant")(check_address)

    @field_validator("cancels")
    @classmethod
    def _cancels(cls, values: list[str]) -> list[str]:
        return [check_hash(value) for value in values]


class SignedBatchIn(SignedEnvelope):
    """An `OrderBatch` with the participant's EIP-712 signature and the domain it signed for."""

    model_config = ConfigDict(extra="forbid")

    batch: OrderBatchIn


class BatchReceiptOut(BaseModel):
    """The operator's EIP-712 signature over BatchReceipt(batchHash, participant,
    entriesRoot, entries, recordedAt): proof that every entry of the batch was recorded."""

    batch_hash: str
    participant: str
    entries_root: str = Field(description="StandardMerkleTree root of the entries' leaves")
    entries: int = Field(description="number of leaves: orders accepted plus orders cancelled")
    recorded_at: int
    operator: str
    signature: str


class BatchEntryOut(BaseModel):
    """One order the batch recorded, its receipt leaf and the leaf's proof against
    `entries_root`. For `action: accepted`, `index` is its place in `batch.orders`; for
    `cancelled`, the index in `batch.orders` of the order that replaced it, or in
    `batch.cancels` when it was cancelled by name (`replaced: false`)."""

    order_hash: str
    action: ReceiptAction
    index: int
    replaced: bool = False
    leaf: str
    proof: list[str]


class BatchAccepted(BaseModel):
    """Entries: the accepted orders in batch order, then the cancelled ones (replaced
    orders in the order of their replacements, then `batch.cancels` in order)."""

    batch_hash: str
    participant: str
    receipt: BatchReceiptOut
    entries: list[BatchEntryOut]
    duplicate: bool = Field(description="true when this exact signed batch was stored before")
