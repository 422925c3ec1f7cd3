"""Governance from a token holder's side: list proposals, propose typed changes, vote,
queue in the timelock, execute, delegate.

Proposals are read from the governor's `ProposalCreated` events (targets, calldatas and
description are needed again to queue and execute). A proposal is named by its id or by
a unique leading part of it (at least 4 digits). Votes are governance-token wei; blocks
are the governor's clock (voting delay and period), the timelock's delay is seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils.crypto import keccak

from flowmarket.actions.actor import Actor
from flowmarket.actions.changes import ProposalChanges, actions, checked_address, describe
from flowmarket.actions.plan import Call, Plan, prepare, tokens
from flowmarket.chain.revert_messages import short_id, utc
from flowmarket.errors import ActionRefused, FieldError, NotFound
from flowmarket.states import ProposalState, VoteSupport

GOVERNOR = "MarketGovernor"
MIN_PREFIX = 4


@dataclass(frozen=True)
class Proposal:
    """A proposal as created, with its state and tally now (votes in wei)."""

    proposal_id: int
    proposer: str
    description: str
    targets: tuple[str, ...]
    values: tuple[int, ...]
    calldatas: tuple[bytes, ...]
    snapshot: int
    deadline: int
    state: ProposalState
    votes_for: int
    votes_against: int
    votes_abstain: int
    quorum: int
    eta: int  # when the timelock lets it execute (0 unless queued)
    actions: tuple[str, ...]

    @property
    def description_hash(self) -> bytes:
        return keccak(text=self.description)

    def facts(self) -> list[tuple[str, str]]:
        eta = [("executable from", utc(self.eta))] if self.eta else []
        return [
            ("proposal", str(self.proposal_id)),
            ("description", self.description),
            ("state", self.state.label),
            ("voting", f"blocks {self.snapshot + 1} – {self.deadline}"),
            (
                "for · against · abstain",
                " · ".join(
                    tokens(v) for v in (self.votes_for, self.votes_against, self.votes_abstain)
                ),
            ),
            ("quorum", tokens(self.quorum)),
            *eta,
            *((f"action {k + 1}", a) for k, a in enumerate(self.actions)),
        ]


def proposals(actor: Actor) -> list[Proposal]:
    """Every proposal of the governor, newest first."""
    governor = actor.contract(GOVERNOR)
    functions = governor.functions
    events = governor.events.ProposalCreated.get_logs(from_block=actor.deployment.block_number)
    block = int(actor.w3.eth.block_number)
    found = []
    for event in events:
        args = event["args"]
        pid = int(args["proposalId"])
        against, in_favour, abstain = actor.read(functions.proposalVotes(pid))
        snapshot = int(args["voteStart"])
        calldatas = tuple(bytes(c) for c in args["calldatas"])
        found.append(
            Proposal(
                proposal_id=pid,
                proposer=str(args["proposer"]),
                description=str(args["description"]),
                targets=tuple(str(t) for t in args["targets"]),
                values=tuple(int(v) for v in args["values"]),
                calldatas=calldatas,
                snapshot=snapshot,
                deadline=int(args["voteEnd"]),
                state=ProposalState(int(actor.read(functions.state(pid)))),
                votes_for=int(in_favour),
                votes_against=int(against),
                votes_abstain=int(abstain),
                quorum=int(actor.read(functions.quorum(min(snapshot, block - 1)))),
                eta=int(actor.read(functions.proposalEta(pid))),
                actions=tuple(
                    describe(actor, t, c) for t, c in zip(args["targets"], calldatas, strict=True)
                ),
            )
        )
    return found[::-1]


def find(actor: Actor, reference: str) -> Proposal:
    """The proposal whose id is `reference`, or starts with it (unique, ≥ 4 digits)."""
    text = reference.strip()
    if not text.isdigit():
        raise FieldError("proposal", f"expected a proposal id (digits), got {reference!r}")
    known = proposals(actor)
    exact = [p for p in known if str(p.proposal_id) == text]
    if exact:
        return exact[0]
    matches = [p for p in known if str(p.proposal_id).startswith(text)]
    if len(text) >= MIN_PREFIX and len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise FieldError("proposal", f"{text} starts {len(matches)} proposal ids: give more digits")
    raise NotFound(f"proposal: no proposal {text} (see `flowmarket governance list`)")


def propose_plan(actor: Actor, changes: ProposalChanges, description: str) -> Plan:
    """Propose `changes` (simulated as the timelock first) under `description`."""
    if not description.strip():
        raise FieldError("description", "a proposal needs a description")
    calls = actions(actor, changes)
    functions = actor.contract(GOVERNOR).functions
    targets = [a.target for a in calls]
    calldatas = [a.calldata for a in calls]
    values = [0] * len(calls)
    pid = int(
        actor.read(functions.hashProposal(targets, values, calldatas, keccak(text=description)))
    )
    threshold = int(actor.read(functions.proposalThreshold()))
    block = int(actor.w3.eth.block_number)
    votes = int(actor.read(functions.getVotes(actor.address, block - 1)))
    delay, period = (
        int(actor.read(functions.votingDelay())),
        int(actor.read(functions.votingPeriod())),
    )
    return prepare(
        actor,
        "governance propose",
        facts=[
            ("description", description),
            ("proposal id", str(pid)),
            ("your votes · threshold", f"{tokens(votes)} · {tokens(threshold)}"),
            ("voting", f"opens after {delay} block(s), lasts {period} blocks"),
            *((f"change {k + 1}", a.says) for k, a in enumerate(calls)),
        ],
        calls=[
            Call(
                f"propose {len(calls)} change(s)",
                GOVERNOR,
                "propose",
                (targets, values, calldatas, description),
            )
        ],
        outcome=lambda: (
            f"proposal {pid} created: vote with `flowmarket governance vote {short_id(pid)} for`"
        ),
    )


def vote_plan(actor: Actor, reference: str, support: VoteSupport, reason: str = "") -> Plan:
    """Cast the actor's vote on a proposal (the estimate refuses a closed vote)."""
    proposal = find(actor, reference)
    functions = actor.contract(GOVERNOR).functions
    notes = []
    weight = 0
    if proposal.snapshot < int(actor.w3.eth.block_number):
        weight = int(actor.read(functions.getVotes(actor.address, proposal.snapshot)))
        if weight == 0:
            notes.append(
                f"you had no votes at the proposal's snapshot (block {proposal.snapshot}): "
                "your vote counts 0"
            )
    said = f"vote {support.name.lower()} with {tokens(weight)}"
    call = (
        Call(said, GOVERNOR, "castVoteWithReason", (proposal.proposal_id, int(support), reason))
        if reason
        else Call(said, GOVERNOR, "castVote", (proposal.proposal_id, int(support)))
    )

    def outcome() -> str:
        after = find(actor, str(proposal.proposal_id))
        tally = f"for {tokens(after.votes_for)}, against {tokens(after.votes_against)}"
        return f"voted {support.name.lower()}: {tally}"

    return prepare(
        actor,
        "governance vote",
        facts=[*proposal.facts(), ("your vote", support.name.lower())],
        calls=[call],
        notes=notes,
        outcome=outcome,
    )


