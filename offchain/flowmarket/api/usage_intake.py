"""Checks of the network operator's signed usage report: who, which products, numbers.

Pure (no storage), like `intake`: the route gives it the request, the market's domain
and the limits (which carry the network operator's address and the regions' physical
capacity). Whether the hour was delivered and is still open for reports, and whether
an entry repeats a stored one, is checked by storage atomically with the write.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from eth_utils.address import to_checksum_address

from flowmarket.api.intake import check_domain, check_signer
from flowmarket.api.limits import ApiLimits
from flowmarket.api.usage_schemas import SignedUsageIn, UsageEntryIn
from flowmarket.catalogue import Kind, parse_name
from flowmarket.errors import FieldError
from flowmarket.money import WAD
from flowmarket.signing import Domain, UsageReportMessage, digest


def parse_gb(raw: str, *, field: str, capacity_gbh: float) -> int:
    """A decimal GB string as 10^-18 GB: ≥ 0, at most 18 decimals, within capacity."""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise FieldError(field, f"{raw[:40]!r} is not a decimal number of GB") from None
    if not value.is_finite():
        raise FieldError(field, "must be a finite number of GB")
    if value < 0:
        raise FieldError(field, f"usage cannot be negative, got {raw}")
    scaled = value * WAD
    if scaled != scaled.to_integral_value():
        raise FieldError(field, f"{raw} has more than 18 decimals")
    if value > Decimal(repr(capacity_gbh)):
        raise FieldError(
            field, f"{raw} GB exceeds the region's physical capacity of {capacity_gbh:g} GB/h"
        )
    return int(scaled)


def _entry(
    k: int, entry: UsageEntryIn, *, hour: int, operator: str, limits: ApiLimits
) -> tuple[str, str, int]:
    field = f"report.entries[{k}]"
    try:
        key = parse_name(entry.product)
    except ValueError:
        raise FieldError(f"{field}.product", "not a product name") from None
    if key.kind is not Kind.REAL_TIME or key.start != hour:
        raise FieldError(
            f"{field}.product", f"not the real-time product of a region and type in hour {hour}"
        )
    participant = str(to_checksum_address(entry.participant))
    if participant == operator:
        raise FieldError(
            f"{field}.participant",
            "the network operator is the balancing account; it reports no usage of its own",
        )
    gb = parse_gb(entry.gb, field=f"{field}.gb", capacity_gbh=limits.usage_capacity_gbh)
    return entry.product, participant, gb


def verify_usage(
    request: SignedUsageIn, *, domain: Domain, limits: ApiLimits
) -> tuple[UsageReportMessage, str]:
    """Check a usage report; return its message and id (EIP-712 digest), or raise FieldError."""
    report = request.report
    check_domain(request.chain_id, request.verifying_contract, domain=domain)
    if not limits.usage_operator:
        raise FieldError("report.operator", "this market has no network operator: metering is off")
    operator = str(to_checksum_address(limits.usage_operator))
    if report.operator.lower() != operator.lower():
        raise FieldError(
            "report.operator", f"{report.operator} is not the network operator {operator}"
        )
    if not report.entries:
        raise FieldError("report.entries", "must hold at least one entry")
    if len(report.entries) > limits.max_usage_entries:
        raise FieldError(
            "report.entries",
            f"has {len(report.entries)} entries; the limit is {limits.max_usage_entries}",
        )
    entries = []
    seen: set[tuple[str, str]] = set()
    for k, raw in enumerate(report.entries):
        entry = _entry(k, raw, hour=report.hour, operator=operator, limits=limits)
        if entry[:2] in seen:
            raise FieldError(f"report.entries[{k}]", "repeats an earlier (product, participant)")
        seen.add(entry[:2])
        entries.append(entry)
    message = UsageReportMessage(operator=operator, hour=report.hour, entries=tuple(entries))
    check_signer(domain, message, request.signature)
    return message, digest(domain, message)
