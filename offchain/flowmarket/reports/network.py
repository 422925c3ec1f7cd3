"""The report's network section: maps of nodal prices and link use, rent, fairness.

Read from the oracle's journal (each hour's engine document carries its network
block, its result the flows and link prices): per cleared hour, the real-time links
(those of the hour's own delivery hour) with their capacity, flow and price, the
real-time price of each region, and the hour's congestion rent and transport
charges over all its links (forwards included). The fairness figures re-run
`clearing.fairness_document` on one hour a day (the last cleared hour of each day).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, String, cast
from sqlmodel import Session, col, select

from flowmarket.catalogue import format_hour, parse_name
from flowmarket.clearing.fairness_document import fairness_document
from flowmarket.db.oracle_tables import OracleHour

MAX_MAPS = 8  # days drawn as maps (the last ones)


@dataclass(frozen=True)
class LinkUse:
    """One real-time link of an hour: GB/h, tokens per GB of capacity."""

    name: str
    source: str
    target: str
    capacity: float
    flow: float
    price: float

    @property
    def utilisation(self) -> float:
        """flow / capacity offered; 1 where no capacity was left (sold by earlier clearings)."""
        return self.flow / self.capacity if self.capacity > 0 else 1.0


@dataclass(frozen=True)
class NetworkHour:
    """hour; links: its real-time links; prices: {region: real-time price of the first
    type}; rent, charge: the whole clearing's congestion rent and transport charges."""

    hour: int
    links: tuple[LinkUse, ...]
    prices: dict[str, float]
    rent: float
    charge: float


@dataclass(frozen=True)
class FairnessPoint:
    """One sampled hour's price of fairness (tokens/h) and unfairly treated orders."""

    hour: int
    nodal: float
    uniform: float
    forced: int
    unfairly_rejected: int


def _network_hour(hour: int, engine_doc: dict[str, Any], result: dict[str, Any]) -> NetworkHour:
    stamp = f"@{format_hour(hour)}"
    ends = {entry["id"]: (entry["from"], entry["to"]) for entry in engine_doc["network"]["links"]}
    links = tuple(
        LinkUse(
            name=ident.removesuffix(stamp),
            source=ends[ident][0],
            target=ends[ident][1],
            capacity=float(entry["capacity"]),
            flow=float(entry["flow"]),
            price=float(entry["shadow_price"]),
        )
        for ident, entry in sorted(result.get("links", {}).items())
        if ident.endswith(stamp)
    )
    first_type: dict[str, tuple[str, float]] = {}
    for product, price in result.get("prices", {}).items():
        key = parse_name(product)
        if key.kind.is_hourly and key.start == hour:
            best = first_type.get(key.region)
            if best is None or key.type < best[0]:
                first_type[key.region] = (key.type, float(price))
    return NetworkHour(
        hour=hour,
        links=links,
        prices={region: value for region, (_, value) in first_type.items()},
        rent=float(result.get("congestion_rent", 0.0)),
        charge=float(result.get("transport_charge", 0.0)),
    )


def read_network(engine: Engine, hours: Sequence[int]) -> list[NetworkHour]:
    """The network of each cleared hour in `hours` that was cleared with one."""
    out: list[NetworkHour] = []
    with Session(engine) as session:
        # Decode only the hours whose stored order set can name a network: a week of the
        # demo catalogue without one is about 500 MB of journaled JSON read for nothing.
        named = cast(col(OracleHour.engine_doc), String).contains('"network"')
        query = select(OracleHour.hour).where(col(OracleHour.hour).in_(list(hours)), named)
        for hour in session.exec(query.order_by(col(OracleHour.hour))).all():
            row = session.get(OracleHour, hour)
            if row is not None and row.result_doc is not None and row.engine_doc.get("network"):
                out.append(_network_hour(row.hour, row.engine_doc, row.result_doc))
    return out


def daily_hours(hours: Sequence[int], limit: int = MAX_MAPS) -> list[int]:
    """The last hour of each UTC day among `hours`, the last `limit` days."""
    last: dict[int, int] = {}
    for hour in hours:
        last[hour // 24] = max(hour, last.get(hour // 24, hour))
    return [last[day] for day in sorted(last)][-limit:]


def read_fairness(engine: Engine, hours: Sequence[int]) -> list[FairnessPoint]:
    """`fairness_document` of each of `hours` (cleared with a network)."""
    out: list[FairnessPoint] = []
    with Session(engine) as session:
        for hour in hours:
            row = session.get(OracleHour, hour)
            if row is None or row.result_doc is None or not row.engine_doc.get("network"):
                continue
            report = fairness_document(row.engine_doc, row.result_doc)
            nodal, uniform = report["mechanisms"]["nodal"], report["mechanisms"]["uniform"]
            out.append(
                FairnessPoint(
                    hour=hour,
                    nodal=float(nodal["pof"]),
                    uniform=float(uniform["pof"]),
                    forced=int(uniform["classes"]["forced"]),
                    unfairly_rejected=int(uniform["classes"]["unfairly_rejected"]),
                )
            )
    return out
