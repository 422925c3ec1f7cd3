"""Place, replace and cancel many orders with one signature: `POST /v1/orders/batch`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from flowmarket.api.batch_intake import (
    StoredBatch,
    check_against_book,
    entries,
    verify_batch,
)
from flowmarket.api.batch_schemas import (
    BatchAccepted,
    BatchEntryOut,
    BatchReceiptOut,
    SignedBatchIn,
)
from flowmarket.api.context import ApiContext, Context
from flowmarket.api.economics import check_batch_economics
from flowmarket.api.schemas import ErrorOut
from flowmarket.catalogue.hours import open_hour
from flowmarket.merkle import MerkleTree, ProofIndex
from flowmarket.order_limits import OrderRisk
from flowmarket.signing import receipt_leaf

router = APIRouter(prefix="/v1/orders", tags=["orders"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 404, 409, 413, 422, 429)
}


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def answer(
    context: ApiContext, stored: StoredBatch, tree: MerkleTree, duplicate: bool
) -> BatchAccepted:
    """The stored batch's receipt and entries, each with its leaf and proof in `tree`."""
    leaves = [receipt_leaf(e.order_hash, e.action) for e in stored.entries]
    proofs = ProofIndex(tree).proofs(leaves)
    receipt = BatchReceiptOut(
        batch_hash=stored.batch_hash,
        participant=stored.participant,
        entries_root=stored.entries_root,
        entries=len(stored.entries),
        recorded_at=int(stored.recorded_at),
        operator=context.operator.address,
        signature=stored.receipt_signature,
    )
    return BatchAccepted(
        batch_hash=stored.batch_hash,
        participant=stored.participant,
        receipt=receipt,
        entries=[
            BatchEntryOut(
                order_hash=e.order_hash,
                action=e.action,
                index=e.index,
                replaced=e.replaced,
                leaf=_hex(leaf),
                proof=[_hex(p) for p in proof],
            )
            for e, leaf, proof in zip(stored.entries, leaves, proofs, strict=True)
        ],
        duplicate=duplicate,
    )


def _tree(stored: StoredBatch) -> MerkleTree:
    return MerkleTree.from_leaves(receipt_leaf(e.order_hash, e.action) for e in stored.entries)


@router.post(
    "/batch", response_model=BatchAccepted, responses=ERRORS, summary="Submit a batch of orders"
)
def submit_batch(body: SignedBatchIn, context: Context) -> BatchAccepted:
    """Place orders, replace open orders and cancel open orders with ONE EIP-712 signed
    `OrderBatch`, stored in one transaction, answered with ONE operator-signed
    `BatchReceipt` whose Merkle root covers every order recorded (each entry carries its
    leaf and proof).

    Atomic: every order passes the single route's checks or the whole batch is refused
    and nothing is stored; the error names the field (`batch.orders[3].curve[1][1]`,
    `batch.cancels[0]`). Sending the same signed batch again returns the stored receipt
    (`duplicate: true`).
    """
    now = context.clock()
    backend = context.backend
    batch = verify_batch(
        body, domain=context.domain, known=backend.product_names(), limits=context.limits, now=now
    )
    context.rate_limiter.check(batch.participant)
    hour = open_hour(now)
    economics = context.rules is not None
    stored, book = backend.batch_book(batch, hour, with_open_book=economics)
    if stored is not None:
        return answer(context, stored, _tree(stored), duplicate=True)
    check_against_book(batch, book, limits=context.limits)
    risks: list[OrderRisk] = []
    if context.rules is not None:
        removed = {o.replaces for o in batch.orders if o.replaces is not None} | set(batch.cancels)
        risks = check_batch_economics(
            batch.orders,
            removed,
            batch.participant,
            book=book.open_book or backend.open_book(batch.participant, hour),
            rules=context.rules,
        )
    recorded = entries(batch)
    tree = MerkleTree.from_leaves(receipt_leaf(e.order_hash, e.action) for e in recorded)
    signature = context.batch_receipt_signature(
        batch_hash=batch.batch_hash,
        participant=batch.participant,
        entries_root=_hex(tree.root),
        entries=len(recorded),
        recorded_at=int(now),
    )
    stored, duplicate = backend.store_batch(
        batch,
        recorded,
        recorded_at=now,
        entries_root=_hex(tree.root),
        receipt_signature=signature,
        risks=risks,
    )
    return answer(context, stored, tree, duplicate=duplicate)
