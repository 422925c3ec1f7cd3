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
    lots: tuple[int, int] = (1, 10),
) -> tuple[dict[str, Any], list[ValueBidder]]:
    """(spec document, bidders) for `products` and the bidders' addresses; each bidder
    wants between lots[0] and lots[1] GB."""
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
        population.append(ValueBidder(address, values, slope, rng.randint(*lots)))
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


def synthetic_expansion(
    links: Sequence[tuple[str, str, str]],
    bidders: Sequence[str],
    *,
    seller: str,
    seed: int,
    start_hour: int,
    name: str = "synthetic-expansion",
    alternatives: int = 2,
    packages_per_bidder: int = 1,
) -> tuple[dict[str, Any], list[tuple[str, float, dict[str, float]]]]:
    """(spec document, [(bidder, amount tokens, {leg: GB/h})]) for links (id, from, to).

    Each leg offers `alternatives` sizes (40, 80, ... GB/h) at a unit cost that falls
    with size (economies of scale, 8 → 6 tokens per GB/h); each bidder asks for 10-40
    GB/h on one to three legs and values it at 5-15 tokens per GB/h per leg, so some
    packages clear a leg's cost and some do not."""
    rng = random.Random(seed)
    legs: list[dict[str, Any]] = []
    for leg, source, target in links:
        sizes = [40 * (k + 1) for k in range(alternatives)]
        legs.append(
            {
                "name": leg,
                "from": source,
                "to": target,
                "alternatives": [
                    {"capacity": q, "cost": q * (8 - 2 * k / max(1, alternatives - 1))}
                    for k, q in enumerate(sizes)
                ],
            }
        )
    bids = []
    for bidder in bidders:
        for _ in range(packages_per_bidder):
            names = [str(leg["name"]) for leg in legs]
            chosen = rng.sample(names, k=rng.randint(1, min(3, len(names))))
            gbh = {leg: float(rng.choice((10, 20, 30, 40))) for leg in chosen}
            amount = sum(q * rng.randint(5, 15) for q in gbh.values())
            bids.append((bidder, float(amount), gbh))
    spec: dict[str, Any] = {
        "format": "flowmarket-expansion-auction/1",
        "name": name,
        "seller": seller,
        "start_hour": start_hour,
        "bid_seconds": 3600,
        "legs": legs,
    }
    return spec, bids
