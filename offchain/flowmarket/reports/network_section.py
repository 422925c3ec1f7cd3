"""The report's network section (docs/network.md, docs/fairness.md), when the market has one."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

from flowmarket.reports import plots_network
from flowmarket.reports.network import NetworkHour, daily_hours, read_fairness
from flowmarket.reports.page import Section


def network_section(engine: Engine, hours: Sequence[NetworkHour]) -> Section:
    """Maps of one hour a day, rent and use over time, and the fairness figures."""
    section = Section(
        "network",
        "Network: nodal prices, congestion, fairness",
        "Each map is the real-time market of the last cleared hour of a day: regions "
        "coloured by their real-time price (the first service type), links (both "
        "directions drawn side by side) by how much of their capacity the real-time "
        "flows use. A full link has a positive price and earns its owner congestion "
        "rent (price × capacity) every hour it binds.",
    )
    by_hour = {h.hour: h for h in hours}
    days = [by_hour[h] for h in daily_hours(list(by_hour))]
    regions = sorted({r for h in hours for link in h.links for r in (link.source, link.target)})
    congested = sum(1 for h in days if any(link.price > 0 for link in h.links))
    section.figure(
        plots_network.network_maps(days, regions),
        "network maps",
        f"{len(days)} days; a real-time link is full in {congested} of these hours.",
    )
    full_hours = sum(1 for h in hours if any(link.price > 0 for link in h.links))
    section.figure(
        plots_network.rent_plot(hours),
        "congestion rent and link use",
        f"Congestion rent {sum(h.rent for h in hours):.4g} tokens and transport charges "
        f"{sum(h.charge for h in hours):.4g} tokens over {len(hours)} hours; a real-time "
        f"link was full in {full_hours} of them.",
    )
    points = read_fairness(engine, [h.hour for h in days])
    if points:
        section.heading("Price of fairness")
        section.note(
            "The same cleared quantities settled at the nodal prices (price of fairness = "
            "the congestion rent they leave undistributed) or at one unconstrained price "
            "per commodity plus the compensations that make every forced or unfairly "
            "rejected order whole (docs/fairness.md; `flowmarket fairness --hour H`)."
        )
        section.figure(
            plots_network.fairness_plot(points),
            "price of fairness",
            "One price + compensations: "
            + ", ".join(
                f"{p.forced} forced / {p.unfairly_rejected} unfairly rejected" for p in points[-3:]
            )
            + " orders in the last three of these hours.",
        )
    return section
