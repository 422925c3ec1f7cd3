"""Build the report: read the record, extract arrays, draw, write one HTML file.

Stages: `sources.read_record` (database → `MarketRecord`), the pure extractions
(`extract_market`, `extract_accounts`, `curves`, `summary`), the plots (`plots_*`,
SVG data URIs) and `page` (HTML). `build_report` returns what it wrote and how long
each stage took.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from flowmarket.catalogue import format_hour
from flowmarket.reports import extract_accounts as accounts
from flowmarket.reports import extract_market as market
from flowmarket.reports import plots_accounts, plots_market
from flowmarket.reports.curves import NetDemandCurve, net_demand_curves
from flowmarket.reports.delivery import delivery_section
from flowmarket.reports.network import read_network
from flowmarket.reports.network_section import network_section
from flowmarket.reports.page import Section, page_html, summary_html
from flowmarket.reports.record import MarketRecord
from flowmarket.reports.sources import Source, read_record
from flowmarket.reports.summary import collateral_table, market_summary, participant_table
from flowmarket.reports.term_structure import term_structure, term_structure_plot

CURVES_DOC = (
    "Each panel is one product of the hour. With every other product held at its cleared "
    "price, an order i whose portfolio w_i contains product j trades x_i(w_i·π + w_ij (p − π_j)) "
    "GB/h of its portfolio at price p of j, i.e. w_ij times that of j. Demand D(p) sums the "
    "positive amounts, supply S(p) the negative ones (shown positive), and the net demand is "
    "Z(p) = D(p) − S(p): single-product orders contribute their own curves, portfolio orders "
    "(spreads, bundles) the slice of theirs through the cleared prices. The dotted line is "
    "the clearing price π_j, where Z = 0 and D = S = the traded volume (red dot). The order "
    "book is the oracle's journaled one: the orders standing at the close, after the "
    "collateral rules."
)


@dataclass(frozen=True)
class ReportStats:
    """What `build_report` wrote: the file, its size, images and seconds per stage."""

    path: Path
    bytes: int
    images: int
    hours: int
    seconds: dict[str, float] = field(default_factory=dict)


def _curve_products(record: MarketRecord, hour: int) -> list[tuple[str, list[str]]]:
    """Per (region, type): the real-time product, a middle and the farthest hourly
    forward of `hour`'s book (those with a price)."""
    by_group: dict[market.Group, dict[int, str]] = {}
    for h, name, *_ in record.products:
        key = market.product_key(name)
        if h == hour and key is not None and key.kind.is_hourly:
            by_group.setdefault((key.region, key.type), {})[key.start - hour] = name
    rows = []
    for group, names in sorted(by_group.items()):
        ahead = sorted(names)
        picks = sorted({ahead[0], ahead[len(ahead) // 2], ahead[-1]})
        rows.append((f"{group[0]} · {group[1]}", [names[a] for a in picks]))
    return rows


def _curves_section(record: MarketRecord) -> Section:
    section = Section("curves", "Aggregate net-demand curves", CURVES_DOC)
    for hour, document in sorted(record.books.items()):
        prices = {name: price for h, name, price, *_ in record.products if h == hour}
        rows: list[tuple[str, Sequence[NetDemandCurve]]] = []
        for label, names in _curve_products(record, hour):
            rows.append((label, net_demand_curves(document, prices, names)))
        if not rows:
            section.note(f"Hour {hour} cleared no catalogue products to draw.")
            continue
        stamp = f"{format_hour(hour)} UTC ({hour})"
        section.heading(f"Hour cleared {stamp}")
        section.figure(
            plots_market.curves_plot(hour, rows),
            f"aggregate curves at hour {hour}",
            f"Hour cleared {stamp}: rows are region · type, columns the real-time product "
            "and hourly forwards further ahead. Quantities GB/h, prices tokens/GB.",
        )
    return section


def _prices_section(record: MarketRecord) -> Section:
    section = Section(
        "prices",
        "Prices: hour cleared × hours ahead",
        "One heatmap per region and service type. Each column is one clearing, each row a "
        "delivery hour that many hours after it (row 0: the real-time product of the hour, "
        "above it the hourly forwards). Colours are shared by the regions of a type; grey "
        "cells were not in that hour's order book.",
    )
    heatmaps = market.price_heatmaps(record.products, record.hour_indices)
    for group, heatmap in heatmaps.items():
        vmin, vmax = plots_market.heatmap_range(heatmaps, group[1])
        section.figure(
            plots_market.heatmap_plot(group, heatmap, vmin=vmin, vmax=vmax),
            f"price heatmap {group[0]} {group[1]}",
            f"{group[0]} · {group[1]}: prices {vmin:.3f}–{vmax:.3f} tokens/GB.",
        )
    last = record.hour_indices[-1] if len(record.hour_indices) else None
    terms = term_structure(record.products, last) if last is not None else {}
    for group, panels in terms.items():
        section.figure(
            term_structure_plot(group, panels, f"{format_hour(last or 0)} UTC"),
            f"term structure {group[0]} {group[1]}",
            f"{group[0]} · {group[1]}: the forward term structure of the last clearing, "
            "annual → monthly → hourly, per delivered GB (a coarse forward's price ÷ the "
            "hours it delivers), weekday products by hour of day.",
        )
    skipped = market.skipped_products(record.products)
    if skipped and not terms:
        section.note(f"{skipped} products without a single delivery hour are not shown.")
    elif skipped:
        section.note(
            f"{skipped} monthly and annual forwards have no place on the hours-ahead axis; "
            "the term-structure panels show them."
        )
    return section


def _volumes_section(record: MarketRecord) -> Section:
    section = Section(
        "volumes",
        "Volumes",
        "Volume bought per hour cleared (the sum of the positive trades of a product), per "
        "region and type: the real-time product, and all forwards traded in that clearing.",
    )
    series = market.volume_series(record.products, record.hour_indices)
    section.figure(plots_market.volume_plot(series), "volumes", "Volumes in GB/h.")
    return section


def _positions_section(record: MarketRecord) -> Section:
    section = Section(
        "positions",
        "Positions and cash",
        "What each participant holds for each delivery hour after the last clearing of the "
        "report: the sum of its positions in every product that settles against that hour's "
        "real-time product (forwards bought for it plus the real-time trade; + = bought, "
        "− = sold). Right of the dotted line the hours are not delivered yet: forwards only.",
    )
    positions = accounts.delivered_positions(
        record.participants, first=record.first, last=record.last
    )
    rank = record.rank(positions.participants)
    positions = replace(
        positions,
        participants=tuple(positions.participants[k] for k in rank),
        held=positions.held[rank],
    )
    section.figure(
        plots_accounts.positions_plot(positions, last=record.last, label=record.label),
        "positions per participant",
        "Held capacity per delivery hour, GB/h, one panel per participant.",
    )
    participants, cash = accounts.accumulated_cash(record.participants, record.hour_indices)
    rank = record.rank(participants)
    participants, cash = tuple(participants[k] for k in rank), cash[rank]
    section.figure(
        plots_accounts.cash_plot(
            participants, np.asarray(record.hour_indices), cash, label=record.label
        ),
        "accumulated cash per participant",
        "Cash flows of the clearings summed from the first hour (before fees), tokens.",
    )
    headers, rows = participant_table(record)
    section.heading("Money and settlement (exact, from the oracle's integer amounts)")
    section.table(headers, rows)
    return section


def _collateral_section(record: MarketRecord) -> Section:
    section = Section(
        "collateral",
        "Collateral",
        "Each participant's collateral requirement as a share of its collateral in the vault, "
        "per hour, as the oracle computed it before clearing (market.md §6). Triangles mark "
        "hours in the warning state, red markers hours below zero excess (orders cut).",
    )
    series = accounts.collateral_series(record.collateral)
    rank = record.rank(series.participants)
    series = replace(
        series,
        participants=tuple(series.participants[k] for k in rank),
        collateral=series.collateral[rank],
        requirement=series.requirement[rank],
        state=series.state[rank],
    )
    section.figure(
        plots_accounts.collateral_plot(series, label=record.label),
        "collateral use per participant",
        "Requirement / collateral, %.",
    )
    headers, rows = collateral_table(series, record.label)
    section.table(headers, rows)
    cut = int(series.cut.sum())
    section.note(f"Orders cut or removed by the collateral rules in these hours: {cut}.")
    if record.alerts:
        section.heading("Alerts")
        for alert in record.alerts:
            section.note(f"hour {alert.hour} [{alert.kind}] {alert.message}")
    else:
        section.note("No alerts were raised for these hours.")
    return section


def build_report(
    engine: Engine,
    *,
    source: Source,
    out: Path,
    hours: tuple[int | None, int | None] = (None, None),
    hours_text: str | None = None,
    curve_hours: Sequence[int] = (),
) -> ReportStats:
    """Write the report of the cleared hours in `hours` (inclusive) to `out`."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    record = read_record(
        engine, source=source, hours=hours, hours_text=hours_text, curve_hours=curve_hours
    )
    seconds["read"] = time.perf_counter() - started
    summary = Section(
        "summary",
        "Summary",
        f"The market's record in {source.shown}, hours {record.first}–{record.last}.",
    )
    summary.blocks.append(summary_html(market_summary(record)))
    sections = [summary]
    for make in (
        _prices_section,
        _curves_section,
        _volumes_section,
        _positions_section,
        _collateral_section,
    ):
        mark = time.perf_counter()
        sections.append(make(record))
        seconds[sections[-1].key] = time.perf_counter() - mark
    mark = time.perf_counter()
    network = read_network(engine, record.hour_indices)
    if network:
        sections.append(network_section(engine, network))
        seconds["network"] = time.perf_counter() - mark
    delivery = delivery_section(engine, record.first, record.last, record.label)
    if delivery is not None:
        sections.append(delivery)
    title = (
        f"flowmarket report: hours {format_hour(record.first)} to {format_hour(record.last)} UTC"
    )
    html = page_html(title, f"{len(record.hours)} cleared hours · {source.shown}", sections)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    seconds["total"] = time.perf_counter() - started
    images = html.count("<img ")
    return ReportStats(out, len(html.encode("utf-8")), images, len(record.hours), seconds)
