"""Re-derive an auction from what the API publishes: spec, signed bids, rounds, result.

Anyone can run this (`flowmarket auction verify`): every published bid's digest and
signature are checked, the auction is replayed round by round from the bids alone
(`auctions.clock_run`, or the expansion MILP), and each round's published record, the
result and the Merkle roots committed on chain must come out identical.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flowmarket.auctioneer.documents import (
    awards_of,
    clock_result_json,
    expansion_result_json,
    outcome_json,
    parse_spec,
)
from flowmarket.auctions.clock_bids import ClockBid, clock_bid
from flowmarket.auctions.clock_run import run_clock
from flowmarket.auctions.clock_spec import ClockSpec
from flowmarket.auctions.expansion_run import run_expansion
from flowmarket.auctions.expansion_spec import package_bid
from flowmarket.chain.auction_leaves import award_tree, bid_tree
from flowmarket.errors import FieldError
from flowmarket.signing import AuctionBidMessage, Domain, digest, recover
from flowmarket.signing.auction_bids import PackageBidMessage, auction_id, bid_message


@dataclass
class ReplayReport:
    """What was checked and every difference found (empty: the record is consistent)."""

    bids: int = 0
    rounds: int = 0
    bids_root: str = ""
    awards_root: str = ""
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _checked_bids(
    bids: Sequence[Mapping[str, Any]], domain: Domain, report: ReplayReport
) -> list[tuple[bytes, AuctionBidMessage | PackageBidMessage]]:
    out = []
    for bid in bids:
        message = bid_message(dict(bid["message"]))
        computed = digest(domain, message)
        if computed != bid["bid_hash"]:
            report.mismatches.append(f"bid {bid['bid_hash']}: its message digests to {computed}")
        signer = recover(domain, message, bytes.fromhex(str(bid["signature"])[2:]))
        if signer.lower() != message.bidder.lower():
            report.mismatches.append(
                f"bid {bid['bid_hash']}: signed by {signer}, not {message.bidder}"
            )
        out.append((bytes.fromhex(computed[2:]), message))
    return out


def replay_published(
    spec_doc: Mapping[str, Any],
    rounds: Sequence[Mapping[str, Any]],
    bids: Sequence[Mapping[str, Any]],
    result: Mapping[str, Any] | None,
    domain: Domain,
) -> ReplayReport:
    """Replay from the published record; `result` is the published result document."""
    report = ReplayReport(bids=len(bids))
    spec = parse_spec(dict(spec_doc))
    checked = _checked_bids(bids, domain, report)
    report.bids_root = "0x" + bid_tree(d for d, _ in checked).root.hex()
    try:
        if isinstance(spec, ClockSpec):
            recomputed = _replay_clock(spec, rounds, checked, report)
        else:
            packages = [package_bid(m) for _, m in checked if isinstance(m, PackageBidMessage)]
            recomputed = expansion_result_json(spec, run_expansion(spec, packages))
    except FieldError as exc:
        report.mismatches.append(f"the published bids break a rule: {exc}")
        return report
    if recomputed is not None:
        tree = award_tree(auction_id(spec.name), awards_of(recomputed))
        report.awards_root = "0x" + tree.root.hex()
        if result is not None and dict(result) != recomputed:
            report.mismatches.append("the published result differs from the replayed one")
    return report


def _replay_clock(
    spec: ClockSpec,
    rounds: Sequence[Mapping[str, Any]],
    checked: list[tuple[bytes, AuctionBidMessage | PackageBidMessage]],
    report: ReplayReport,
) -> dict[str, Any] | None:
    closed = [r for r in rounds if r.get("outcome") is not None]
    report.rounds = len(closed)
    by_round: list[list[ClockBid]] = [[] for _ in closed]
    digests: dict[tuple[str, int, int], bytes] = {}
    for hashed, message in checked:
        if isinstance(message, AuctionBidMessage) and 1 <= message.round <= len(closed):
            by_round[message.round - 1].append(clock_bid(message))
            digests[(message.bidder, message.round, message.revision)] = hashed
    run = run_clock(
        spec,
        by_round,
        closed=len(closed),
        digest=lambda b: digests[(b.bidder, b.round, b.revision)],
    )
    for outcome, published in zip(run.outcomes, closed, strict=True):
        if outcome_json(outcome) != published["outcome"]:
            report.mismatches.append(f"round {outcome.state.number}: the published record differs")
    if run.result is None:
        return None
    return clock_result_json(run.result)
