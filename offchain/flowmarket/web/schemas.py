"""Bodies of the web endpoints, and the `ChainView` protocol that serves chain reads.

Units: token amounts are decimal strings of wei (18 decimals) so that no JSON number
loses precision; the `*_tokens` fields repeat them as floats for display. Votes are
governance-token wei, blocks are block numbers (the governor's clock).
"""

from __future__ import annotations

from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, Field, StrictInt, field_validator

from flowmarket.api.schemas import (
    ADDRESS_RE,
    HASH_RE,
    Number,
    PortfolioIn,
    Strict,
    check_address,
    check_hash,
    documented,
)
from flowmarket.api.settlement_backend import SettlementProofs
from flowmarket.errors import InvalidInput
from flowmarket.states import CollateralStatus


class OrderDraftIn(Strict):
    """An order to be signed: the `order` part of `POST /v1/orders`."""

    participant: str = documented(ADDRESS_RE)
    nonce: Annotated[StrictInt, Field(ge=0, le=2**63 - 1)]
    from_hour: Annotated[StrictInt, Field(ge=0, le=2**40)]
    until_hour: Annotated[StrictInt, Field(ge=0, le=2**40)]
    portfolio: dict[str, Number] = Field(default_factory=dict)
    portfolios: list[PortfolioIn] | None = Field(
        default=None,
        description="a curve over several named portfolios, signed as a PortfolioOrder "
        "(docs/portfolios.md), instead of `portfolio`",
    )
    curve: list[tuple[Number, Number]] = Field(default_factory=list)
    replaces: str | None = documented(HASH_RE, default=None)
    kind: Literal["curve", "all_or_nothing", "min_fill", "startup"] = "curve"
    quantity: Number | None = None
    price: Number | None = None
    min_quantity: Number | None = None
    fixed_cost: Number | None = None

    _participant = field_validator("participant")(check_address)

    @field_validator("replaces")
    @classmethod
    def _replaces(cls, value: str | None) -> str | None:
        return None if value is None else check_hash(value)


class ExpectedDraftIn(Strict):
    """An expected-positions report to be signed: the `report` part of
    `POST /v1/expected-positions` ({product: GB/h}; 0 withdraws a product)."""

    participant: str = documented(ADDRESS_RE)
    nonce: int = Field(strict=True, ge=0, le=2**63 - 1)
    deadline: int = Field(strict=True, ge=0, le=2**63 - 1)
    positions: dict[str, Number]

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
    eta: int = Field(description="Unix seconds from which a queued proposal can execute, else 0")
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


class WeekOut(BaseModel):
    """The participant's proven leaf of one posted week and the contract's record of it."""

    week: int
    amount: str = Field(description="wei, negative = the participant pays")
    status: str = Field(description="unsettled | defaulted | settled | crediting")
    owed: str = Field(description="wei that paying now pulls (0 for a credit or when settled)")
    done: str = Field(description="wei paid so far on a credit, collected so far on a debit")
    credit_due: str = Field(description="wei that collecting a credit pays now")
    executable_at: int = Field(description="Unix seconds: the end of the challenge window")
    grace_ends_at: int = Field(description="Unix seconds; 0 unless the debit defaulted")
    payable: bool = Field(description="a debit the wallet can pay now")
    collectable: bool = Field(description="a credit with something to collect now")
    next: str = Field(description="what the participant can do about the week now")


class SettlementOut(BaseModel):
    """Every posted week in which `address` has a leaf, oldest first; `wallet`: its
    capacity tokens (wei), `now`: the chain's latest block time."""

    address: str
    now: int
    wallet: str
    weeks: list[WeekOut]


class PayIn(Strict):
    week: int = Field(strict=True, ge=0, le=2**32, description="the settlement week to pay")


class EpochShareOut(BaseModel):
    epoch: int
    closed_at: int
    holder_amount: str = Field(description="wei the holders share in this epoch")
    claimable: str = Field(description="wei of it this account can claim now")
    claimed: bool


class RevenueOut(BaseModel):
    """The revenue distributor's open epoch and `address`'s shares of the closed ones."""

    address: str
    current_epoch: int
    pending: str = Field(description="wei of fees in the open epoch so far")
    closes_at: int = Field(description="Unix seconds from which anyone may close it")
    can_close: bool
    holder_share_bps: int
    governance_tokens: str
    claimable: str = Field(description="wei claimable now over every closed epoch")
    epochs: list[EpochShareOut]


