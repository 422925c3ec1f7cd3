"""An expansion auction is data: legs of the network, discrete capacity alternatives per
leg with their total cost, and sealed package bids over legs.

Document (`flowmarket-expansion-auction/1`; capacities in GB per hour, costs and bid
amounts in capacity tokens):

    {"format": "flowmarket-expansion-auction/1",
     "name": "y-2027",                     # the auction's id
     "seller": "0x…",                      # the network supplier: builds, is paid
     "start_hour": 500100,                 # built capacity exists from this hour on
     "bid_seconds": 86400,                 # the sealed bidding window
     "legs": [{"name": "A", "from": "north", "to": "hub",
               "alternatives": [{"capacity": 100, "cost": 5000},
                                {"capacity": 200, "cost": 8000}]}, ...]}

A leg is a network link (`name` is its id, `from` and `to` its nodes). At most one
alternative per leg is built; building none costs nothing and offers no capacity.
A package bid `(amount; capacity on leg A, leg B, ...)` is all-or-nothing: it wins
every capacity it names or nothing, and pays at most `amount`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flowmarket.auctions import parsing
from flowmarket.errors import FieldError
from flowmarket.money import from_wad
from flowmarket.signing.auction_bids import PackageBidMessage

FORMAT = "flowmarket-expansion-auction/1"
MAX_LEGS = 256
MAX_ALTERNATIVES = 16
MAX_HOUR = 2**40


@dataclass(frozen=True)
class Alternative:
    """Capacity (10⁻¹⁸ GB per hour) built for `cost` wei."""

    capacity: int
    cost: int


@dataclass(frozen=True)
class Leg:
    name: str
    source: str
    target: str
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class ExpansionSpec:
    name: str
    seller: str
    start_hour: int
    bid_seconds: int
    legs: tuple[Leg, ...]

    def leg_names(self) -> tuple[str, ...]:
        return tuple(leg.name for leg in self.legs)


@dataclass(frozen=True)
class PackageBid:
    """A sealed package bid: at most `amount` wei for {leg: 10⁻¹⁸ GB per hour}."""

    bidder: str
    revision: int
    amount: int
    capacities: Mapping[str, int]


def package_bid(message: PackageBidMessage) -> PackageBid:
    amount, legs = message.fixed()
    return PackageBid(message.bidder, message.revision, amount, dict(legs))


def check_package(spec: ExpansionSpec, bid: PackageBid) -> None:
    """A package names at least one known leg, every capacity positive and within the
    leg's largest alternative, and a positive amount."""
    known = {leg.name: leg for leg in spec.legs}
    if not bid.capacities:
        raise FieldError("bid.capacities", "must name at least one leg")
    if bid.amount <= 0:
        raise FieldError("bid.amount", "must be positive")
    for name, capacity in bid.capacities.items():
        field = f"bid.capacities.{name[:64]}"
        if name not in known:
            raise FieldError(field, "not a leg of this auction")
        largest = max(a.capacity for a in known[name].alternatives)
        if not 0 < capacity <= largest:
            raise FieldError(
                field,
                f"must be positive and at most the largest alternative ({from_wad(largest):g})",
            )


def parse_expansion_spec(doc: Any) -> ExpansionSpec:
    """Read an expansion auction document strictly; FieldError names the first bad field."""
    doc = parsing.mapping(doc, field="auction")
    parsing.keys(
        doc, field="", required={"format", "name", "seller", "start_hour", "bid_seconds", "legs"}
    )
    if doc["format"] != FORMAT:
        raise FieldError("format", f"must be {FORMAT!r}, got {doc['format']!r}")
    items = parsing.sequence(doc["legs"], field="legs", min_items=1)
    if len(items) > MAX_LEGS:
        raise FieldError("legs", f"has {len(items)} legs; the limit is {MAX_LEGS}")
    legs = tuple(_leg(raw, f"legs[{k}]") for k, raw in enumerate(items))
    parsing.unique_names([leg.name for leg in legs], field="legs")
    return ExpansionSpec(
        name=parsing.name(doc["name"], field="name"),
        seller=parsing.address(doc["seller"], field="seller"),
        start_hour=parsing.integer(doc["start_hour"], field="start_hour", low=0, high=MAX_HOUR),
        bid_seconds=parsing.integer(doc["bid_seconds"], field="bid_seconds", low=1, high=10**8),
        legs=legs,
    )


def _leg(raw: Any, field: str) -> Leg:
    item: Mapping[str, Any] = parsing.mapping(raw, field=field)
    parsing.keys(item, field=field, required={"name", "from", "to", "alternatives"})
    alternatives = parsing.sequence(
        item["alternatives"], field=f"{field}.alternatives", min_items=1
    )
    if len(alternatives) > MAX_ALTERNATIVES:
        raise FieldError(f"{field}.alternatives", f"at most {MAX_ALTERNATIVES} alternatives")
    out = []
    for k, raw_alt in enumerate(alternatives):
        where = f"{field}.alternatives[{k}]"
        alt = parsing.mapping(raw_alt, field=where)
        parsing.keys(alt, field=where, required={"capacity", "cost"})
        out.append(
            Alternative(
                capacity=parsing.amount(alt["capacity"], field=f"{where}.capacity", positive=True),
                cost=parsing.amount(alt["cost"], field=f"{where}.cost"),
            )
        )
    source = parsing.name(item["from"], field=f"{field}.from")
    target = parsing.name(item["to"], field=f"{field}.to")
    if source == target:
        raise FieldError(f"{field}.to", "a leg joins two different nodes")
    return Leg(
        parsing.product_name(item["name"], field=f"{field}.name"), source, target, tuple(out)
    )
