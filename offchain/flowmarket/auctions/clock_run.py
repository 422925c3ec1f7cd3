"""Run a clock auction from its rules and its bids, round by round: the live auctioneer
and the public re-derivation (`flowmarket auction verify`) take the same path.

Each round's effective bid of a bidder is its highest revision. Every effective bid
is checked against its round's rules (interval, tick, lot, monotone demand, activity),
the round is closed, and the next round's prices follow; after the final round the
awards are computed. Nothing here reads a clock, a database or a chain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from flowmarket.auctions.clock_awards import ClockResult, clock_result, tie_seed
from flowmarket.auctions.clock_bids import (
    ClockBid,
    RoundState,
    allowed_for,
    check_bid,
    eligibility,
)
from flowmarket.auctions.clock_rounds import RoundOutcome, close_round, first_round
from flowmarket.auctions.clock_spec import ClockSpec
from flowmarket.auctions.revisions import latest_revisions
from flowmarket.errors import FieldError

DigestFn = Callable[[ClockBid], bytes]


@dataclass(frozen=True)
class ClockRun:
    """Closed rounds' outcomes, each round's effective bids, the open round (None once
    final) and the result (None until the final round has closed)."""

    outcomes: tuple[RoundOutcome, ...]
    effective: tuple[Mapping[str, ClockBid], ...]
    open_round: RoundState | None
    result: ClockResult | None


def effective_bids(bids: Iterable[ClockBid]) -> dict[str, ClockBid]:
    """{bidder: its highest-revision bid}; two bids with one revision are an error."""
    return latest_revisions(bids)


def play_round(
    spec: ClockSpec,
    state: RoundState,
    bids: Mapping[str, ClockBid],
    previous: Mapping[str, ClockBid] | None,
    digest: DigestFn,
) -> tuple[RoundOutcome, ClockResult | None]:
    """Check round `state`'s effective bids against its rules, close it, and compute the
    awards when it is the final round (previous: the round before's effective bids)."""
    table = eligibility(spec, state, previous)
    for bidder, bid in bids.items():
        try:
            check_bid(spec, state, bid, allowed_for(state, table, bidder))
        except FieldError as exc:
            raise FieldError(f"rounds[{state.number}].{bidder}.{exc.field}", exc.reason) from exc
    outcome = close_round(spec, state, bids)
    if not outcome.final:
        return outcome, None
    seed = tie_seed(digest(bid) for bid in bids.values())
    return outcome, clock_result(spec, outcome, bids, previous or {}, seed)


def run_clock(
    spec: ClockSpec, rounds: Sequence[Iterable[ClockBid]], *, closed: int, digest: DigestFn
) -> ClockRun:
    """Replay the first `closed` rounds of `rounds` (the bids of round 1, 2, ...).

    Raises FieldError (its field names the round and bidder) when a bid breaks a rule,
    or when bids exist for rounds after the final one."""
    state: RoundState | None = first_round(spec)
    outcomes: list[RoundOutcome] = []
    effective: list[Mapping[str, ClockBid]] = []
    previous: Mapping[str, ClockBid] | None = None
    result = None
    for index in range(closed):
        if state is None:
            raise FieldError(f"rounds[{index + 1}]", "the auction ended before this round")
        bids = effective_bids(rounds[index] if index < len(rounds) else ())
        outcome, result = play_round(spec, state, bids, previous, digest)
        outcomes.append(outcome)
        effective.append(bids)
        previous, state = bids, outcome.next
    return ClockRun(tuple(outcomes), tuple(effective), state, result)
