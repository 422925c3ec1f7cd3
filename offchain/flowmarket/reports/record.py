"""What a report is built from: the database's rows for a range of hours, as plain values.

`MarketRecord` is read once (`sources.read_record`) and never touches the database
again; every extraction in `extract_*` and `curves` is a pure function of it. Units:
quantities GB/h, prices capacity tokens per GB, cash tokens, money in wei where the
field name says so. Hours are the market's hour indices (hours since the Unix epoch).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ProductRow = tuple[int, str, float, float, float]
"""(hour cleared, product, price tokens/GB, volume GB/h bought, slope GB/h per token)"""

ParticipantRow = tuple[int, str, dict[str, float], float]
"""(hour, participant, trades {product: GB/h, + = bought}, cash tokens, − = pays)"""

CollateralRow = tuple[int, int, dict[str, Any]]
"""(hour, fee bps, the oracle's collateral document of the hour)"""


@dataclass(frozen=True)
class HourRecord:
    """One cleared hour: standing orders, as-bid welfare (tokens/h), certificate residuals."""

    hour: int
    n_orders: int
    welfare: float
    max_imbalance: float
    max_order_gap: float
    duality_gap: float
    projection_exact: bool
    committed: bool


@dataclass(frozen=True)
class AmountRecord:
    """One participant's exact money in one hour, wei (net_cash negative = pays)."""

    hour: int
    participant: str
    net_cash_wei: int
    fee_wei: int


@dataclass(frozen=True)
class WeekRecord:
    """A weekly settlement: status, fees and amounts in wei (+ = the participant receives)."""

    week: int
    status: str
    fees_wei: int
    amounts_wei: dict[str, int]


@dataclass(frozen=True)
class AlertRecord:
    hour: int
    kind: str
    message: str


@dataclass(frozen=True)
class MarketRecord:
    """Everything a report shows, for the cleared hours first..last (inclusive).

    participants: rows of every hour up to `last` (positions accumulate from the start);
    books: {hour: engine document} for the hours whose net-demand curves are drawn;
    labels: {address: name} when the state folder names its participants (demo).
    """

    source: str
    first: int
    last: int
    hours: tuple[HourRecord, ...]
    products: list[ProductRow]
    participants: list[ParticipantRow]
    collateral: list[CollateralRow]
    amounts: list[AmountRecord]
    weeks: list[WeekRecord]
    alerts: list[AlertRecord]
    distinct_orders: int
    books: dict[int, dict[str, Any]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def hour_indices(self) -> list[int]:
        return [h.hour for h in self.hours]

    def rank(self, participants: tuple[str, ...]) -> list[int]:
        """Indices that put `participants` in the state folder's order (the demo lists
        supplier, arbitrageur, provider, reseller, buyers), unnamed ones last by address."""
        named = {address: k for k, address in enumerate(self.labels)}
        return sorted(
            range(len(participants)),
            key=lambda k: (named.get(participants[k], len(named)), participants[k]),
        )

    def label(self, address: str) -> str:
        """A participant's display name: its demo role, else the shortened address."""
        short = f"{address[:6]}…{address[-4:]}"
        name = self.labels.get(address)
        return f"{name} ({short})" if name else short
