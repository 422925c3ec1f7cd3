"""What a participant reads when the chain refuses: one sentence per custom error.

`ErrorDecoder` (chain/errors.py) decodes revert data into the error's name and its
arguments (by their ABI names); `sentence` turns them into what happened and what to do,
amounts in tokens, times in UTC. An error without a sentence here is shown as
`Name(arg=value, ...)`; the decoder always appends that form, so the error is named.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from flowmarket.money import format_tokens
from flowmarket.states import ProposalState

Args = Mapping[str, Any]


def tokens(wei: int) -> str:
    return f"{format_tokens(int(wei))} tokens"


def utc(seconds: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(int(seconds)))


def short_id(value: int) -> str:
    """A proposal id (uint256, 78 digits) shortened for a sentence: 1234567…8901."""
    text = str(int(value))
    return text if len(text) <= 14 else f"{text[:8]}…{text[-4:]}"


def proposal_states(bitmap: bytes) -> str:
    """OpenZeppelin's `expectedStates`: bit i set for `ProposalState(i)`."""
    bits = int.from_bytes(bitmap, "big")
    names = [state.label for state in ProposalState if bits >> int(state) & 1]
    return " or ".join(names) or "another state"


def _unexpected_state(a: Args) -> str:
    state = ProposalState(int(a["current"]))
    current = state.label
    bitmap = bytes(a["expectedStates"])
    proposal = short_id(a["proposalId"])
    if not any(bitmap):
        return (
            f"the same proposal exists already (proposal {proposal}, {current}): change the "
            "description to propose it again"
        )
    wanted = proposal_states(bitmap)
    if wanted == "Active" and state == ProposalState.PENDING:
        return f"voting on proposal {proposal} has not opened yet: it opens after its voting delay"
    if wanted == "Active":
        return (
            f"voting is closed: proposal {proposal} is {current}; votes count only while it "
            "is Active"
        )
    return (
        f"proposal {proposal} is {current}; this step needs it {wanted} "
        "(see `flowmarket governance list`)"
    )


