"""Ties at the clearing price: served in the documented keccak order, the last rationed.

Product A (supply 9, reserve 10, tick 1): round 1 [10, 11]. Bidders P, Q, R demand 4
each at 10 and drop to 2 at 11: D(10) = 12 > 9, D(11) = 6 ≤ 9, so p* = 11 and 3 units
are left for the three tied bidders (each dropped 2). The order is ascending
keccak256(seed ‖ "A" ‖ address), computed here with keccak directly: the first gets
its 2 back (4), the second 1 (rationed: 3), the third nothing (2).
"""

from __future__ import annotations

from clock_cases import WAD
from eth_utils.crypto import keccak

from flowmarket.auctions.clock_bids import ClockBid
from flowmarket.auctions.clock_run import run_clock
from flowmarket.auctions.clock_spec import parse_clock_spec

BIDDERS = [f"0x{k:040x}" for k in (0x11, 0x22, 0x33)]
SPEC = parse_clock_spec(
    {
        "format": "flowmarket-clock-auction/1",
        "name": "ties",
        "seller": "0x00000000000000000000000000000000000000aa",
        "lot": 1,
        "tick": 1,
        "round_seconds": 60,
        "products": [{"name": "A", "group": "g", "reserve": 10, "supply": 9}],
    }
)


def test_tied_bidders_share_the_leftover_supply_in_keccak_order() -> None:
    bids = [
        ClockBid(b, "ties", 1, 0, {"A": ((10 * WAD, 4 * WAD), (11 * WAD, 2 * WAD))})
        for b in BIDDERS
    ]
    digests = {b: keccak(text=b) for b in BIDDERS}
    run = run_clock(SPEC, [bids], closed=1, digest=lambda bid: digests[bid.bidder])
    assert run.result is not None
    assert run.result.prices == {"A": 11 * WAD}
    seed = keccak(b"".join(sorted(digests.values())))
    order = sorted(BIDDERS, key=lambda b: keccak(seed + b"A" + bytes.fromhex(b[2:])))
    won = {a.bidder: a.quantities["A"] // WAD for a in run.result.awards}
    assert won == {order[0]: 4, order[1]: 3, order[2]: 2}
    assert sum(won.values()) == 9
