"""What an agent sees each hour and what it must return.

Every agent is called once per hour with a `MarketView` and returns the full set
of orders it wants standing (engine format: id, participant, portfolio, curve).
Orders persist in the market; `agents.book` turns the wanted set into places,
replacements and cancellations, so an order is only replaced when it changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from flowmarket.catalogue import CatalogueSpec, Holdings, predecessor

Order = dict[str, Any]


@dataclass(frozen=True)
class MarketView:
    """One agent's view at an hour.

    products: names listed at `hour`; prices: last cleared price per product
    (tokens per GB; products never cleared are absent); holdings: the agent's own
    positions (GB/h) with exposure queries.
    """

    hour: int
    spec: CatalogueSpec
    products: Sequence[str]
    prices: Mapping[str, float]
    holdings: Holdings

    def last_price(self, name: str) -> float | None:
        """The last price of `name`, or of the hourly forward it was before delivery."""
        if name in self.prices:
            return self.prices[name]
        before = predecessor(name) if name.startswith("rt:") else None
        return self.prices.get(before) if before is not None else None


class Agent(Protocol):
    """A market participant of the demo."""

    @property
    def name(self) -> str: ...

    def orders(self, view: MarketView) -> list[Order]:
        """The orders this agent wants standing at `view.hour`."""
        ...


def make_order(
    participant: str,
    key: str,
    portfolio: Mapping[str, float],
    points: Sequence[tuple[float, float]],
) -> Order:
    """An order in the engine's format with a stable id `participant/key`."""
    return {
        "id": f"{participant}/{key}",
        "participant": participant,
        "portfolio": dict(portfolio),
        "curve": [[float(q), float(p)] for q, p in points],
    }
