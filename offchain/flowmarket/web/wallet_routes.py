"""The web pages' wallet actions: each POST answers the plan of the `flowmarket` command
(`flowmarket.actions`), checked against the chain as the participant, for the browser's
wallet to send; the GETs beside them are the panels' reads.

GET  /v1/web/collateral/{address}          collateral, requirement and warning
POST /v1/web/collateral/{address}/deposit-tx, .../withdraw-tx
GET  /v1/web/settlement/{address}          proven weekly leaves; POST .../pay-tx pays a
                                           debit, .../collect-tx collects a credit
GET  /v1/web/revenue/{address}             revenue shares; POST .../claim-tx, .../close-tx
POST /v1/web/governance/propose-tx/{address}   a proposal of typed changes
POST /v1/web/governance/vote-tx/{address}      a vote, with a reason or not
POST /v1/web/governance/queue-tx/{address}, .../execute-tx/{address}
POST /v1/web/governance/delegate-tx/{address}  delegate votes (to itself by default)

Refusals (the chain or the action's own checks) are 409 with the CLI's sentence.
"""

from __future__ import annotations

from typing import Any

from eth_utils.address import to_checksum_address
from fastapi import APIRouter, Path, Request

from flowmarket.api.schemas import ADDRESS_RE, ErrorOut
from flowmarket.api.settlement_backend import SettlementProofs
from flowmarket.errors import ChainError
from flowmarket.money import parse_tokens
from flowmarket.web.schemas import (
    ChainView,
    CollateralOut,
    CollectIn,
    DelegateIn,
    DepositIn,
    PayIn,
    PlanOut,
    ProposalIn,
    ProposalRefIn,
    RevenueOut,
    SettlementOut,
    VoteIn,
    WithdrawIn,
)

ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": ErrorOut} for c in (404, 422, 503)}
Address = Path(pattern=ADDRESS_RE.pattern, description="an account address")

router = APIRouter(prefix="/v1/web", tags=["web"])


def chain_of(request: Request) -> ChainView:
    """The app's chain view; `ChainError` (503) when the server has none."""
    view: ChainView | None = request.app.state.chain_view
    if view is None:
        raise ChainError("this server was started without a chain connection")
    return view


@router.get("/collateral/{address}", response_model=CollateralOut, responses=ERRORS)
def collateral(request: Request, address: str = Address) -> CollateralOut:
    """Collateral locked in the vault, the posted requirement, and a warning status."""
    return chain_of(request).collateral(to_checksum_address(address))


@router.post(
    "/collateral/{address}/deposit-tx",
    response_model=PlanOut,
    responses={**ERRORS, 409: {"model": ErrorOut}},
)
def deposit_tx(request: Request, body: DepositIn, address: str = Address) -> PlanOut:
    """The transactions depositing `amount` capacity tokens in the vault as `address`
    (an approval first when the vault's allowance is short), each checked against the
    chain; 409 with the reason when it cannot be done (e.g. insufficient balance)."""
    amount = parse_tokens(body.amount, field="amount")
    return chain_of(request).deposit_plan(to_checksum_address(address), amount)


REFUSABLE: dict[int | str, dict[str, Any]] = {**ERRORS, 409: {"model": ErrorOut}}


@router.post("/collateral/{address}/withdraw-tx", response_model=PlanOut, responses=REFUSABLE)
def withdraw_tx(request: Request, body: WithdrawIn, address: str = Address) -> PlanOut:
    """The withdrawal of `amount` capacity tokens from the vault as `address`, with the
    proof of its requirement; 409 when the vault would refuse (more than the headroom,
    or settlement debt open: the sentence names the week to pay)."""
    amount = parse_tokens(body.amount, field="amount")
    return chain_of(request).withdraw_plan(to_checksum_address(address), amount, _proofs(request))


@router.get("/settlement/{address}", response_model=SettlementOut, responses=ERRORS)
def settlement(request: Request, address: str = Address) -> SettlementOut:
    """`address`'s leaf of every posted settlement week, proven against the root on chain,
    with the contract's record of it and what can be done now."""
    return chain_of(request).settlement(to_checksum_address(address), _proofs(request))


