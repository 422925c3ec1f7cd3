"""The DAO changes the fee: propose `setFeeBps(new)`, vote, queue in the timelock, execute,
each step the plan of its `flowmarket governance` command, sent by the agent's wallet.

Blocks are mined (`hardhat_mine`) through the voting delay and period, and the chain
clock is moved (`evm_increaseTime`) past the timelock delay, so the proposal walks
through the real `MarketGovernor` and `MarketTimelock` in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowmarket.actions import governance as actions
from flowmarket.actions.changes import ProposalChanges
from flowmarket.demo.events import DemoEvent, EventSink
from flowmarket.demo.setup import Cast
from flowmarket.demo.wallet_actions import WalletAction, actor, send
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
    commands: tuple[WalletAction, ...] = ()  # as the agents sent them


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
    """Walk a fee change through governance with the `flowmarket governance` commands'
    plans (propose --set-fee-bps, vote, queue, execute), each signed by the agent; the
    proposer's and voters' names are agents."""
    governance = cast.deployment.governance
    governor = cast.contract("deployer", "MarketGovernor").functions
    params = cast.contract("deployer", "MarketParameters")
    old_fee = int(params.functions.feeBps().call())
    description = f"Set the market fee from {old_fee} to {new_fee_bps} bps"
    steps = 5
    sent: list[WalletAction] = []

    emit(DemoEvent("governance", 1, steps, f"{proposer} proposes: {description}"))
    plan = actions.propose_plan(
        actor(cast, proposer), ProposalChanges(fee_bps=new_fee_bps), description
    )
    [proposal_id] = [int(value) for label, value in plan.facts if label == "proposal id"]
    sent.append(send(cast, proposer, f"governance propose --set-fee-bps {new_fee_bps}", plan))
    _mine(cast, governance["voting_delay_blocks"] + 1)
    emit(
        DemoEvent(
            "governance", 2, steps, f"voting: {len(voters_for)} for, {len(voters_against)} against"
        )
    )
    for support, voters in ((VoteSupport.FOR, voters_for), (VoteSupport.AGAINST, voters_against)):
        for voter in voters:
            vote = actions.vote_plan(actor(cast, voter), str(proposal_id), support)
            sent.append(send(cast, voter, f"governance vote {support.name.lower()}", vote))
    _mine(cast, governance["voting_period_blocks"] + 1)
    state = ProposalState(governor.state(proposal_id).call())
    if state != ProposalState.SUCCEEDED:
        raise ChainError(f"proposal {proposal_id}: {state.label} after the vote, not Succeeded")
    emit(DemoEvent("governance", 3, steps, "queued in the timelock"))
    queue = actions.queue_plan(actor(cast, proposer), str(proposal_id))
    sent.append(send(cast, proposer, "governance queue", queue))
    _advance(cast, governance["timelock_delay_s"] + 1)
    emit(DemoEvent("governance", 4, steps, "executed by the timelock"))
    execute = actions.execute_plan(actor(cast, proposer), str(proposal_id))
    sent.append(send(cast, proposer, "governance execute", execute))
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
        tuple(sent),
    )
