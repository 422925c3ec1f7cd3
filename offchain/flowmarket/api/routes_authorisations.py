"""Submit, replace, cancel and list authorisations: a participant's signed limits on one
portfolio (rate per clearing, position), which the oracle enforces inside the clearing
(`flowmarket.authorisations`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path
from fastapi.responses import Response

from flowmarket.api.authorisation_intake import verify_authorisation
from flowmarket.api.authorisation_schemas import (
    AuthorisationAccepted,
    AuthorisationOut,
    AuthorisationsOut,
    SignedAuthorisationIn,
)
from flowmarket.api.context import ApiContext, Context, Me
from flowmarket.api.intake import verify_cancel
from flowmarket.api.schemas import HASH_RE, CancelIn, ErrorOut, ReceiptOut
from flowmarket.catalogue.hours import open_hour
from flowmarket.errors import NotFound
from flowmarket.states import ReceiptAction

router = APIRouter(prefix="/v1", tags=["authorisations"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (401, 404, 409, 413, 422, 429)
}
AuthHash = Path(pattern=HASH_RE.pattern, description="the authorisation's EIP-712 digest")


def _receipts(context: ApiContext, auth: AuthorisationOut) -> tuple[ReceiptOut, ReceiptOut | None]:
    accepted_sig, cancel_sig = context.backend.authorisation_receipts(auth.auth_hash)
    receipt = ReceiptOut(
        order_hash=auth.auth_hash,
        participant=auth.participant,
        nonce=auth.nonce,
        operator=context.operator.address,
        action=ReceiptAction.AUTHORISED,
        recorded_at=int(auth.accepted_at),
        signature=accepted_sig,
    )
    if auth.cancelled_at is None or cancel_sig is None:
        return receipt, None
    cancel = receipt.model_copy(
        update={
            "action": ReceiptAction.CANCELLED,
            "recorded_at": int(auth.cancelled_at),
            "signature": cancel_sig,
        }
    )
    return receipt, cancel


@router.post(
    "/authorisations",
    response_model=AuthorisationAccepted,
    responses=ERRORS,
    summary="Submit (or replace) an authorisation",
)
def submit_authorisation(body: SignedAuthorisationIn, context: Context) -> AuthorisationAccepted:
    """Store an EIP-712 signed `Authorisation` and answer with the operator's receipt.

    It governs the participant's orders over its portfolio (or a multiple of it) from
    the next bidding close on. With `replaces` set, the named live authorisation is
    cancelled in the same transaction; a second live authorisation over the same
    portfolio is refused (409). The same signed authorisation again returns the
    stored one (`duplicate: true`)."""
    now = context.clock()
    backend = context.backend
    auth = verify_authorisation(
        body, domain=context.domain, known=backend.product_names(), limits=context.limits, now=now
    )
    context.rate_limiter.check(auth.message.participant)
    hour = open_hour(now)
    stored = backend.get_authorisation(auth.auth_hash, hour)
    if stored is not None:
        receipt, _ = _receipts(context, stored)
        replaced = None
        if stored.replaces is not None:
            old = backend.get_authorisation(stored.replaces, hour)
            replaced = None if old is None else _receipts(context, old)[1]
        return AuthorisationAccepted(
            authorisation=stored, receipt=receipt, cancel_receipt=replaced, duplicate=True
        )
    backend.check_authorisation(auth, hour)
    cancel_signature = None
    cancel_receipt = None
    if auth.message.replaces is not None:
        old = backend.get_authorisation(auth.message.replaces, hour)
        if old is not None:
            cancel_receipt = context.receipt(
                order_hash=old.auth_hash,
                participant=old.participant,
                nonce=old.nonce,
                action=ReceiptAction.CANCELLED,
                recorded_at=int(now),
            )
            cancel_signature = cancel_receipt.signature
    receipt = context.receipt(
        order_hash=auth.auth_hash,
        participant=auth.message.participant,
        nonce=auth.message.nonce,
        action=ReceiptAction.AUTHORISED,
        recorded_at=int(now),
    )
    out, duplicate = backend.store_authorisation(
        auth,
        accepted_at=now,
        receipt_signature=receipt.signature,
        cancel_receipt_signature=cancel_signature,
        open_hour=hour,
    )
    return AuthorisationAccepted(
        authorisation=out,
        receipt=_receipts(context, out)[0] if duplicate else receipt,
        cancel_receipt=cancel_receipt,
        duplicate=duplicate,
    )


@router.post(
    "/authorisations/{auth_hash}/cancel",
    response_model=AuthorisationAccepted,
    responses=ERRORS,
    summary="Cancel an authorisation",
)
def cancel_authorisation(
    body: CancelIn, context: Context, auth_hash: str = AuthHash
) -> AuthorisationAccepted:
    """Cancel with an EIP-712 `Cancel(participant, orderHash = the authorisation's id)`
    signature; from the next bidding close its limits no longer apply. Cancelling a
    cancelled one returns its stored cancel receipt."""
    auth_hash = auth_hash.lower()
    participant = verify_cancel(body, auth_hash, domain=context.domain)
    context.rate_limiter.check(participant)
    now = context.clock()
    hour = open_hour(now)
    auth = context.backend.get_authorisation(auth_hash, hour)
    if auth is None or auth.participant != participant:
        raise NotFound(f"auth_hash: no authorisation {auth_hash} of {participant}")
    if auth.cancelled_at is None:
        receipt = context.receipt(
            order_hash=auth_hash,
            participant=participant,
            nonce=auth.nonce,
            action=ReceiptAction.CANCELLED,
            recorded_at=int(now),
        )
        auth = context.backend.cancel_authorisation(
            auth_hash,
            cancelled_at=now,
            signature=body.signature.lower(),
            receipt_signature=receipt.signature,
            open_hour=hour,
        )
    accepted, cancelled = _receipts(context, auth)
    return AuthorisationAccepted(
        authorisation=auth, receipt=accepted, cancel_receipt=cancelled, duplicate=False
    )


@router.get(
    "/me/authorisations",
    response_model=AuthorisationsOut,
    responses=ERRORS,
    summary="Your authorisations",
)
def my_authorisations(context: Context, me: Me) -> Response:
    """Your authorisations, newest first: limits, status, your position in each
    portfolio and, for live ones, the rate bounds the next clearing applies."""
    out = context.backend.authorisations(me, open_hour(context.clock()))
    return Response(out.model_dump_json(), media_type="application/json")