@router.post("/settlement/{address}/pay-tx", response_model=PlanOut, responses=REFUSABLE)
def pay_tx(request: Request, body: PayIn, address: str = Address) -> PlanOut:
    """The transactions paying `address`'s debit of a week (or curing its default): an
    approval when the settlement's allowance is short, then the pull; 409 when it cannot
    be paid now (nothing owed, already paid, challenge window open, balance short)."""
    return chain_of(request).pay_plan(to_checksum_address(address), body.week, _proofs(request))


@router.post("/settlement/{address}/collect-tx", response_model=PlanOut, responses=REFUSABLE)
def collect_tx(request: Request, body: CollectIn, address: str = Address) -> PlanOut:
    """The transaction collecting what is due now on `address`'s credit of a week; 409
    when nothing can be collected now (a debit, collected in full, challenge window open,
    nothing paid in yet by the week's debtors)."""
    return chain_of(request).collect_plan(to_checksum_address(address), body.week, _proofs(request))


@router.get("/revenue/{address}", response_model=RevenueOut, responses=ERRORS)
def revenue(request: Request, address: str = Address) -> RevenueOut:
    """The open revenue epoch and `address`'s share of every closed one."""
    return chain_of(request).revenue(to_checksum_address(address))


@router.post("/revenue/{address}/claim-tx", response_model=PlanOut, responses=REFUSABLE)
def claim_tx(request: Request, address: str = Address) -> PlanOut:
    """The claims of `address`'s share of every closed epoch with one; 409 when none."""
    return chain_of(request).claim_plan(to_checksum_address(address))


@router.post("/revenue/{address}/close-tx", response_model=PlanOut, responses=REFUSABLE)
def close_tx(request: Request, address: str = Address) -> PlanOut:
    """Closing the open revenue epoch as `address`; 409 before its duration has passed."""
    return chain_of(request).close_plan(to_checksum_address(address))


@router.post("/governance/propose-tx/{address}", response_model=PlanOut, responses=REFUSABLE)
def propose_tx(request: Request, body: ProposalIn, address: str = Address) -> PlanOut:
    """The proposal of the typed changes as `address`, each simulated as the timelock
    would execute it; 409 when the chain refuses (e.g. not enough votes to propose, a
    change that would fail), 422 for a field that is not valid."""
    return chain_of(request).propose_plan(to_checksum_address(address), body)


@router.post("/governance/vote-tx/{address}", response_model=PlanOut, responses=REFUSABLE)
def vote_tx(request: Request, body: VoteIn, address: str = Address) -> PlanOut:
    """`address`'s vote on a proposal (`castVoteWithReason` when a reason is given, else
    `castVote`); 404 for a proposal the governor does not know, 409 when its vote is
    closed."""
    return chain_of(request).vote_plan(to_checksum_address(address), body)


@router.post("/governance/queue-tx/{address}", response_model=PlanOut, responses=REFUSABLE)
def queue_tx(request: Request, body: ProposalRefIn, address: str = Address) -> PlanOut:
    """Queueing a succeeded proposal in the timelock, sent by `address` (anyone may); 404
    for an unknown proposal, 409 for one that has not succeeded or is queued already."""
    return chain_of(request).queue_plan(to_checksum_address(address), body.proposal_id)


@router.post("/governance/execute-tx/{address}", response_model=PlanOut, responses=REFUSABLE)
def execute_tx(request: Request, body: ProposalRefIn, address: str = Address) -> PlanOut:
    """Executing a queued proposal, sent by `address` (anyone may); 409 before the
    timelock's delay has passed (naming when it may) or for a proposal not queued."""
    return chain_of(request).execute_plan(to_checksum_address(address), body.proposal_id)


@router.post("/governance/delegate-tx/{address}", response_model=PlanOut, responses=REFUSABLE)
def delegate_tx(
    request: Request, body: DelegateIn | None = None, address: str = Address
) -> PlanOut:
    """Delegating `address`'s governance votes to `delegatee` (to itself without a body or
    delegatee; votes count only once delegated); 409 when they already go there."""
    delegatee = None if body is None else body.delegatee
    return chain_of(request).delegate_plan(to_checksum_address(address), delegatee)


def _proofs(request: Request) -> SettlementProofs | None:
    proofs: SettlementProofs | None = getattr(request.app.state, "proofs", None)
    return proofs
