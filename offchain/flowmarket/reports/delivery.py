"""The report's delivery section: positions vs metered usage, throttling, imbalance.

Read from the oracle's settlements of metered hours (`usage_settlements`,
docs/realtime.md) whose delivery hour is in the report's range; the section is left
out when no hour in the range was metered. Amounts are exact (10^-18 GB and wei in
the database) and shown rounded to 3 decimals.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from flowmarket.db.usage_tables import UsageSettlement
from flowmarket.money import WAD
from flowmarket.realtime import tier_of
from flowmarket.reports.page import Section
from flowmarket.reports.summary import Cell


def _gb(amount: int) -> Cell:
    return Cell(f"{amount / WAD:,.3f}", str(amount))


def _rows(engine: Engine, first: int, last: int) -> list[UsageSettlement]:
    query = select(UsageSettlement).where(
        col(UsageSettlement.hour) >= first, col(UsageSettlement.hour) <= last
    )
    with Session(engine) as session:
        return list(session.exec(query))


def delivery_section(
    engine: Engine, first: int, last: int, label: Callable[[str], str]
) -> Section | None:
    """The section for delivery hours first..last, or None when none was metered."""
    rows = _rows(engine, first, last)
    if not rows:
        return None
    section = Section(
        "delivery",
        "Delivery",
        "Metered hours: what each type demanded and was served within the regions' "
        "physical capacity (premium first, then fast, regular throttled pro rata), and each "
        "participant's position at delivery against what it was served, with the imbalance "
        "cash settled at the real-time price (plus the premium for usage beyond the "
        "position).",
    )
    by_type: dict[str, list[int]] = {}
    by_participant: dict[str, list[int]] = {}
    for r in rows:
        kind = r.product.split(":")[2]
        t = by_type.setdefault(kind, [0, 0])
        t[0] += int(r.usage)
        t[1] += int(r.served)
        p = by_participant.setdefault(r.participant, [0, 0, 0, 0])
        for k, value in enumerate((r.position, r.usage, r.served, r.cash)):
            p[k] += int(value)
    order = sorted(by_type, key=lambda t: (tier_of(t), t))
    section.heading("Throttling per type")
    section.table(
        ["type", "demand (GB)", "served (GB)", "throttled (GB)"],
        [
            (t, [_gb(by_type[t][0]), _gb(by_type[t][1]), _gb(by_type[t][0] - by_type[t][1])])
            for t in order
        ],
    )
    premium = by_type.get("premium", [0, 0])
    rationed = "was never rationed" if premium[0] == premium[1] else "was rationed"
    section.note(f"Premium {rationed} in the {len({r.hour for r in rows})} metered hours.")
    section.heading("Positions vs usage per participant")
    section.table(
        ["participant", "position (GB)", "usage (GB)", "served (GB)", "imbalance cash"],
        [
            (label(p), [_gb(v[0]), _gb(v[1]), _gb(v[2]), Cell(f"{v[3] / WAD:,.3f}", str(v[3]))])
            for p, v in sorted(by_participant.items())
        ],
    )
    return section