SENTENCES: dict[str, Callable[[Args], str]] = {
    # Collateral vault
    "VaultZeroAmount": lambda a: "the amount is zero: give a positive number of tokens",
    "VaultBelowRequirement": lambda a: (
        f"withdrawal refused: it would leave {tokens(a['remaining'])} locked, below your "
        f"requirement of {tokens(a['requirement'])}; withdraw at most the headroom shown by "
        "`flowmarket collateral status`"
    ),
    "VaultInsufficientCollateral": lambda a: (
        f"you have {tokens(a['balance'])} of collateral in the vault, less than the "
        f"{tokens(a['amount'])} asked for"
    ),
    "VaultOpenDebt": lambda a: (
        f"withdrawal blocked: {tokens(a['debt'])} owed to weekly settlement; pay it with "
        "`flowmarket settlement pay WEEK` (`flowmarket settlement status` shows the week)"
    ),
    "VaultInvalidRequirementProof": lambda a: (
        "the requirement proof does not match the vault's latest root (the oracle posted a "
        "new one meanwhile): run the command again"
    ),
    # Weekly settlement
    "SettlementRootMissing": lambda a: f"week {a['week']} has no settlement root on chain yet",
    "SettlementHourAlreadyVoided": lambda a: (
        f"hour {a['hour']} is already void (a wrong trade in it was proven): nothing more to "
        "challenge there"
    ),
    "SettlementChallengeWindowOpen": lambda a: (
        f"week {a['week']}'s settlement root is still in its challenge window; it can be "
        f"executed from {utc(a['executableAt'])}"
    ),
    "SettlementInvalidLeaf": lambda a: (
        f"the leaf is not in week {a['week']}'s posted tree: the API served a leaf the root "
        "does not commit to; do not pay it, and report it to the operator"
    ),
    "SettlementAlreadySettled": lambda a: (
        f"week {a['week']} is already settled for {a['participant']}: nothing to do"
    ),
    "SettlementNothingDue": lambda a: (
        f"nothing more is due on week {a['week']} until the week collects more from its "
        "debtors: collect again later"
    ),
    "SettlementTransferFailed": lambda a: (
        f"the pull of {tokens(a['amount'])} for week {a['week']} failed again: hold that "
        "much and allow the settlement contract to pull it "
        "(`flowmarket collateral approve-settlement`), then pay again"
    ),
    "SettlementGraceNotOver": lambda a: (
        f"the grace period of week {a['week']} runs until {utc(a['graceEndsAt'])}"
    ),
    "SettlementNotDefaulted": lambda a: (
        f"week {a['week']}'s leaf of {a['participant']} is not in default"
    ),
    "SettlementFundsNotCollected": lambda a: (
        f"week {a['week']} has collected {tokens(a['collected'])} so far, not enough to pay "
        f"{tokens(a['requested'])}: collect again once its debtors have paid"
    ),
    # Revenue
    "RevenueEpochNotOver": lambda a: (
        f"revenue epoch {a['epoch']} cannot close before {utc(a['closesAt'])}"
    ),
    "RevenueEpochOpen": lambda a: (
        f"revenue epoch {a['epoch']} is still open: it can be claimed once it is closed "
        "(`flowmarket revenue close`)"
    ),
    "RevenueAlreadyClaimed": lambda a: (
        f"your share of revenue epoch {a['epoch']} is already claimed"
    ),
    "RevenueNothingToClaim": lambda a: (
        f"{a['account']} has no share of revenue epoch {a['epoch']}: it held no governance "
        "tokens in it"
    ),
    "RevenueZeroAmount": lambda a: "the amount is zero",
    # Market-wide
    "MarketIsPaused": lambda a: "the market is paused: nothing moves until governance unpauses it",
    # Governed parameters (a proposal's action, simulated or executed)
    "ParametersFeeTooHigh": lambda a: (
        f"a fee of {a['feeBps']} bps is above the highest allowed, {a['maxBps']} bps"
    ),
    "ParametersShareTooHigh": lambda a: f"{a['shareBps']} bps is above 10000 bps (100 %)",
    "ParametersZeroAddress": lambda a: f"{a['field']} cannot be the zero address",
    # Tokens (OpenZeppelin ERC-20)
    "ERC20InsufficientBalance": lambda a: (
        f"insufficient balance: {a['sender']} holds {tokens(a['balance'])}, "
        f"{tokens(a['needed'])} are needed"
    ),
    "ERC20InsufficientAllowance": lambda a: (
        f"the allowance of {a['spender']} is {tokens(a['allowance'])}, "
        f"{tokens(a['needed'])} are needed: approve it first"
    ),
    # Governance (OpenZeppelin Governor and TimelockController)
    "GovernorInsufficientProposerVotes": lambda a: (
        f"not enough votes to propose: {a['proposer']} has {tokens(a['votes'])} of voting "
        f"power, proposals need {tokens(a['threshold'])}"
    ),
    "GovernorUnexpectedProposalState": _unexpected_state,
    "GovernorAlreadyCastVote": lambda a: f"{a['voter']} has already voted on this proposal",
    "GovernorNonexistentProposal": lambda a: (
        f"there is no proposal {short_id(a['proposalId'])} (see `flowmarket governance list`)"
    ),
    "GovernorRestrictedProposer": lambda a: f"{a['proposer']} may not make this proposal",
    "GovernorInvalidVoteType": lambda a: "the vote must be for, against or abstain",
    "TimelockUnexpectedOperationState": lambda a: (
        "the timelock cannot run this operation now: it is not queued, or its delay has not "
        "passed yet (see `flowmarket governance list`)"
    ),
}


def sentence(name: str, args: Args) -> str | None:
    """The sentence for error `name` with decoded `args`; None when there is none."""
    explain = SENTENCES.get(name)
    return None if explain is None else explain(args)
