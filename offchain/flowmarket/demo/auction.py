"""`flowmarket demo --auction`: primary auctions before the first hour of trading.

1. A clock auction: the network supplier releases hourly forward capacity (the demo
   catalogue's hourly forwards for 4 delivery hours, 8-11 hours after genesis, in each
   region and type; a group per region and type, so bidders switch between hours).
   Every other wallet of the cast is a bidder with seeded values (`auctions.synthetic`)
   and signs a bid each round through the demo's API; the auctioneer closes each round
   once its window has passed on the virtual clock.
2. An expansion auction on the links between the catalogue's regions: the supplier
   offers two capacities per link, the same wallets send sealed package bids.
3. Both are committed on chain (`CapacityAuction`, as the oracle), every winner pays
   on chain from its wallet, and the paid clock awards are credited as positions, so
   the first hour's clearing trades them.
"""

from __future__ import annotations

from typing import Any

from eth_account import Account
from sqlalchemy import Engine

from flowmarket.auctioneer import lifecycle
from flowmarket.auctioneer.documents import round_state
from flowmarket.auctioneer.onchain import commit_auction, credit_paid_awards, pay_award
from flowmarket.auctions.bidders import ValueBidder
from flowmarket.auctions.clock_bids import ClockBid, activity
from flowmarket.auctions.clock_spec import parse_clock_spec
from flowmarket.auctions.synthetic import synthetic_clock, synthetic_expansion
from flowmarket.catalogue import CatalogueSpec
from flowmarket.catalogue.names import Kind, ProductKey, format_name
from flowmarket.chain.market import Market
from flowmarket.client.auction_client import AuctionClient
from flowmarket.client.participant_client import ParticipantClient
from flowmarket.demo.api_server import ApiServer, VirtualClock
from flowmarket.demo.events import DemoEvent, EventSink
from flowmarket.demo.setup import Cast
from flowmarket.money import from_wad

RELEASE = "demo-release"
EXPANSION = "demo-expansion"
PAY_SECONDS = 7 * 24 * 3600
FIRST_DELIVERY, DELIVERY_HOURS = 8, 4


def release_products(spec: CatalogueSpec, genesis: int) -> list[str]:
    """Hourly forwards, 4 delivery hours per region and type (a group of 4 each)."""
    return [
        format_name(ProductKey(Kind.HOURLY, region, type_, genesis + FIRST_DELIVERY + k))
        for region in spec.regions
        for type_ in spec.types
        for k in range(DELIVERY_HOURS)
    ]


def run_auctions(
    oracle: Market,
    cast: Cast,
    engine: Engine,
    api: ApiServer,
    clock: VirtualClock,
    catalogue: CatalogueSpec,
    seed: int,
    emit: EventSink,
) -> dict[str, Any]:
    """Run, commit (with the oracle's own connection, so its nonces stay right), pay (with
    each winner's cast client) and credit both auctions; returns the summary's `auctions`."""
    bidders = [w for w in cast.wallets.values() if w.role != "supplier"]
    seller = next(w for w in cast.wallets.values() if w.role == "supplier")
    clients = {
        w.address: AuctionClient(ParticipantClient(api.url, Account.from_key(w.key)))
        for w in bidders
    }
    genesis = cast.deployment.genesis_hour
    clock.now = float((genesis - 1) * 3600)
    try:
        release = _clock_auction(
            engine, clock, catalogue, genesis, seller.address, clients, seed, emit
        )
        expansion = _expansion_auction(
            engine, clock, catalogue, genesis, seller.address, clients, seed
        )
    finally:
        for client in clients.values():
            client.participant.close()
    agents = {w.address: w.agent for w in bidders}
    out = {}
    for name, summary in ((RELEASE, release), (EXPANSION, expansion)):
        auction = commit_auction(oracle, engine, name, pay_seconds=PAY_SECONDS, now=clock.now)
        if auction.result is None:
            continue
        for award in auction.result["awards"]:
            wallet = Market(cast.deployment, cast.artifacts, cast.clients[agents[award["bidder"]]])
            pay_award(wallet, name, auction.result)
        summary |= {"awards_root": auction.awards_root, "commit_tx": auction.commit_tx_hash}
        emit(
            DemoEvent(
                "auction", 0, 0, f"{name}: committed, {len(auction.result['awards'])} winners paid"
            )
        )
        out[name] = summary
    credited = credit_paid_awards(oracle, engine, RELEASE, hour=genesis - 1, now=clock.now)
    out[RELEASE]["credited_positions"] = len(credited)
    return out


