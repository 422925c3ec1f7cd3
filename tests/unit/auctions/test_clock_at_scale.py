"""A 100-bidder, 20-product clock auction of straightforward bidders runs to its end.

Properties checked on the outcome (not against a hand computation, see
test_clock_known_answer for that): every round's state follows from the previous
one, each product's final price clears it (demand at p* within supply, demand just
below p* above it unless p* is the reserve), awards never exceed supply, every award
is at most what its bidder demanded at p*, and the payments are price × quantity.
"""

from __future__ import annotations

from flowmarket.auctions.bidders import ValueBidder
from flowmarket.auctions.clock_bids import ClockBid, allowed_for, eligibility
from flowmarket.auctions.clock_rounds import aggregate, close_round, first_round
from flowmarket.auctions.clock_run import run_clock
from flowmarket.auctions.clock_spec import parse_clock_spec
from flowmarket.auctions.steps import value_at
from flowmarket.auctions.synthetic import synthetic_clock

PRODUCTS = [f"p{k:02d}" for k in range(20)]
BIDDERS = [f"0x{k + 1:040x}" for k in range(100)]
SELLER = "0x00000000000000000000000000000000000000aa"


def play(spec_doc: dict[str, object], population: list[ValueBidder]) -> list[list[ClockBid]]:
    spec = parse_clock_spec(spec_doc)
    state, previous, rounds = first_round(spec), None, []
    while state is not None:
        table = eligibility(spec, state, previous)
        bids = [b.bid(spec, state, allowed_for(state, table, b.bidder)) for b in population]
        rounds.append(bids)
        effective = {b.bidder: b for b in bids}
        previous, state = effective, close_round(spec, state, effective).next
        assert len(rounds) < 200
    return rounds


def test_a_hundred_bidders_on_twenty_products_end_with_clearing_prices() -> None:
    doc, population = synthetic_clock(PRODUCTS, BIDDERS, seller=SELLER, seed=7)
    spec = parse_clock_spec(doc)
    rounds = play(doc, population)
    run = run_clock(
        spec,
        rounds,
        closed=len(rounds),
        digest=lambda b: bytes.fromhex(b.bidder[2:]).rjust(32, b"\0"),
    )
    assert run.result is not None and run.open_round is None
    assert len(rounds) >= 5
    final = run.outcomes[-1]
    bids = run.effective[-1]
    for product in spec.products:
        price = run.result.prices[product.name]
        supply = value_at(product.supply, price, below=0)
        assert aggregate(bids, product.name, price) <= supply
        assert run.result.sold[product.name] <= supply
        if price > product.reserve and price > final.state.start[product.name]:
            assert aggregate(bids, product.name, price - spec.tick) > value_at(
                product.supply, price - spec.tick, below=0
            )
    for award in run.result.awards:
        assert award.payment == sum(
            run.result.prices[p] * q // 10**18 for p, q in award.quantities.items()
        )
    assert sum(run.result.sold.values()) > 0
    assert any(
        o.state.number > 1 and o.state.start != run.outcomes[0].state.start for o in run.outcomes
    )
