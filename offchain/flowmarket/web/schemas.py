"""Bodies of the web endpoints, and the `ChainView` protocol that serves chain reads.

Units: token amounts are decimal strings of wei (18 decimals) so that no JSON number
loses precision; the `*_tokens` fields repeat them as floats for display. Votes are
governance-token wei, blocks are block numbers (the governor's clock).
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field, field_validator

from flowmarket.api.schemas import (
    ADDRESS_RE,
    HASH_RE,
    Strict,
    check_address,
    check_hash,
    documented,
)
from flowmarket.states import CollateralStatus


class OrderDraftIn(Strict):
    """An order to be signed: the `order` part of `POST /v1/orders`."""

    participant: str = documented(ADDRESS_RE)
    nonce: int = Field(ge=0, le=2**63 - 1)
    from_hour: int = Field(ge=0, le=2**40)
    until_hour: int = Field(ge=0, le=2**40)
    portfolio: dict[str, float]
    curve: list[tuple[float, float]]
    replaces: str | None = documented(HASH_RE, default=None)

    _participant = field_validator("participant")(check_address)

    @field_validator("replaces")
    @classmethod
    def _replaces(cls, value: str | None) -> str | None:
        return None if value is None else check_hash(value)


class ExpectedDraftIn(Strict):
    """An expected-positions report to be signed: the `report` part of
    `POST /v1/expected-positions` ({product: GB/h}; 0 withdraws a product)."""

    participant: str = documented(ADDRESS_RE)
    nonce: int = Field(ge=0, le=2**63 - 1)
    deadline: int = Field(ge=0, le=2**63 - 1)
    positions: dict[str, float]

    _participant = field_validator("participant")(check_address)


class CancelDraftIn(Strict):
    participant: str = documented(ADDRESS_RE)
    order_hash: str = documented(HASH_RE)

    _participant = field_validator("participant")(check_address)
    _order_hash = field_validator("order_hash")(check_hash)


class TypedDataOut(BaseModel):
    """`typed_data`: the `eth_signTypedData_v4` document (integers as decimal strings,
    bytes as 0x-hex); `digest`: its EIP-712 digest, the order id once signed."""

    typed_data: dict[str, object]
    digest: str


class ActionOut(BaseModel):
    target: str
    contract: str = Field(description="name of the market contract at target, or ''")
    call: str = Field(description="decoded call, e.g. setFeeBps(25), or the raw calldata")


class ProposalOut(BaseModel):
    proposal_id: str = Field(description="uint256 as a decimal string")
    proposer: str
    description: str
    state: str = Field(description="Pending | Active | Canceled | Defeated | Succeeded | ...")
    snapshot_block: int
    deadline_block: int
    votes_for: str
    votes_against: str
    votes_abstain: str
    quorum: str
    actions: list[ActionOut]


class GovernanceOut(BaseModel):
    governor: str
    token: str
    block_number: int
    voting_delay_blocks: int
    voting_period_blocks: int
    proposals: list[ProposalOut]


class VoterOut(BaseModel):
    address: str
    balance: str
    votes: str
    delegate: str
    voted: dict[str, bool] = Field(description="proposal id → whether this address voted")


class TxOut(BaseModel):
    """A transaction for the wallet to send with eth_sendTransaction."""

    to: str
    data: str
    description: str


class CollateralOut(BaseModel):
    address: str
    collateral: str
    requirement: str
    excess: str
    collateral_tokens: float
    requirement_tokens: float
    warning_buffer_bps: int
    status: CollateralStatus
    message: str


class PlanOut(BaseModel):
    """What an action will do (`flowmarket.actions`), checked against the chain: the
    facts it rests on (label, value; amounts in tokens) and the transactions, in order,
    for the wallet to send."""

    action: str
    facts: list[tuple[str, str]]
    steps: list[TxOut]


class DepositIn(Strict):
    amount: str = Field(
        max_length=50, description='capacity tokens, up to 18 decimals (e.g. "120.5")'
    )


class VoteIn(Strict):
    support: int = Field(ge=0, le=2, description="0 against, 1 for, 2 abstain")


class ChainView(Protocol):
    """Chain reads the web pages need; `backend.governance_view` implements it."""

    def governance(self) -> GovernanceOut: ...

    def voter(self, address: str) -> VoterOut: ...

    def vote_tx(self, proposal_id: int, support: int) -> TxOut: ...

    def delegate_tx(self, delegatee: str) -> TxOut: ...

    def collateral(self, address: str) -> CollateralOut: ...

    def deposit_plan(self, address: str, amount: int) -> PlanOut: ...
