"""Shared clock-auction fixtures: a small spec and bids written in tokens and GB."""

from __future__ import annotations

from typing import Any

from flowmarket.auctions.clock_bids import ClockBid
from flowmarket.auctions.clock_spec import ClockSpec, parse_clock_spec

WAD = 10**18
SELLER = "0x00000000000000000000000000000000000000aa"
X = "0x0000000000000000000000000000000000000001"
Y = "0x0000000000000000000000000000000000000002"
Z = "0x0000000000000000000000000000000000000003"
W = "0x0000000000000000000000000000000000000004"


def small_spec_doc() -> dict[str, Any]:
    """Products A and B substitutes (group eu), C alone (group us) with a rising supply;
    increments 10 % rounded up to the 1-token tick."""
    return {
        "format": "flowmarket-clock-auction/1",
        "name": "hand",
        "seller": SELLER,
        "lot": 1,
        "tick": 1,
        "round_seconds": 600,
        "increment_bps": 1000,
        "min_increment": 1,
        "products": [
            {"name": "A", "group": "eu", "reserve": 10, "supply": 10},
            {"name": "B", "group": "eu", "reserve": 10, "supply": 10},
            {"name": "C", "group": "us", "reserve": 20, "supply": [[20, 4], [21, 5]]},
        ],
    }


def small_spec() -> ClockSpec:
    return parse_clock_spec(small_spec_doc())


def bid(
    bidder: str, round_: int, demand: dict[str, list[tuple[int, int]]], revision: int = 0
) -> ClockBid:
    """A bid with prices in tokens and quantities in GB (whole numbers)."""
    return ClockBid(
        bidder=bidder,
        auction="hand",
        round=round_,
        revision=revision,
        demand={k: tuple((p * WAD, q * WAD) for p, q in pts) for k, pts in demand.items()},
    )