def _clock_auction(
    engine: Engine,
    clock: VirtualClock,
    catalogue: CatalogueSpec,
    genesis: int,
    seller: str,
    clients: dict[str, AuctionClient],
    seed: int,
    emit: EventSink,
) -> dict[str, Any]:
    doc, population = synthetic_clock(
        release_products(catalogue, genesis), list(clients), seller=seller, seed=seed,
        name=RELEASE, per_group=DELIVERY_HOURS, round_seconds=300, lots=(20, 120),
    )  # fmt: skip
    spec = parse_clock_spec(doc)
    lifecycle.create(engine, doc, now=clock.now)
    auction = lifecycle.open_auction(engine, RELEASE, now=clock.now)
    previous: dict[str, ClockBid] = {}
    rounds = 0
    while auction.result is None:
        state = _open_state(clients, RELEASE)
        previous = {b.bidder: _bid(clients[b.bidder], spec, state, b, previous) for b in population}
        rounds = state.number
        emit(DemoEvent("auction", rounds, 0, f"{RELEASE}: round {rounds}, {len(population)} bids"))
        clock.now += spec.round_seconds
        auction = lifecycle.close_round(engine, RELEASE, now=clock.now)
    result = auction.result
    return {
        "kind": "clock",
        "bidders": len(population),
        "products": len(spec.products),
        "rounds": rounds,
        "prices": {p: from_wad(int(v)) for p, v in result["prices"].items()},
        "sold_gb": sum(from_wad(int(v)) for v in result["sold"].values()),
        "winners": len(result["awards"]),
        "payments": from_wad(int(result["total_payments"])),
    }


def _open_state(clients: dict[str, AuctionClient], name: str) -> Any:
    current = next(iter(clients.values())).auction(name)["open_round"]
    return round_state(int(current["round"]), current["start"], current["end"])


def _bid(
    client: AuctionClient, spec: Any, state: Any, bidder: ValueBidder, previous: dict[str, ClockBid]
) -> ClockBid:
    allowed = (
        None if state.number == 1 else activity(spec, previous.get(bidder.bidder), state.start)
    )
    bid = bidder.bid(spec, state, allowed)
    demand = {p: [(from_wad(x), from_wad(q)) for x, q in pts] for p, pts in bid.demand.items()}
    client.bid(spec.name, demand, round_=state.number, revision=0)
    return bid


def _expansion_auction(
    engine: Engine,
    clock: VirtualClock,
    catalogue: CatalogueSpec,
    genesis: int,
    seller: str,
    clients: dict[str, AuctionClient],
    seed: int,
) -> dict[str, Any]:
    regions = list(catalogue.regions)
    links = [
        (f"{a}>{b}", a, b) for k, a in enumerate(regions) for b in regions[k + 1 :] + regions[:k]
    ]
    doc, packages = synthetic_expansion(
        links, list(clients), seller=seller, seed=seed, start_hour=genesis + 24, name=EXPANSION
    )
    lifecycle.create(engine, doc, now=clock.now)
    lifecycle.open_auction(engine, EXPANSION, now=clock.now)
    for bidder, amount, capacities in packages:
        clients[bidder].package(EXPANSION, amount, capacities, revision=0)
    clock.now += doc["bid_seconds"]
    result = lifecycle.close_round(engine, EXPANSION, now=clock.now).result or {}
    return {
        "kind": "expansion",
        "legs": len(links),
        "packages": len(packages),
        "built": {
            leg["leg"]: from_wad(int(leg["capacity"]))
            for leg in result.get("legs", [])
            if leg["alternative"] is not None
        },
        "winners": len(result.get("awards", [])),
        "payments": from_wad(int(result.get("total_payments", "0"))),
        "cost_of_built": from_wad(sum(int(leg["cost"]) for leg in result.get("legs", []))),
        "capacity_additions": result.get("capacity_additions", []),
    }
