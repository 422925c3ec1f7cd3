"""Participants' accounts as arrays: positions at delivery, accumulated cash, collateral.

Pure functions of `ParticipantRow`s and `CollateralRow`s. Money in wei becomes tokens
only for plotting (`from_wad`, display only); sums shown as numbers stay exact in wei.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from flowmarket.catalogue import Holdings
from flowmarket.money import from_wad
from flowmarket.reports.extract_market import Group, product_key
from flowmarket.reports.record import CollateralRow, ParticipantRow
from flowmarket.states import CollateralStatus

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
STATES = tuple(CollateralStatus)  # index = the state codes of CollateralSeries.state


@dataclass(frozen=True)
class DeliveredPositions:
    """Each participant's holding per delivery hour, after the last reported clearing.

    hours: (D,) delivery hours; participants: (P,) addresses, sorted; groups: (G,)
    (region, type); held: (P, G, D) GB/h = Σ of the positions in every product that
    settles against that region's and type's real-time product of the hour (the
    forwards bought for it plus the real-time trade itself; + = bought).
    """

    hours: IntArray
    participants: tuple[str, ...]
    groups: tuple[Group, ...]
    held: FloatArray


def accumulated_positions(
    rows: Sequence[ParticipantRow], *, until: int
) -> dict[str, dict[str, float]]:
    """{participant: {product: GB/h}}: the trades of every hour up to `until`, summed."""
    out: dict[str, dict[str, float]] = {}
    for hour, participant, trades, _cash in rows:
        if hour > until:
            continue
        book = out.setdefault(participant, {})
        for product, quantity in trades.items():
            book[product] = book.get(product, 0.0) + quantity
    return out


def delivered_positions(
    rows: Sequence[ParticipantRow], *, first: int, last: int
) -> DeliveredPositions:
    """Holdings per delivery hour from `first` to the last hour anything is held for
    (at least `last`), from the positions accumulated up to hour `last`."""
    positions = accumulated_positions(rows, until=last)
    groups: set[Group] = set()
    end = last
    for book in positions.values():
        for name in book:
            key = product_key(name)
            if key is not None:
                groups.add((key.region, key.type))
                if key.kind.is_hourly:
                    end = max(end, key.start)
    hours = np.arange(first, end + 1, dtype=np.int64)
    participants = tuple(sorted(positions))
    ordered = tuple(sorted(groups))
    held = np.zeros((len(participants), len(ordered), hours.size))
    for p, participant in enumerate(participants):
        valid = {n: q for n, q in positions[participant].items() if product_key(n) is not None}
        holdings = Holdings(valid)
        for g, (region, type_) in enumerate(ordered):
            held[p, g] = holdings.held(region, type_, hours)
    return DeliveredPositions(hours=hours, participants=participants, groups=ordered, held=held)


def accumulated_cash(
    rows: Sequence[ParticipantRow], hours: Sequence[int]
) -> tuple[tuple[str, ...], FloatArray]:
    """(participants, (P, T) tokens): each participant's cash flows summed over the
    cleared hours up to each of `hours` (before fees; negative = has paid), counting
    the hours before the first one too."""
    participants = tuple(sorted({p for _, p, _, _ in rows}))
    index = {p: k for k, p in enumerate(participants)}
    columns = {hour: t for t, hour in enumerate(hours)}
    flows = np.zeros((len(participants), len(hours)))
    before = np.zeros(len(participants))
    for hour, participant, _trades, cash in rows:
        if hour in columns:
            flows[index[participant], columns[hour]] += cash
        elif hours and hour < hours[0]:
            before[index[participant]] += cash
    return participants, np.cumsum(flows, axis=1) + before[:, None]


@dataclass(frozen=True)
class CollateralSeries:
    """Collateral per participant and hour, from the oracle's journal.

    hours: (T,); participants: (P,) sorted; collateral, requirement: (P, T) tokens
    (NaN where the participant had no standing order that hour); state: (P, T) index
    into STATES, −1 where absent; cut: (T,) orders cut by the collateral rules.
    """

    hours: IntArray
    participants: tuple[str, ...]
    collateral: FloatArray
    requirement: FloatArray
    state: IntArray
    cut: IntArray


def collateral_series(rows: Sequence[CollateralRow]) -> CollateralSeries:
    participants = tuple(sorted({p for _, _, doc in rows for p in doc.get("participants", {})}))
    index = {p: k for k, p in enumerate(participants)}
    shape = (len(participants), len(rows))
    collateral, requirement = np.full(shape, np.nan), np.full(shape, np.nan)
    state = np.full(shape, -1, dtype=np.int64)
    cut = np.zeros(len(rows), dtype=np.int64)
    for t, (_hour, _fee, doc) in enumerate(rows):
        for participant, entry in doc.get("participants", {}).items():
            k = index[participant]
            collateral[k, t] = from_wad(int(entry["collateral"]))
            requirement[k, t] = from_wad(int(entry["requirement"]))
            name = str(entry.get("state", CollateralStatus.OK))
            state[k, t] = (
                STATES.index(CollateralStatus(name)) if name in STATES else len(STATES) - 1
            )
        cut[t] = len(doc.get("cut_orders", {}))
    return CollateralSeries(
        hours=np.array([h for h, _, _ in rows], dtype=np.int64),
        participants=participants,
        collateral=collateral,
        requirement=requirement,
        state=state,
        cut=cut,
    )


def requirement_share(series: CollateralSeries) -> FloatArray:
    """(P, T) requirement as a percentage of collateral: +inf for a requirement with no
    collateral, 0 when both are 0, NaN where the participant is absent."""
    with np.errstate(divide="ignore", invalid="ignore"):
        share = 100.0 * series.requirement / series.collateral
    both_zero = (series.requirement == 0) & (series.collateral == 0)
    out: FloatArray = np.where(both_zero, 0.0, share)
    return out
