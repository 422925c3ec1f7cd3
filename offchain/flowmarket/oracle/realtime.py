"""Real-time delivery in the oracle's solve step (docs/realtime.md).

When the oracle clears hour h it records every participant's real-time position for
delivery hour h (`record_positions`): the real-time product plus every forward whose
delivery set holds h (hourly, monthly, annual forwards of the same region and type),
converted 1:1 into the real-time product `rt:REGION:TYPE:h` and summed exactly from
the positions' integer holdings (`Position.wei`: the committed trades, to the wei).
That is the settlement identity of forwards against real time: a forward held at
delivery is a right to use the capacity, and any deviation from it settles at the
real-time price.

When it clears hour H it settles the metered usage of delivery hour d = H − lag
(`settle_usage`), when the network operator reported any for d: priority rationing
per region within the physical capacity, then the imbalance of each participant at
d's real-time price (`flowmarket.realtime`, `money` rule 7). The imbalance entries go
into H's RESULT document (`imbalance`), so H's net cash, entry leaves and roots carry
them, and the reports are marked settled in the same transaction as H's results: a
crash before that commit leaves them unsettled (settled when H is solved again), one
after it leaves them settled (never counted twice).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from eth_utils.address import is_address, to_checksum_address
from sqlmodel import Session, select

from flowmarket.catalogue import Kind, ProductKey, parse_name, realtime_name
from flowmarket.config import Settings
from flowmarket.db import results_repo, usage_repo
from flowmarket.db.models import Position
from flowmarket.db.usage_tables import UsageSettlement
from flowmarket.errors import FieldError
from flowmarket.money import to_wad
from flowmarket.realtime import CellSettlement, DeliveryCell, settle_hour


@dataclass(frozen=True)
class DeliveryRules:
    """operator: checksummed balancing account; premium wei per GB; capacity 10^-18 GB
    per region and hour; lag hours between delivery and settlement (≥ 1)."""

    operator: str
    premium: int
    capacity: int
    lag: int

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryRules | None:
        """The settings' rules; None when no network operator is set (no metering)."""
        if not settings.realtime_operator:
            return None
        if not is_address(settings.realtime_operator):
            raise FieldError("FLOWMARKET_REALTIME_OPERATOR", "must be a 0x address")
        if settings.realtime_settle_lag < 1:
            raise FieldError("FLOWMARKET_REALTIME_SETTLE_LAG", "must be at least 1 hour")
        if not settings.realtime_capacity_gbh > 0:
            raise FieldError("FLOWMARKET_REALTIME_CAPACITY_GBH", "must be > 0 GB/h")
        if not settings.realtime_premium >= 0:
            raise FieldError("FLOWMARKET_REALTIME_PREMIUM", "must be >= 0 tokens per GB")
        return cls(
            operator=str(to_checksum_address(settings.realtime_operator)),
            premium=to_wad(settings.realtime_premium),
            capacity=to_wad(settings.realtime_capacity_gbh),
            lag=settings.realtime_settle_lag,
        )


@lru_cache(maxsize=65_536)
def _key(product: str) -> ProductKey | None:
    try:
        return parse_name(product)
    except ValueError:
        return None


def record_positions(session: Session, *, hour: int) -> None:
    """Record the real-time positions held at delivery of `hour`; no commit. Call after
    the hour's trades are in `positions` and before delivered products are dropped."""
    hours = np.array([hour], dtype=np.int64)
    held: dict[tuple[str, str], int] = {}
    for row in session.exec(select(Position)):
        key = _key(row.product)
        if key is None or not bool(key.covers(hours)[0]):
            continue
        cell = (realtime_name(key, hour), row.participant)
        held[cell] = held.get(cell, 0) + int(row.wei)
    usage_repo.add_delivery_positions(
        session, hour=hour, positions=[(p, who, q) for (p, who), q in sorted(held.items())]
    )


def settle_usage(session: Session, *, hour: int, rules: DeliveryRules) -> dict[str, int]:
    """Settle delivery hour `hour` − lag when metered; no commit. Returns the imbalance
    wei per participant (summing to 0; empty when the hour is not metered)."""
    delivered = hour - rules.lag
    reports = usage_repo.unsettled_reports(session, hour=delivered)
    if not reports:
        return {}
    positions = usage_repo.delivery_positions(session, hour=delivered)
    usage: dict[str, dict[str, int]] = {}
    for report in reports:
        usage.setdefault(report.product, {})[report.participant] = int(report.quantity)
    cells = []
    for product in sorted(set(positions) | set(usage)):
        key = _key(product)
        price_row = results_repo.hour_product(session, hour=delivered, product=product)
        if key is None or key.kind is not Kind.REAL_TIME or price_row is None:
            continue  # no real-time price to settle at (intake refuses such reports)
        held = {p: q for p, q in positions.get(product, {}).items() if p != rules.operator}
        cells.append(
            DeliveryCell(
                key.region, key.type, to_wad(price_row.price), held, usage.get(product, {})
            )
        )
    capacity = {cell.region: rules.capacity for cell in cells}
    rows, _, imbalance = settle_hour(
        cells, capacity, premium=rules.premium, balancing=rules.operator
    )
    usage_repo.add_settlements(
        session, [_row(delivered, r, settled_hour=hour) for r in rows], reports, settled_hour=hour
    )
    return imbalance


def _row(hour: int, row: CellSettlement, *, settled_hour: int) -> UsageSettlement:
    product = realtime_name(ProductKey(Kind.REAL_TIME, row.region, row.service_type, hour), hour)
    return UsageSettlement(
        hour=hour,
        product=product,
        participant=row.participant,
        price=str(row.price),
        position=str(row.position),
        usage=str(row.usage),
        served=str(row.served),
        cash=str(row.cash),
        settled_hour=settled_hour,
    )


__all__ = ["DeliveryRules", "record_positions", "settle_usage"]
