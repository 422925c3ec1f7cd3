"""A round's bid and the rules it must pass: interval, tick, lot, monotone demand, activity.

A bid of round t is, per product, a demand schedule over that product's price
interval `[start, end]` of round t (intra-round bid): points `(price, quantity)`
whose first price is the round's start price, prices strictly increasing within the
interval and on the tick grid, quantities multiples of the lot and never increasing
(demand slopes down). A product the bid does not name is demanded at 0.

Activity rule (product groups): a bidder's activity in a group is
Σ points_k · q_k(start_k) over the group's products at the round's start prices. From
round 2 on it may not exceed the bidder's eligibility, its activity in the group
under its own previous-round bid at these same prices. Within a group a bidder may
therefore switch demand between products (a lower price elsewhere) but never raise
its total as prices rise; a bidder that did not bid in a round has no eligibility
left. Round 1 is unconstrained.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flowmarket.auctions.clock_spec import ClockSpec
from flowmarket.auctions.steps import Steps, value_at
from flowmarket.errors import FieldError
from flowmarket.money import from_wad
from flowmarket.signing.auction_bids import AuctionBidMessage

MAX_POINTS_PER_PRODUCT = 64


@dataclass(frozen=True)
class RoundState:
    """Round `number`'s price interval per product: {product: wei per GB}."""

    number: int
    start: Mapping[str, int]
    end: Mapping[str, int]


@dataclass(frozen=True)
class ClockBid:
    """One bidder's demand schedules for one round (latest `revision` counts).

    demand: {product: ((wei per GB, 10⁻¹⁸ GB), ...)} for the products it names."""

    bidder: str
    auction: str
    round: int
    revision: int
    demand: Mapping[str, Steps]

    def quantity(self, product: str, price: int) -> int:
        """Demand for `product` at `price` (0 for a product the bid does not name)."""
        steps = self.demand.get(product)
        return 0 if steps is None else value_at(steps, price)


def clock_bid(message: AuctionBidMessage) -> ClockBid:
    """The signed message as exact integers (FieldError for a number with more than
    18 decimals or a negative one)."""
    return ClockBid(
        bidder=message.bidder,
        auction=message.auction,
        round=message.round,
        revision=message.revision,
        demand={name: tuple(points) for name, points in message.fixed_demand()},
    )


Eligibility = Mapping[str, int] | None  # {group: activity points}; None = unconstrained


def activity(spec: ClockSpec, bid: ClockBid | None, prices: Mapping[str, int]) -> dict[str, int]:
    """{group: Σ points · quantity} of `bid` at `prices` (0 for no bid), in 10⁻¹⁸ GB."""
    out: dict[str, int] = {}
    for group, names in spec.groups().items():
        out[group] = (
            0
            if bid is None
            else sum(spec.product(n).points * bid.quantity(n, prices[n]) for n in names)
        )
    return out


def eligibility(
    spec: ClockSpec, state: RoundState, previous: Mapping[str, ClockBid] | None
) -> dict[str, Eligibility]:
    """Each bidder's eligibility in round `state` from its previous-round bid; `previous`
    is None in round 1 (no constraint: callers treat unknown bidders as None)."""
    if previous is None:
        return {}
    return {bidder: activity(spec, bid, state.start) for bidder, bid in previous.items()}


def allowed_for(state: RoundState, table: Mapping[str, Eligibility], bidder: str) -> Eligibility:
    """The eligibility of `bidder` in round `state`: unconstrained in round 1; from round
    2 on its previous-round activity, or nothing when it did not bid then."""
    if state.number == 1:
        return None
    return table.get(bidder) or {}


def check_bid(spec: ClockSpec, state: RoundState, bid: ClockBid, allowed: Eligibility) -> None:
    """Raise FieldError naming the first rule `bid` breaks in round `state` (whose
    eligibility for this bidder is `allowed`)."""
    if bid.auction != spec.name:
        raise FieldError("bid.auction", f"this is auction {spec.name!r}, not {bid.auction!r}")
    if bid.round != state.number:
        raise FieldError("bid.round", f"round {state.number} is open, not round {bid.round}")
    for product, steps in bid.demand.items():
        if product not in state.start:
            raise FieldError(f"bid.demand.{product[:64]}", "not a product of this auction")
        _check_schedule(spec, steps, state.start[product], state.end[product], product)
    if allowed is None:
        return
    used = activity(spec, bid, state.start)
    for group, points in used.items():
        if points > allowed.get(group, 0):
            raise FieldError(
                "bid.demand",
                f"activity rule: group {group!r} demands {from_wad(points):g} points at the "
                f"round's start prices, above this bidder's eligibility of "
                f"{from_wad(allowed.get(group, 0)):g} (its demand there in the previous round)",
            )


def _check_schedule(spec: ClockSpec, steps: Steps, start: int, end: int, product: str) -> None:
    field = f"bid.demand.{product}"
    if not steps:
        raise FieldError(field, "needs at least one point")
    if len(steps) > MAX_POINTS_PER_PRODUCT:
        raise FieldError(field, f"has {len(steps)} points; the limit is {MAX_POINTS_PER_PRODUCT}")
    if steps[0][0] != start:
        raise FieldError(
            f"{field}[0][0]",
            f"the schedule must start at the round's start price {from_wad(start):g}",
        )
    for k, (price, quantity) in enumerate(steps):
        if not start <= price <= end:
            raise FieldError(
                f"{field}[{k}][0]",
                f"price {from_wad(price):g} is outside the round's interval "
                f"[{from_wad(start):g}, {from_wad(end):g}]",
            )
        if price % spec.tick:
            raise FieldError(f"{field}[{k}][0]", "price is not a multiple of the tick")
        if quantity < 0 or quantity % spec.lot:
            raise FieldError(f"{field}[{k}][1]", "quantity must be a non-negative number of lots")
        if k and price <= steps[k - 1][0]:
            raise FieldError(f"{field}[{k}][0]", "prices must strictly increase")
        if k and quantity > steps[k - 1][1]:
            raise FieldError(
                f"{field}[{k}][1]",
                f"non-monotone demand: {from_wad(quantity):g} at a higher price than "
                f"{from_wad(steps[k - 1][1]):g}",
            )
