"""Check the API's answer to a signed order batch before trusting it.

The answer must name the batch the wallet signed, carry the operator's `BatchReceipt`
signature over it, list exactly the entries the batch makes (each order accepted, each
replaced or cancelled order cancelled, in receipt order) and prove every entry's leaf
against the signed root. A participant who keeps the answer can later prove, to
anyone, that the operator recorded each of those orders at `recorded_at`.
"""

from __future__ import annotations

from typing import Any

from flowmarket.errors import InvalidInput
from flowmarket.merkle import process_proof
from flowmarket.signing import (
    BatchReceiptMessage,
    Domain,
    OrderBatchMessage,
    batch_ids,
    receipt_leaf,
    recover,
)
from flowmarket.states import ReceiptAction


def expected_entries(
    domain: Domain, batch: OrderBatchMessage
) -> tuple[str, list[tuple[str, ReceiptAction]]]:
    """(batch id, its receipt entries as (order id, action) in receipt order)."""
    batch_digest, ids = batch_ids(domain, batch)
    batch_hash = "0x" + batch_digest.hex()
    entries = [(oid, ReceiptAction.ACCEPTED) for oid in ids]
    entries += [(o.replaces, ReceiptAction.CANCELLED) for o in batch.orders if o.replaces]
    entries += [(c, ReceiptAction.CANCELLED) for c in batch.cancels]
    return batch_hash, entries


def check_batch_answer(
    answer: dict[str, Any], *, domain: Domain, batch: OrderBatchMessage, operator: str
) -> None:
    """Raise InvalidInput naming what does not hold (see the module docstring)."""
    batch_hash, wanted = expected_entries(domain, batch)
    receipt = answer["receipt"]
    if answer["batch_hash"] != batch_hash or receipt["batch_hash"] != batch_hash:
        raise InvalidInput(f"receipt: names batch {answer['batch_hash']}, not {batch_hash}")
    got = [(e["order_hash"], ReceiptAction(e["action"])) for e in answer["entries"]]
    if got != wanted or receipt["entries"] != len(wanted):
        raise InvalidInput("receipt: its entries are not the orders this batch places and cancels")
    message = BatchReceiptMessage(
        batch_hash,
        batch.participant,
        receipt["entries_root"],
        receipt["entries"],
        receipt["recorded_at"],
    )
    signer = recover(domain, message, bytes.fromhex(receipt["signature"][2:]))
    if signer.lower() != operator.lower():
        raise InvalidInput(f"receipt: signed by {signer}, not by the operator {operator}")
    root = bytes.fromhex(receipt["entries_root"][2:])
    for k, (entry, (order_hash, action)) in enumerate(zip(answer["entries"], wanted, strict=True)):
        proof = [bytes.fromhex(p[2:]) for p in entry["proof"]]
        if process_proof(receipt_leaf(order_hash, action), proof) != root:
            raise InvalidInput(f"entries[{k}].proof: does not prove {order_hash} against the root")
