"""The final round's awards: clearing prices, quantities, tie-breaking and payments.

At each product's clearing price p* (the final round's posted price) every bidder
wins its demand there, q_i(p*). Demand just below p* may have exceeded supply: the
bidders whose demand drops exactly at p* are tied, and the supply that demand at p*
leaves, S(p*) − D(p*), goes to them in a random order, each up to its drop, so only
the last one served is rationed (sequential random selection). The demand "just
below" is the bid's previous point when p* is inside the round's interval, or the
bidder's previous-round demand at p* when p* is the round's start price.

The order is pseudo-random yet re-derivable by anyone holding the published bids:
bidders are served by ascending `keccak256(tieSeed ‖ utf8(product) ‖ bidder)`, where
`tieSeed` is keccak256 of the final round's effective bids' EIP-712 digests in
ascending order, fixed only once the last bid is in.

Each bidder pays Σ_products p* · quantity (uniform price per product), each term
floored to the wei (`money.auction_payment`); the seller receives the sum.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from eth_utils.crypto import keccak

from flowmarket.auctions.clock_bids import ClockBid
from flowmarket.auctions.clock_rounds import RoundOutcome, aggregate
from flowmarket.auctions.clock_spec import ClockSpec
from flowmarket.auctions.steps import value_at, value_before
from flowmarket.money import auction_payment


@dataclass(frozen=True)
class Award:
    """A winner: {product: 10⁻¹⁸ GB} won and the payment in wei."""

    bidder: str
    quantities: Mapping[str, int]
    payment: int


@dataclass(frozen=True)
class ClockResult:
    """Clearing prices (wei per GB), awards (winners by address), sold quantities, and
    the seed that ordered the tied bidders."""

    prices: Mapping[str, int]
    awards: tuple[Award, ...]
    sold: Mapping[str, int]
    supply: Mapping[str, int]
    tie_seed: bytes

    @property
    def total_payments(self) -> int:
        return sum(a.payment for a in self.awards)


def tie_seed(final_bid_digests: Iterable[bytes]) -> bytes:
    """keccak256 of the final round's effective bids' digests, ascending."""
    return keccak(b"".join(sorted(final_bid_digests)))


def tie_key(seed: bytes, product: str, bidder: str) -> bytes:
    return keccak(seed + product.encode("utf-8") + bytes.fromhex(bidder.removeprefix("0x")))


def clock_result(
    spec: ClockSpec,
    final: RoundOutcome,
    bids: Mapping[str, ClockBid],
    previous: Mapping[str, ClockBid],
    seed: bytes,
) -> ClockResult:
    """Awards of the final round `final` (bids: its effective bids; previous: those of
    the round before, empty after round 1)."""
    prices = final.posted
    won: dict[str, dict[str, int]] = {}
    sold: dict[str, int] = {}
    supply: dict[str, int] = {}
    for product in spec.names:
        price = prices[product]
        supply[product] = value_at(spec.product(product).supply, price, below=0)
        shares = _product_awards(final, product, price, supply[product], bids, previous, seed)
        sold[product] = sum(shares.values())
        for bidder, quantity in shares.items():
            if quantity:
                won.setdefault(bidder, {})[product] = quantity
    awards = tuple(
        Award(
            bidder,
            quantities,
            sum(auction_payment(prices[p], q) for p, q in quantities.items()),
        )
        for bidder, quantities in sorted(won.items())
    )
    return ClockResult(prices, awards, sold, supply, seed)


def _product_awards(
    final: RoundOutcome,
    product: str,
    price: int,
    supply: int,
    bids: Mapping[str, ClockBid],
    previous: Mapping[str, ClockBid],
    seed: bytes,
) -> dict[str, int]:
    shares = {bidder: bid.quantity(product, price) for bidder, bid in bids.items()}
    left = supply - aggregate(bids, product, price)
    drops: dict[str, int] = {}
    for bidder in set(bids) | set(previous):
        before = _demand_before(final, product, price, bids.get(bidder), previous.get(bidder))
        drop = before - shares.get(bidder, 0)
        if drop > 0:
            drops[bidder] = drop
    for bidder in sorted(drops, key=lambda b: tie_key(seed, product, b)):
        if left <= 0:
            break
        extra = min(drops[bidder], left)
        shares[bidder] = shares.get(bidder, 0) + extra
        left -= extra
    return shares


def _demand_before(
    final: RoundOutcome,
    product: str,
    price: int,
    bid: ClockBid | None,
    previous: ClockBid | None,
) -> int:
    """The bidder's demand just below `price` (see the module docstring)."""
    if price > final.state.start[product] and bid is not None and product in bid.demand:
        before = value_before(bid.demand[product], price)
        if before is not None:
            return before
    if price == final.state.start[product]:
        return 0 if previous is None else previous.quantity(product, price)
    return 0