class TransferIn(Strict):
    to: str = documented(ADDRESS_RE)
    amount: str = Field(max_length=50, description="capacity tokens, up to 18 decimals")

    _to = field_validator("to")(check_address)


class ProposalIn(Strict):
    """A proposal's typed changes (null or empty: leave as is), as `flowmarket governance
    propose` takes them; never raw calldata."""

    description: str = Field(min_length=1, max_length=2_000)
    fee_bps: int | None = Field(default=None, strict=True, ge=0, le=10_000)
    initial_margin_bps: int | None = Field(default=None, strict=True, ge=0, le=10_000)
    deviation_margin_bps: int | None = Field(default=None, strict=True, ge=0, le=10_000)
    warning_buffer_bps: int | None = Field(default=None, strict=True, ge=0, le=10_000)
    holder_share_bps: int | None = Field(default=None, strict=True, ge=0, le=10_000)
    clearing_interval_minutes: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=60,
        description="clear every N minutes from the next hour boundary on (N divides 60)",
    )
    clearing_engine: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=65_535,
        description="clear with engine version N from the next hour boundary on "
        "(docs/engine-versions.md)",
    )
    treasury: str | None = documented(ADDRESS_RE, default=None)
    oracle: str | None = documented(ADDRESS_RE, default=None)
    treasury_transfers: list[TransferIn] = Field(default_factory=list, max_length=10)

    @field_validator("treasury", "oracle")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return None if value is None else check_address(value)

    @field_validator("clearing_interval_minutes")
    @classmethod
    def _interval(cls, value: int | None) -> int | None:
        if value is not None and 60 % value != 0:
            raise InvalidInput(f"{value} minutes does not divide an hour (docs/schedule.md)")
        return value


class WithdrawIn(Strict):
    amount: str = Field(
        max_length=50, description='capacity tokens, up to 18 decimals (e.g. "12.5")'
    )


class CollectIn(Strict):
    week: int = Field(strict=True, ge=0, le=2**32, description="the settlement week to collect")


PROPOSAL_ID = r"^[0-9]{1,78}$"


class VoteIn(Strict):
    """A vote on `proposal_id` (uint256, decimal), with an optional reason that the
    governor records with it (`castVoteWithReason`), as `flowmarket governance vote`."""

    proposal_id: str = Field(pattern=PROPOSAL_ID, description="uint256 as decimal digits")
    support: int = Field(strict=True, ge=0, le=2, description="0 against, 1 for, 2 abstain")
    reason: str = Field(default="", max_length=1_000, description="recorded with the vote")


class ProposalRefIn(Strict):
    """The proposal to queue or execute (uint256, decimal)."""

    proposal_id: str = Field(pattern=PROPOSAL_ID, description="uint256 as decimal digits")


class DelegateIn(Strict):
    """Whom the account's governance votes go to (itself when omitted)."""

    delegatee: str | None = documented(ADDRESS_RE, default=None)

    @field_validator("delegatee")
    @classmethod
    def _delegatee(cls, value: str | None) -> str | None:
        return None if value is None else check_address(value)


class ChainView(Protocol):
    """Chain reads the web pages need; `backend.governance_view` implements it."""

    def governance(self) -> GovernanceOut: ...

    def voter(self, address: str) -> VoterOut: ...

    def vote_plan(self, address: str, vote: VoteIn) -> PlanOut: ...

    def delegate_plan(self, address: str, delegatee: str | None) -> PlanOut: ...

    def queue_plan(self, address: str, proposal_id: str) -> PlanOut: ...

    def execute_plan(self, address: str, proposal_id: str) -> PlanOut: ...

    def collateral(self, address: str) -> CollateralOut: ...

    def deposit_plan(self, address: str, amount: int) -> PlanOut: ...

    def settlement(self, address: str, proofs: SettlementProofs | None) -> SettlementOut: ...

    def pay_plan(self, address: str, week: int, proofs: SettlementProofs | None) -> PlanOut: ...

    def collect_plan(self, address: str, week: int, proofs: SettlementProofs | None) -> PlanOut: ...

    def withdraw_plan(
        self, address: str, amount: int, proofs: SettlementProofs | None
    ) -> PlanOut: ...

    def revenue(self, address: str) -> RevenueOut: ...

    def claim_plan(self, address: str) -> PlanOut: ...

    def close_plan(self, address: str) -> PlanOut: ...

    def propose_plan(self, address: str, proposal: ProposalIn) -> PlanOut: ...
