"""Participants report their expected positions (signed) and read them back (private).

The oracle's collateral rule (market.md §6) charges a deviation margin on the distance
between a participant's position and the expected position it reported; the report
takes effect at the next bidding-window close the oracle snapshots.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from flowmarket.api.context import ApiContext, Context, Me
from flowmarket.api.downloads import Format, table_response
from flowmarket.api.expected_intake import verify_report
from flowmarket.api.expected_schemas import (
    ExpectedPositionsOut,
    ExpectedReportAccepted,
    ExpectedReportOut,
    SignedExpectedPositionsIn,
)
from flowmarket.api.routes_private import FormatQuery
from flowmarket.api.schemas import ErrorOut, ReceiptOut
from flowmarket.states import ReceiptAction

router = APIRouter(prefix="/v1", tags=["expected positions"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (401, 409, 413, 422, 429)
}


def _receipt(context: ApiContext, report: ExpectedReportOut, signature: str) -> ReceiptOut:
    return ReceiptOut(
        order_hash=report.report_hash,
        participant=report.participant,
        nonce=report.nonce,
        action=ReceiptAction.EXPECTED_POSITIONS,
        recorded_at=int(report.reported_at),
        operator=context.operator.address,
        signature=signature,
    )


@router.post(
    "/expected-positions",
    response_model=ExpectedReportAccepted,
    responses=ERRORS,
    summary="Report expected positions",
)
def report_expected_positions(
    body: SignedExpectedPositionsIn, context: Context
) -> ExpectedReportAccepted:
    """Store an EIP-712 signed `ExpectedPositions` report and apply it.

    Each named product's expected position (GB/h) is replaced; 0 withdraws it; products
    not named keep their value. The nonce must exceed the participant's last report nonce
    (409 otherwise); the same signed report again returns the stored one with
    `duplicate: true` and changes nothing. The answer carries the operator's receipt.
    """
    now = context.clock()
    report = verify_report(
        body,
        domain=context.domain,
        known=context.backend.product_names(),
        limits=context.limits,
        now=now,
    )
    context.rate_limiter.check(report.participant)
    receipt = context.receipt(
        order_hash=report.report_hash,
        participant=report.participant,
        nonce=report.nonce,
        action=ReceiptAction.EXPECTED_POSITIONS,
        recorded_at=int(now),
    )
    stored, receipt_signature, duplicate = context.backend.store_expected_report(
        report, reported_at=now, receipt_signature=receipt.signature
    )
    return ExpectedReportAccepted(
        report=stored,
        receipt=_receipt(context, stored, receipt_signature),
        duplicate=duplicate,
        expected=context.backend.expected_positions(report.participant),
    )


@router.get(
    "/me/expected-positions",
    response_model=ExpectedPositionsOut,
    responses=ERRORS,
    summary="Your expected positions",
)
def my_expected_positions(context: Context, me: Me, format: Format = FormatQuery) -> Response:
    """The expected positions the oracle will use for you (GB/h per product) and the
    next report nonce; `format=csv` downloads the positions."""
    current = context.backend.expected_positions(me)
    if format == "csv":
        return table_response(current.positions, fmt="csv", filename="expected-positions")
    return Response(current.model_dump_json(), media_type="application/json")
