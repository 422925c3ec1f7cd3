"""Settle one delivered hour: metered usage against real-time positions.

Per region the metered demand of every type is rationed within the region's physical
capacity (`rationing.ration`); then in each region and type every participant's
served GB are settled against the real-time position it held at delivery
(`money.imbalance_cash`, rule 7): usage beyond the position is bought at the
real-time price plus the imbalance premium, unused holdings (throttled ones included)
are sold back at the real-time price. The balancing account (the network operator)
is the other side of every imbalance and takes minus their sum, so the hour's
imbalance cash sums to exactly 0 (`money.balance_imbalances`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flowmarket.errors import InvalidInput
from flowmarket.money import balance_imbalances, imbalance_cash
from flowmarket.realtime.rationing import Rationing, ration


@dataclass(frozen=True)
class DeliveryCell:
    """One region and type of a delivered hour.

    price: the real-time price, wei per GB; positions and usage: participant →
    10^-18 GB (the real-time position held at delivery; the metered demand ≥ 0)."""

    region: str
    service_type: str
    price: int
    positions: dict[str, int]
    usage: dict[str, int]


@dataclass(frozen=True)
class CellSettlement:
    """One participant in one region and type: 10^-18 GB and wei (negative = pays)."""

    region: str
    service_type: str
    participant: str
    price: int
    position: int
    usage: int
    served: int
    cash: int


def settle_hour(
    cells: Sequence[DeliveryCell],
    capacity: Mapping[str, int],
    *,
    premium: int,
    balancing: str,
) -> tuple[list[CellSettlement], dict[str, Rationing], dict[str, int]]:
    """(per-participant rows, rationing per region, imbalance wei per participant with
    the balancing account's entry; sums to 0). capacity: region → 10^-18 GB."""
    by_region: dict[str, list[DeliveryCell]] = {}
    for cell in cells:
        if balancing in cell.positions or balancing in cell.usage:
            raise InvalidInput(
                f"usage: the balancing account {balancing} holds the network's side; "
                f"it has no usage or position to settle in {cell.region}/{cell.service_type}"
            )
        by_region.setdefault(cell.region, []).append(cell)
    rows: list[CellSettlement] = []
    rationings: dict[str, Rationing] = {}
    for region in sorted(by_region):
        if region not in capacity:
            raise InvalidInput(f"capacity: no physical capacity for region {region!r}")
        region_cells = by_region[region]
        rationing = ration(capacity[region], {c.service_type: c.usage for c in region_cells})
        rationings[region] = rationing
        for cell in sorted(region_cells, key=lambda c: c.service_type):
            rows.extend(_cell_rows(cell, rationing.served[cell.service_type], premium))
    totals: dict[str, int] = {}
    for row in rows:
        totals[row.participant] = totals.get(row.participant, 0) + row.cash
    return rows, rationings, balance_imbalances(totals, balancing=balancing)


def _cell_rows(cell: DeliveryCell, served: Mapping[str, int], premium: int) -> list[CellSettlement]:
    rows = []
    for participant in sorted(set(cell.positions) | set(cell.usage)):
        position = cell.positions.get(participant, 0)
        got = served.get(participant, 0)
        rows.append(
            CellSettlement(
                region=cell.region,
                service_type=cell.service_type,
                participant=participant,
                price=cell.price,
                position=position,
                usage=cell.usage.get(participant, 0),
                served=got,
                cash=imbalance_cash(
                    price=cell.price, premium=premium, position=position, served=got
                ),
            )
        )
    return rows
