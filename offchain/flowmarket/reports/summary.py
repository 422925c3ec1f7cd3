"""The report's tables: market summary, per-participant accounts, collateral, alerts.

Pure functions of a `MarketRecord`. Each cell keeps its exact value (`value`: an int
for counts and wei, a float for residuals and tokens) next to its display text, so the
HTML carries both and a reader (or a test) can check the numbers against the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from flowmarket.catalogue import format_hour
from flowmarket.money import WAD
from flowmarket.reports.extract_accounts import STATES, CollateralSeries
from flowmarket.reports.record import MarketRecord
from flowmarket.states import WeekStatus


@dataclass(frozen=True)
class Cell:
    text: str
    value: int | float | str


@dataclass(frozen=True)
class SummaryItem:
    key: str
    label: str
    cell: Cell


def tokens(wei: int, places: int = 4) -> str:
    """Wei as capacity tokens with `places` decimals, exact (display only)."""
    amount = (Decimal(wei) / WAD).quantize(Decimal(1).scaleb(-places))
    return f"{amount:,f}"


def _count(n: int) -> Cell:
    return Cell(f"{n:,}", n)


def _float(x: float, fmt: str) -> Cell:
    return Cell(format(x, fmt), x)


def _wei(wei: int) -> Cell:
    return Cell(f"{tokens(wei)} tokens", wei)


def market_summary(record: MarketRecord) -> list[SummaryItem]:
    """Hours, orders, welfare, fees (by fee rate), settlement and certificate maxima."""
    hours = record.hours
    orders = np.array([h.n_orders for h in hours], dtype=np.float64)
    fee_rate = {hour: fee for hour, fee, _ in record.collateral}
    fees_by_rate: dict[int, int] = {}
    for amount in record.amounts:
        rate = fee_rate.get(amount.hour, -1)
        fees_by_rate[rate] = fees_by_rate.get(rate, 0) + amount.fee_wei
    traders = {a.participant for a in record.amounts}
    items = [
        SummaryItem("hours", "hours cleared", _count(len(hours))),
        SummaryItem(
            "first_hour",
            "first hour",
            Cell(f"{format_hour(record.first)} UTC ({record.first})", record.first),
        ),
        SummaryItem(
            "last_hour",
            "last hour",
            Cell(f"{format_hour(record.last)} UTC ({record.last})", record.last),
        ),
        SummaryItem(
            "committed", "hours committed on chain", _count(sum(h.committed for h in hours))
        ),
        SummaryItem("participants", "participants trading", _count(len(traders))),
        SummaryItem("distinct_orders", "different orders standing", _count(record.distinct_orders)),
        SummaryItem(
            "orders_mean", "standing orders per hour (mean)", _float(float(orders.mean()), ".1f")
        ),
        SummaryItem("orders_max", "standing orders per hour (max)", _count(int(orders.max()))),
        SummaryItem("products", "products cleared (hour × product)", _count(len(record.products))),
        SummaryItem(
            "welfare_total",
            "as-bid welfare, total (tokens)",
            _float(sum(h.welfare for h in hours), ",.2f"),
        ),
        SummaryItem("fees_wei", "fees, total", _wei(sum(fees_by_rate.values()))),
    ]
    for rate, wei in sorted(fees_by_rate.items()):
        n = sum(1 for h in hours if fee_rate.get(h.hour) == rate)
        items.append(SummaryItem(f"fees_at_{rate}", f"fees at {rate} bps ({n} hours)", _wei(wei)))
    settled = [w for w in record.weeks if w.status == WeekStatus.DONE]
    items += [
        SummaryItem("weeks_settled", "weeks settled", _count(len(settled))),
        SummaryItem(
            "max_imbalance",
            "certificate: max imbalance (GB/h)",
            _float(max(h.max_imbalance for h in hours), ".3e"),
        ),
        SummaryItem(
            "max_order_gap",
            "certificate: max order gap (GB/h)",
            _float(max(h.max_order_gap for h in hours), ".3e"),
        ),
        SummaryItem(
            "duality_gap",
            "certificate: max duality gap (tokens/h)",
            _float(max(h.duality_gap for h in hours), ".3e"),
        ),
        SummaryItem(
            "inexact_hours",
            "hours whose prices are not the exact projection",
            _count(sum(not h.projection_exact for h in hours)),
        ),
    ]
    return items


def participant_table(record: MarketRecord) -> tuple[list[str], list[tuple[str, list[Cell]]]]:
    """(headers, rows): per participant, its exact money over the range and each week's
    settlement (+ = receives)."""
    weeks = record.weeks
    headers = ["participant", "net cash after fees", "fees paid", "hours traded"]
    headers += [f"week {w.week} settlement ({w.status})" for w in weeks]
    net: dict[str, int] = {}
    fees: dict[str, int] = {}
    traded: dict[str, int] = {}
    for a in record.amounts:
        net[a.participant] = net.get(a.participant, 0) + a.net_cash_wei
        fees[a.participant] = fees.get(a.participant, 0) + a.fee_wei
        traded[a.participant] = traded.get(a.participant, 0) + 1
    found = tuple(sorted(set(net) | {p for w in weeks for p in w.amounts_wei}))
    everyone = [found[k] for k in record.rank(found)]
    rows = []
    for p in everyone:
        cells = [_wei(net.get(p, 0)), _wei(fees.get(p, 0)), _count(traded.get(p, 0))]
        cells += [_wei(w.amounts_wei[p]) if p in w.amounts_wei else Cell("—", "") for w in weeks]
        rows.append((record.label(p), cells))
    return headers, rows


def collateral_table(
    series: CollateralSeries, label: Callable[[str], str]
) -> tuple[list[str], list[tuple[str, list[Cell]]]]:
    """Per participant: collateral, largest requirement, smallest excess (tokens), and
    hours in each non-ok state."""
    headers = ["participant", "collateral, last (tokens)", "max requirement", "min excess"]
    headers += [f"hours {s}" for s in STATES[1:]]
    rows = []
    for k, p in enumerate(series.participants):
        present = np.isfinite(series.collateral[k])
        collateral = series.collateral[k][present]
        requirement = series.requirement[k][present]
        cells = [
            _float(float(collateral[-1]), ",.2f"),
            _float(float(requirement.max()), ",.2f"),
            _float(float((collateral - requirement).min()), ",.2f"),
        ]
        cells += [_count(int(np.sum(series.state[k] == s))) for s in range(1, len(STATES))]
        rows.append((label(p), cells))
    return headers, rows
