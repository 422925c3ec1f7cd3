"""Priority service in one region and hour: who is served when demand exceeds capacity.

Quantities are integers in 10^-18 GB (`money.WAD` per GB). The region's physical
capacity is served tier by tier (`PRIORITY_TIERS`): premium first, then fast, then
regular (and any other catalogue type). A tier whose metered demand fits in what is
left is served in full; the first tier that does not fit shares what is left pro
rata to each participant's demand (largest remainders, ties by participant:
`money.cost_shares`), and the tiers after it get nothing. Delayed delivery counts as
unserved: a throttled GB is not delivered in its hour.

Why this order (docs/realtime.md): premium is sold as nearly never rationed, so it is
rationed only when premium demand alone exceeds the capacity. Fast traffic is worth
nothing late (a delayed latency-critical message is a lost one), while regular
traffic tolerates delay, so fast is served before regular.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flowmarket.errors import InvalidInput
from flowmarket.money import cost_shares

PRIORITY_TIERS = ("premium", "fast", "regular")


def tier_of(service_type: str) -> int:
    """0 for premium, 1 for fast, 2 for regular and any other type (served last)."""
    if service_type in PRIORITY_TIERS:
        return PRIORITY_TIERS.index(service_type)
    return len(PRIORITY_TIERS) - 1


@dataclass(frozen=True)
class Rationing:
    """One region and hour: capacity, and per type {participant: 10^-18 GB} demanded
    and served (served ≤ demanded; Σ served ≤ capacity)."""

    capacity: int
    demand: dict[str, dict[str, int]]
    served: dict[str, dict[str, int]]

    def total(self, kind: str, service_type: str) -> int:
        """Σ over participants of `kind` ("demand" or "served") for one type."""
        book = self.demand if kind == "demand" else self.served
        return sum(book.get(service_type, {}).values())

    def unserved(self, service_type: str) -> int:
        """GB (10^-18) of `service_type` demanded but not delivered in the hour."""
        return self.total("demand", service_type) - self.total("served", service_type)

    @property
    def throttled(self) -> bool:
        return any(self.unserved(t) for t in self.demand)


def ration(capacity: int, demand: Mapping[str, Mapping[str, int]]) -> Rationing:
    """Serve `demand` ({type: {participant: 10^-18 GB ≥ 0}}) within `capacity` (≥ 0)."""
    if capacity < 0:
        raise InvalidInput(f"capacity: must be >= 0, got {capacity}")
    for service_type, wanted_by in demand.items():
        for participant, quantity in wanted_by.items():
            if quantity < 0:
                raise InvalidInput(
                    f"usage.{service_type}.{participant}: must be >= 0, got {quantity}"
                )
    served: dict[str, dict[str, int]] = {t: {} for t in demand}
    left = capacity
    for tier in range(len(PRIORITY_TIERS)):
        book = {
            (t, p): q
            for t in sorted(demand)
            if tier_of(t) == tier
            for p, q in demand[t].items()
            if q > 0
        }
        wanted = sum(book.values())
        if wanted <= left:
            shares = book
        elif left == 0:
            shares = {}
        else:
            keyed = cost_shares(left, {f"{t}\x00{p}": q for (t, p), q in book.items()})
            shares = {(k.split("\x00")[0], k.split("\x00")[1]): v for k, v in keyed.items()}
        for (t, p), q in shares.items():
            served[t][p] = q
        left -= sum(shares.values())
    for t, wanted_by in demand.items():
        for p in wanted_by:
            served[t].setdefault(p, 0)
    return Rationing(
        capacity=capacity, demand={t: dict(b) for t, b in demand.items()}, served=served
    )
