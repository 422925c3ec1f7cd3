"""Real-time delivery: priority rationing of metered usage and imbalance settlement.

`rationing` serves one region and hour's metered demand within its physical capacity
(premium first, then fast, then regular pro rata); `imbalance` settles what each
participant was served against the real-time position it held (docs/realtime.md).
Pure integer arithmetic over 10^-18 GB and wei; no I/O.
"""

from flowmarket.realtime.imbalance import CellSettlement, DeliveryCell, settle_hour
from flowmarket.realtime.rationing import PRIORITY_TIERS, Rationing, ration, tier_of

__all__ = [
    "PRIORITY_TIERS",
    "CellSettlement",
    "DeliveryCell",
    "Rationing",
    "ration",
    "settle_hour",
    "tier_of",
]
