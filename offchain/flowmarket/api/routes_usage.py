"""The network operator reports metered usage of delivered hours (docs/realtime.md).

Each report is EIP-712 signed by the network operator (`flowmarket.signing.usage`):
for one delivered hour, each participant's measured GB of each real-time product.
Entries are idempotent per (hour, product, participant): the same quantity again
changes nothing, a different one is refused. The clearing of hour + lag settles the
hour's usage against the positions held at delivery; from then on the hour is final.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from flowmarket.api.context import Context, Me
from flowmarket.api.routes_public import Hour
from flowmarket.api.schemas import ErrorOut
from flowmarket.api.usage_intake import verify_usage
from flowmarket.api.usage_schemas import (
    DeliveryHourOut,
    MyUsageOut,
    SignedUsageIn,
    UsageAccepted,
)

router = APIRouter(prefix="/v1", tags=["real-time delivery"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (401, 409, 413, 422, 429)
}


@router.post("/usage", response_model=UsageAccepted, responses=ERRORS, summary="Report usage")
def report_usage(body: SignedUsageIn, context: Context) -> UsageAccepted:
    """Store the network operator's signed `UsageReport` of one delivered hour.

    422 names the field when the report is not the operator's, an entry's product is not
    a real-time product of the hour or was not cleared in it, or a quantity is negative,
    malformed or above the region's physical capacity; 409 when the hour is final or an
    entry contradicts a stored one. Nothing of a refused report is stored."""
    message, report_hash = verify_usage(body, domain=context.domain, limits=context.limits)
    context.rate_limiter.check(message.operator)
    lag = context.limits.usage_settle_lag
    duplicate = context.backend.store_usage(
        message,
        report_hash=report_hash,
        signature=body.signature,
        reported_at=context.clock(),
        lag=lag,
    )
    return UsageAccepted(
        report_hash=report_hash,
        hour=message.hour,
        entries=len(message.entries),
        duplicate=duplicate,
        final_at_hour=message.hour + lag,
    )


@router.get(
    "/me/usage", response_model=MyUsageOut, responses=ERRORS, summary="Your usage and imbalance"
)
def my_usage(context: Context, me: Me) -> MyUsageOut:
    """Your settled deliveries per hour and real-time product: the position you held,
    your metered usage, what was served after priority rationing, and the imbalance
    cash (tokens, negative = paid) entered in the settling hour's cash."""
    return context.backend.usage_of(me)


@router.get(
    "/delivery/{hour}",
    response_model=DeliveryHourOut,
    responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
    summary="Priority service of a metered hour",
)
def delivery_hour(context: Context, hour: int = Hour) -> DeliveryHourOut:
    """Per real-time product (region and type) of a settled metered hour: metered demand,
    GB served and GB throttled (demanded, not delivered in the hour)."""
    return context.backend.delivery_hour(hour)
