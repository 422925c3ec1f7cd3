"""The trade-to-target strategy tool (market.md §10); pure, no I/O.

`needs` reads the expected-net-demand table (NEEDS.csv), `ramp` says which
share of the need to hold at each time to delivery, `curve` draws the order's
net-demand curve around the target, `plan` puts them together into one
standing order per product in the clearing engine's format.
"""

from flowmarket.strategy.curve import CurveParams, curve_quantity, target_curve
from flowmarket.strategy.needs import COLUMNS, Needs, Series, needs_from_rows, parse_needs_csv
from flowmarket.strategy.plan import (
    Plan,
    StrategyParams,
    Target,
    coarse_own_hours,
    order_id,
    plan_orders,
)
from flowmarket.strategy.ramp import ramp

__all__ = [
    "COLUMNS",
    "CurveParams",
    "Needs",
    "Plan",
    "Series",
    "StrategyParams",
    "Target",
    "coarse_own_hours",
    "curve_quantity",
    "needs_from_rows",
    "order_id",
    "parse_needs_csv",
    "plan_orders",
    "ramp",
    "target_curve",
]
