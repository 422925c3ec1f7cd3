"""JSON documents of the auctions: specs by kind, round outcomes, results, awards.

Amounts beyond 64 bits are decimal strings: prices and payments in wei, quantities in
10⁻¹⁸ GB (GB per hour of capacity for a leg). These documents are stored (`auctions`,
`auction_rounds`) and published by the API as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flowmarket.auctions.clock_awards import ClockResult
from flowmarket.auctions.clock_bids import ClockBid, RoundState, clock_bid
from flowmarket.auctions.clock_rounds import RoundOutcome
from flowmarket.auctions.clock_spec import FORMAT as CLOCK_FORMAT
from flowmarket.auctions.clock_spec import ClockSpec, parse_clock_spec
from flowmarket.auctions.expansion_prices import ExpansionResult
from flowmarket.auctions.expansion_spec import FORMAT as EXPANSION_FORMAT
from flowmarket.auctions.expansion_spec import (
    ExpansionSpec,
    PackageBid,
    package_bid,
    parse_expansion_spec,
)
from flowmarket.errors import FieldError
from flowmarket.money import WAD
from flowmarket.signing.auction_bids import AuctionBidMessage, bid_message
from flowmarket.states import AuctionKind

Spec = ClockSpec | ExpansionSpec


def spec_kind(doc: Any) -> AuctionKind:
    """The kind of auction a spec document describes (by its `format`)."""
    fmt = doc.get("format") if isinstance(doc, dict) else None
    kinds = {CLOCK_FORMAT: AuctionKind.CLOCK, EXPANSION_FORMAT: AuctionKind.EXPANSION}
    if fmt not in kinds:
        raise FieldError("format", f"must be one of {sorted(kinds)}, got {fmt!r}")
    return kinds[fmt]


def parse_spec(doc: Any) -> Spec:
    if spec_kind(doc) is AuctionKind.CLOCK:
        return parse_clock_spec(doc)
    return parse_expansion_spec(doc)


def clock_spec(doc: Any) -> ClockSpec:
    spec = parse_spec(doc)
    if not isinstance(spec, ClockSpec):
        raise FieldError("auction", "this is not a clock auction")
    return spec


def expansion_spec(doc: Any) -> ExpansionSpec:
    spec = parse_spec(doc)
    if not isinstance(spec, ExpansionSpec):
        raise FieldError("auction", "this is not an expansion auction")
    return spec


def stored_clock_bid(message: dict[str, Any]) -> ClockBid:
    parsed = bid_message(message)
    if not isinstance(parsed, AuctionBidMessage):
        raise FieldError("bid", "not a clock-round bid")
    return clock_bid(parsed)


def stored_package(message: dict[str, Any]) -> PackageBid:
    parsed = bid_message(message)
    if isinstance(parsed, AuctionBidMessage):
        raise FieldError("bid", "not a package bid")
    return package_bid(parsed)


def strings(values: Mapping[str, int]) -> dict[str, str]:
    return {k: str(v) for k, v in values.items()}


def integers(values: Mapping[str, str]) -> dict[str, int]:
    return {k: int(v) for k, v in values.items()}


def round_state(number: int, start: Mapping[str, str], end: Mapping[str, str]) -> RoundState:
    return RoundState(number, integers(start), integers(end))


def outcome_json(outcome: RoundOutcome) -> dict[str, Any]:
    """A closed round's public record: per product its interval, the aggregate demand
    and supply at the end price, whether demand exceeded supply, the posted price."""
    return {
        "round": outcome.state.number,
        "final": outcome.final,
        "products": {
            row.product: {
                "start": str(row.start),
                "end": str(row.end),
                "demand_at_end": str(row.demand_at_end),
                "supply_at_end": str(row.supply_at_end),
                "excess": row.excess,
                "posted": str(row.posted),
            }
            for row in outcome.products
        },
    }


def clock_result_json(result: ClockResult) -> dict[str, Any]:
    return {
        "kind": AuctionKind.CLOCK.value,
        "prices": strings(result.prices),
        "sold": strings(result.sold),
        "supply": strings(result.supply),
        "tie_seed": "0x" + result.tie_seed.hex(),
        "awards": [
            {"bidder": a.bidder, "quantities": strings(a.quantities), "payment": str(a.payment)}
            for a in result.awards
        ],
        "total_payments": str(result.total_payments),
    }


def expansion_result_json(spec: ExpansionSpec, result: ExpansionResult) -> dict[str, Any]:
    """The result, and the capacity each built leg adds to the network from the start hour."""
    legs = {leg.name: leg for leg in spec.legs}
    return {
        "kind": AuctionKind.EXPANSION.value,
        "legs": [
            {
                "leg": leg.leg,
                "alternative": leg.alternative,
                "capacity": str(leg.capacity),
                "cost": str(leg.cost),
                "sold": str(leg.sold),
                "price": str(leg.price.numerator // leg.price.denominator),
                "price_exact": f"{leg.price.numerator}/{leg.price.denominator}",
            }
            for leg in result.legs
        ],
        "awards": [
            {
                "bidder": a.bidder,
                "quantities": strings(a.capacities),
                "payment": str(a.payment),
                "bid": str(a.bid),
            }
            for a in result.awards
        ],
        "in_the_money": list(result.in_the_money),
        "surplus": str(result.surplus),
        "total_payments": str(result.total_payments),
        "capacity_additions": [
            {
                "link": leg.leg,
                "from": legs[leg.leg].source,
                "to": legs[leg.leg].target,
                "capacity": leg.capacity / WAD,
                "from_hour": spec.start_hour,
            }
            for leg in result.legs
            if leg.alternative is not None
        ],
    }


def awards_of(result: Mapping[str, Any]) -> dict[str, tuple[int, dict[str, int]]]:
    """{bidder: (payment wei, {product or leg: 10⁻¹⁸ GB})} of a result document."""
    return {a["bidder"]: (int(a["payment"]), integers(a["quantities"])) for a in result["awards"]}
