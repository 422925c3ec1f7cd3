"""The DAO changes the fee: propose `setFeeBps(new)`, vote, queue in the timelock, execute.

Blocks are mined (`hardhat_mine`) through the voting delay and period, and the chain
clock is moved (`evm_increaseTime`) past the timelock delay, so the proposal walks
through the real `MarketGovernor` and `MarketTimelock` in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flowmarket.demo.events import DemoEvent, EventSink
from flowmarket.demo.setup import Cast
from flowmarket.errors import ChainError
from flowmarket.states import ProposalState, VoteSupport


@dataclass(frozen=True)
class FeeChange:
    """The proposal and its outcome; votes in governance-token wei."""

    proposal_id: int
    description: str
    proposer: str
    old_fee_bps: int
    new_fee_bps: int
    votes_for: int
    votes_against: int
    state: ProposalState


def _mine(cast: Cast, blocks: int) -> None:
    w3 = cast.clients["deployer"].w3
    w3.provider.make_request("hardhat_mine", [hex(blocks)])  # type: ignore[arg-type]


def _advance(cast: Cast, seconds: int) -> None:
    w3 = cast.clients["deployer"].w3
    w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def change_fee(
    cast: Cast,
    new_fee_bps: int,
    *,
    proposer: str,
    voters_for: list[str],
    voters_against: list[str],
    emit: EventSink,
) -> FeeChange:
    """Walk a fee change through governance; the proposer's and voters' names are agents."""
    governance = cast.deployment.governance
    governor = cast.contract("deployer", "MarketGovernor").functions
    params = cast.contract("deployer", "MarketParameters")
    old_fee = int(params.functions.feeBps().call())
    description = f"Set the market fee from {old_fee} to {new_fee_bps} bps"
    target = cast.deployment.addresses["MarketParameters"]
    calldata = params.encode_abi("setFeeBps", args=[new_fee_bps])
    action: tuple[Any, ...] = ([target], [0], [calldata])
    description_hash = cast.clients["deployer"].w3.keccak(text=description)
    steps = 5

    emit(DemoEvent("governance", 1, steps, f"{proposer} proposes: {description}"))
    cast.send(proposer, "MarketGovernor", "propose", *action, description)
    proposal_id = int(governor.hashProposal(*action, description_hash).call())
    _mine(cast, governance["voting_delay_blocks"] + 1)
    emit(
        DemoEvent(
            "governance", 2, steps, f"voting: {len(voters_for)} for, {len(voters_against)} against"
        )
    )
    for voter in voters_for:
        cast.send(voter, "MarketGovernor", "castVote", proposal_id, VoteSupport.FOR)
    for voter in voters_against:
        cast.send(voter, "MarketGovernor", "castVote", proposal_id, VoteSupport.AGAINST)
    _mine(cast, governance["voting_period_blocks"] + 1)
    state = ProposalState(governor.state(proposal_id).call())
    if state != ProposalState.SUCCEEDED:
        raise ChainError(f"proposal {proposal_id}: {state.label} after the vote, not Succeeded")
    emit(DemoEvent("governance", 3, steps, "queued in the timelock"))
    cast.send(proposer, "MarketGovernor", "queue", *action, description_hash)
    _advance(cast, governance["timelock_delay_s"] + 1)
    emit(DemoEvent("governance", 4, steps, "executed by the timelock"))
    cast.send(proposer, "MarketGovernor", "execute", *action, description_hash)
    against, in_favour, _abstain = governor.proposalVotes(proposal_id).call()
    fee = int(params.functions.feeBps().call())
    if fee != new_fee_bps:
        raise ChainError(f"the fee is {fee} bps after execution, not {new_fee_bps}")
    emit(DemoEvent("governance", 5, steps, f"fee is now {fee} bps"))
    return FeeChange(
        proposal_id,
        description,
        cast.wallets[proposer].address,
        old_fee,
        fee,
        int(in_favour),
        int(against),
        ProposalState(governor.state(proposal_id).call()),
    )