def _lifecycle(actor: Actor, reference: str, step: str) -> Plan:
    proposal = find(actor, reference)
    args = (
        list(proposal.targets),
        list(proposal.values),
        list(proposal.calldatas),
        proposal.description_hash,
    )
    if step == "execute" and proposal.state == ProposalState.QUEUED and actor.now() < proposal.eta:
        raise ActionRefused(
            f"proposal {short_id(proposal.proposal_id)} is queued; the timelock lets it execute "
            f"from {utc(proposal.eta)}"
        )

    def outcome() -> str:
        after = find(actor, str(proposal.proposal_id))
        eta = f", executable from {utc(after.eta)}" if after.state == ProposalState.QUEUED else ""
        return f"proposal {short_id(proposal.proposal_id)} is {after.state.label}{eta}"

    return prepare(
        actor,
        f"governance {step}",
        facts=proposal.facts(),
        calls=[Call(f"{step} proposal {short_id(proposal.proposal_id)}", GOVERNOR, step, args)],
        outcome=outcome,
    )


def queue_plan(actor: Actor, reference: str) -> Plan:
    """Queue a succeeded proposal in the timelock."""
    return _lifecycle(actor, reference, "queue")


def execute_plan(actor: Actor, reference: str) -> Plan:
    """Execute a queued proposal once the timelock's delay has passed."""
    return _lifecycle(actor, reference, "execute")


def delegate_plan(actor: Actor, delegatee: str | None = None) -> Plan:
    """Delegate the actor's governance votes (to itself by default)."""
    to = checked_address("delegatee", delegatee or actor.address)
    token = actor.contract("GovernanceToken").functions
    current = str(actor.read(token.delegates(actor.address)))
    if current.lower() == to.lower():
        raise ActionRefused(f"your votes are already delegated to {to}")
    balance = actor.token_balance("GovernanceToken")
    return prepare(
        actor,
        "governance delegate",
        facts=[("governance tokens", tokens(balance)), ("delegate", f"{current} → {to}")],
        calls=[
            Call(
                f"delegate {tokens(balance)} of votes to {to}", "GovernanceToken", "delegate", (to,)
            )
        ],
        outcome=lambda: f"your votes go to {actor.read(token.delegates(actor.address))}",
    )
