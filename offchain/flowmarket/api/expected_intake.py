"""Checks of a signed expected-positions report: batch, products, numbers, deadline, signature.

Pure (no storage), like `intake`: the route gives it the request, the market's domain,
the limits, the known product names and the clock. The nonce is checked by storage,
atomically with the write.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from eth_utils.address import to_checksum_address

from flowmarket.api.expected_schemas import SignedExpectedPositionsIn
from flowmarket.api.intake import check_domain, check_signer
from flowmarket.api.limits import ApiLimits
from flowmarket.catalogue import parse_name
from flowmarket.catalogue.hours import open_hour
from flowmarket.errors import FieldError
from flowmarket.signing import Domain, ExpectedPositionsMessage, digest


@dataclass(frozen=True)
class VerifiedReport:
    """A report whose signature recovered to its participant; positions {product: GB/h}."""

    report_hash: str
    participant: str
    nonce: int
    deadline: int
    positions: dict[str, float]
    signature: str


def delivered_before(name: str, hour: int) -> int | None:
    """The last delivery hour of product `name` when it is before `hour`, else None.

    Names outside the catalogue's naming scheme have no known delivery period (None).
    The same rule as the oracle's (`oracle.delivery`), which drops expected
    positions in a product once its last hour is cleared."""
    try:
        key = parse_name(name)
    except ValueError:  # FieldError, and int() of a malformed hour
        return None
    last = key.period_end() - 1
    return last if last < hour else None


def check_positions(
    positions: dict[str, float], *, known: set[str], limits: ApiLimits, now: float
) -> None:
    """Non-empty, within the batch limit, known products still to be delivered, finite
    quantities within ±limits.max_expected_gbh."""
    if not positions:
        raise FieldError("report.positions", "must name at least one product")
    if len(positions) > limits.max_expected_positions:
        raise FieldError(
            "report.positions",
            f"has {len(positions)} products; the limit is {limits.max_expected_positions}",
        )
    first_open = open_hour(now)
    for name, quantity in positions.items():
        field = f"report.positions.{name[:64]}"
        if name not in known:
            raise FieldError(field, "unknown product")
        if not math.isfinite(quantity):
            raise FieldError(field, "quantity must be a finite number")
        if abs(quantity) > limits.max_expected_gbh:
            raise FieldError(
                field, f"|{quantity!r}| GB/h exceeds the limit of {limits.max_expected_gbh:g} GB/h"
            )
        last = delivered_before(name, first_open)
        if last is not None:
            raise FieldError(
                field,
                f"already delivered: its last delivery hour {last} is before the open hour "
                f"{first_open}",
            )


def verify_report(
    request: SignedExpectedPositionsIn,
    *,
    domain: Domain,
    known: set[str],
    limits: ApiLimits,
    now: float,
) -> VerifiedReport:
    """Check a report submission; return it with its id, or raise FieldError."""
    report = request.report
    check_domain(request.chain_id, request.verifying_contract, domain=domain)
    positions = {name: float(quantity) for name, quantity in report.positions.items()}
    check_positions(positions, known=known, limits=limits, now=now)
    if report.deadline <= now:
        raise FieldError(
            "report.deadline", f"report expired: deadline {report.deadline} is not after {now:.0f}"
        )
    message = ExpectedPositionsMessage(
        participant=to_checksum_address(report.participant),
        nonce=report.nonce,
        deadline=report.deadline,
        positions=positions,
    )
    report_hash = digest(domain, message)  # also checks every quantity's fixed-point form
    check_signer(domain, message, request.signature)
    return VerifiedReport(
        report_hash=report_hash,
        participant=message.participant,
        nonce=report.nonce,
        deadline=report.deadline,
        positions=positions,
        signature=request.signature.lower(),
    )
