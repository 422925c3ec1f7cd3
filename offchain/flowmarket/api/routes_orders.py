"""Submit, replace and cancel signed orders."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path

from flowmarket.api.context import ApiContext, Context
from flowmarket.api.economics import check_economics
from flowmarket.api.intake import verify_cancel, verify_order
from flowmarket.api.schemas import (
    HASH_RE,
    CancelIn,
    ErrorOut,
    OrderAccepted,
    OrderOut,
    ReceiptOut,
    SignedOrderIn,
)
from flowmarket.catalogue.hours import open_hour
from flowmarket.errors import Conflict, FieldError, NotFound
from flowmarket.orders import SignedOrder
from flowmarket.states import OrderStatus, ReceiptAction

router = APIRouter(prefix="/v1/orders", tags=["orders"])

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (401, 404, 409, 413, 422, 429)
}
OrderHash = Path(pattern=HASH_RE.pattern, description="the order's EIP-712 digest")


def _stored_receipts(context: ApiContext, order: OrderOut) -> tuple[ReceiptOut, ReceiptOut | None]:
    """The order's accepted receipt and, when cancelled, its cancel receipt. A receipt
    recorded by a batch (covered by the batch receipt) is signed for the order alone on
    demand: signatures are deterministic (RFC 6979), so it is the same each time."""
    accepted_sig, cancel_sig = context.backend.order_receipt_signatures(order.order_hash)
    fields = {"order_hash": order.order_hash, "participant": order.participant}
    if accepted_sig is None:
        receipt = context.receipt(
            **fields,
            nonce=order.nonce,
            action=ReceiptAction.ACCEPTED,
            recorded_at=int(order.accepted_at),
        )
    else:
        receipt = ReceiptOut(
            **fields,
            nonce=order.nonce,
            action=ReceiptAction.ACCEPTED,
            recorded_at=int(order.accepted_at),
            operator=context.operator.address,
            signature=accepted_sig,
        )
    if order.cancelled_at is None:
        return receipt, None
    cancelled_at = int(order.cancelled_at)
    if cancel_sig is None:
        cancel = context.receipt(
            **fields, nonce=order.nonce, action=ReceiptAction.CANCELLED, recorded_at=cancelled_at
        )
    else:
        cancel = receipt.model_copy(
            update={
                "action": ReceiptAction.CANCELLED,
                "recorded_at": cancelled_at,
                "signature": cancel_sig,
            }
        )
    return receipt, cancel


def _replaced(context: ApiContext, order: SignedOrder, hour: int) -> OrderOut | None:
    """The open order `order` replaces; None when `order` itself replaced it meanwhile
    (the same signed replacement sent twice at once: answer with the stored receipt)."""
    replaces = order.replaces or ""
    old = context.backend.get_order(replaces, hour)
    if old is None:
        raise FieldError("order.replaces", f"unknown order {replaces}")
    if old.participant != order.participant:
        raise FieldError("order.replaces", "belongs to another participant")
    if old.replaced_by == order.order_hash:
        return None
    if old.status != OrderStatus.OPEN:
        raise Conflict("order.replaces", f"order {replaces} is {old.status}, not open")
    return old


def _as_stored(context: ApiContext, order: OrderOut, hour: int) -> OrderAccepted:
    """The answer to a signed order that is already stored: its stored receipt and, for a
    replacement, the stored cancel receipt of the order it replaced (as first answered)."""
    receipt, cancel = _stored_receipts(context, order)
    if order.replaces is not None:
        old = context.backend.get_order(order.replaces, hour)
        if old is not None and old.replaced_by == order.order_hash:
            cancel = _stored_receipts(context, old)[1]
    return OrderAccepted(order=order, receipt=receipt, cancel_receipt=cancel, duplicate=True)


def _duplicate(context: ApiContext, order_hash: str, hour: int) -> OrderAccepted | None:
    """The stored order with this id as `_as_stored` answers it, or None."""
    existing = context.backend.get_order(order_hash, hour)
    return None if existing is None else _as_stored(context, existing, hour)


def _submit(context: ApiContext, body: SignedOrderIn) -> OrderAccepted:
    now = context.clock()
    backend = context.backend
    order = verify_order(
        body, domain=context.domain, known=backend.product_names(), limits=context.limits, now=now
    )
    context.rate_limiter.check(order.participant)
    hour = open_hour(now)
    existing, min_nonce, open_count = backend.intake_state(
        order.participant, order.order_hash, hour
    )
    if existing is not None:
        return _as_stored(context, existing, hour)
    if order.nonce < min_nonce:
        raise FieldError(
            "order.nonce", f"{order.nonce} is below the participant's min valid nonce {min_nonce}"
        )
    limit = context.limits.max_open_orders_per_participant
    if open_count >= limit:
        raise FieldError(
            "order", f"participant has {limit} open orders, the limit; cancel some first"
        )
    cancel_receipt = None
    old: OrderOut | None = None
    if order.replaces is not None:
        old = _replaced(context, order, hour)
        if old is None:
            stored_copy = _duplicate(context, order.order_hash, hour)
            if stored_copy is not None:
                return stored_copy
            raise Conflict("order.replaces", f"order {order.replaces} is no longer open")
    if context.rules is not None:
        book = backend.open_book(order.participant, hour)
        check_economics(order, book=book, rules=context.rules)
    if old is not None:
        cancel_receipt = context.receipt(
            order_hash=old.order_hash,
            participant=old.participant,
            nonce=old.nonce,
            action=ReceiptAction.CANCELLED,
            recorded_at=int(now),
        )
    receipt = context.receipt(
        order_hash=order.order_hash,
        participant=order.participant,
        nonce=order.nonce,
        action=ReceiptAction.ACCEPTED,
        recorded_at=int(now),
    )
    stored, duplicate, _ = backend.store_order(
        order,
        accepted_at=now,
        receipt_signature=receipt.signature,
        cancel_receipt_signature=cancel_receipt.signature if cancel_receipt else None,
        open_hour=hour,
    )
    if duplicate:
        return _as_stored(context, stored, hour)
    return OrderAccepted(
        order=stored, receipt=receipt, cancel_receipt=cancel_receipt, duplicate=duplicate
    )


@router.post("", response_model=OrderAccepted, responses=ERRORS, summary="Submit an order")
def submit_order(body: SignedOrderIn, context: Context) -> OrderAccepted:
    """Store an EIP-712 signed order and answer with the operator's signed receipt.

    Submitting the same signed order again returns the stored order and receipt
    (`duplicate: true`). A different order reusing a nonce is refused (409). With
    `order.replaces` set, the named open order is cancelled in the same transaction.
    """
    return _submit(context, body)


@router.post(
    "/{order_hash}/replace",
    response_model=OrderAccepted,
    responses=ERRORS,
    summary="Replace an open order",
)
def replace_order(
    body: SignedOrderIn, context: Context, order_hash: str = OrderHash
) -> OrderAccepted:
    """Submit a signed order whose `replaces` field is `order_hash`; atomic cancel + submit."""
    if body.order.replaces != order_hash.lower():
        raise FieldError("order.replaces", f"must equal the order being replaced, {order_hash}")
    return _submit(context, body)


@router.post(
    "/{order_hash}/cancel", response_model=OrderAccepted, responses=ERRORS, summary="Cancel"
)
def cancel_order(body: CancelIn, context: Context, order_hash: str = OrderHash) -> OrderAccepted:
    """Cancel an order with an EIP-712 `Cancel(participant, orderHash)` signature.

    Cancelling an already cancelled order returns its stored cancel receipt.
    """
    order_hash = order_hash.lower()
    participant = verify_cancel(body, order_hash, domain=context.domain)
    context.rate_limiter.check(participant)
    now = context.clock()
    hour = open_hour(now)
    order = context.backend.get_order(order_hash, hour)
    if order is None or order.participant != participant:
        raise NotFound(f"order_hash: no order {order_hash} of {participant}")
    if order.cancelled_at is None:
        receipt = context.receipt(
            order_hash=order_hash,
            participant=participant,
            nonce=order.nonce,
            action=ReceiptAction.CANCELLED,
            recorded_at=int(now),
        )
        order = context.backend.cancel_order(
            order_hash,
            cancelled_at=now,
            signature=body.signature.lower(),
            receipt_signature=receipt.signature,
            open_hour=hour,
        )
    accepted, cancelled = _stored_receipts(context, order)
    return OrderAccepted(order=order, receipt=accepted, cancel_receipt=cancelled, duplicate=False)
