"""Seeded synthetic clock auctions: a spec over given products and value bidders.

Products are split into groups of substitutes (`per_group` each, in the order given);
each bidder wants one or two groups, values every product there at a random multiple
of the reserve (1.2–3×, the same scale within a group so switching pays off), with a
falling marginal value. Supply per product is sized so that the reserve draws about
three times the supply (excess demand), so prices rise for a dozen rounds or more.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from flowmarket.auctions.bidders import ValueBidder
from flowmarket.money import WAD

RESERVE = 2 * WAD  # wei per GB
TICK = WAD // 100


def synthetic_clock(
    products: Sequence[str],
    bidders: Sequence[str],
    *,
    seller: str,
    seed: int,
    name: str = "synthetic",
    per_group: int = 5,
    round_seconds: int = 600,
) -> tuple[dict[str, Any], list[ValueBidder]]:
    """(spec document, bidders) for `products` and the bidders' addresses."""
    rng = random.Random(seed)
    groups = [list(products[i : i + per_group]) for i in range(0, len(products), per_group)]
    population = []
    for address in bidders:
        values: dict[str, int] = {}
        for group in rng.sample(groups, k=min(len(groups), rng.choice((1, 1, 2)))):
            scale = rng.uniform(1.2, 3.0)
            for product in group:
                values[product] = int(RESERVE * scale * rng.uniform(0.9, 1.1)) // TICK * TICK
        slope = rng.randint(5, 40) * TICK
        population.append(ValueBidder(address, values, slope, rng.randint(1, 10)))
    demand = {p: 0 for p in products}
    for bidder in population:
        for product in bidder.values:
            demand[product] += bidder.max_lots
    spec = {
        "format": "flowmarket-clock-auction/1",
        "name": name,
        "seller": seller,
        "lot": 1,
        "tick": 0.01,
        "round_seconds": round_seconds,
        "increment_bps": 1000,
        "min_increment": 0.05,
        "products": [
            {
                "name": product,
                "group": f"g{k // per_group}",
                "reserve": RESERVE // WAD,
                "supply": max(1, demand[product] // (3 * per_group)),
            }
            for k, product in enumerate(products)
        ],
    }
    return spec, population
