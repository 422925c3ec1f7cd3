"""Request and response bodies of the HTTP API (pydantic), with OpenAPI examples.

Units: quantities GB/h of the order's portfolio, prices capacity tokens per GB,
cash capacity tokens (negative = pays), hours = hours since the Unix epoch.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, field_validator

from flowmarket.errors import InvalidInput
from flowmarket.states import OrderStatus, ReceiptAction

ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
HASH_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")
SIGNATURE_RE = re.compile(r"^0x[0-9a-fA-F]{130}$")
MAX_NONCE = 2**63 - 1
MAX_HOUR = 2**40

MAX_ABS_INT = 10**30
Number = StrictFloat | Annotated[StrictInt, Field(ge=-MAX_ABS_INT, le=MAX_ABS_INT)]
EXAMPLE_ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
EXAMPLE_HASH = "0x" + "ab" * 32
EXAMPLE_SIGNATURE = "0x" + "11" * 64 + "1b"


def _check_hex(value: str, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise InvalidInput(f"must be 0x-prefixed hex ({what})")
    if not pattern.fullmatch(value):  # match() would let a trailing newline through
        digits = len(value) - 2
        if not all(c in "0123456789abcdefABCDEF" for c in value[2:]):
            raise InvalidInput(f"contains non-hex characters; expected {what}")
        raise InvalidInput(f"has {digits} hex digits; expected {what}")
    return value


def check_address(value: str) -> str:
    return _check_hex(value, ADDRESS_RE, "a 20-byte address, 40 hex digits")


def check_hash(value: str) -> str:
    return _check_hex(value, HASH_RE, "a 32-byte hash, 64 hex digits").lower()


def check_signature(value: str) -> str:
    return _check_hex(value, SIGNATURE_RE, "a 65-byte signature, 130 hex digits")


def documented(pattern: re.Pattern[str], **extra: Any) -> Any:
    """A Field whose OpenAPI schema carries `pattern` (the validators above check it, with
    messages that say what is wrong)."""
    return Field(json_schema_extra={"pattern": pattern.pattern}, **extra)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


PORTFOLIO_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


class PortfolioIn(Strict):
    """One named portfolio of a portfolio order (docs/portfolios.md)."""

    name: str = Field(
        description="unique in the order: 1 to 32 letters, digits, '_', '.' or '-'",
        examples=["east"],
    )
    weight: Number = Field(
        description="the portfolio's weight in the curve's quantity (non-zero): the curve "
        "values Σ weight × the portfolio's rate",
        examples=[1.0],
    )
    products: dict[str, Number] = Field(
        description="{product: weight}; a product appears in one portfolio of the order",
        examples=[{"premium-us-east": 1.0}],
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not PORTFOLIO_NAME_RE.fullmatch(value):
            raise InvalidInput("must be 1 to 32 letters, digits, '_', '.' or '-'")
        return value


class OrderIn(Strict):
    """An order as signed (see `flowmarket.signing.typed_data` for the EIP-712 struct)."""

    participant: str = documented(ADDRESS_RE, examples=[EXAMPLE_ADDRESS])
    nonce: Annotated[StrictInt, Field(ge=0, le=MAX_NONCE)]
    from_hour: Annotated[StrictInt, Field(ge=0, le=MAX_HOUR)]
    until_hour: Annotated[StrictInt, Field(ge=0, le=MAX_HOUR)]
    portfolio: dict[str, Number] = Field(
        default_factory=dict,
        description="{product: weight}; negative weight = the order sells that product "
        "(required unless `portfolios` is given)",
        examples=[{"premium-eu-rt": 1.0}],
    )
    portfolios: list[PortfolioIn] | None = Field(
        default=None,
        description="a curve over several named portfolios, signed as `PortfolioOrder` "
        "(docs/portfolios.md): the curve's quantity is Σ weight × each portfolio's rate; "
        "instead of `portfolio`",
    )
    curve: list[tuple[Number, Number]] = Field(
        default_factory=list,
        description="[[quantity GB/h, price per unit of portfolio], ...], quantity strictly "
        "increasing, price never increasing (a flat piece is a limit price), quantity range "
        "containing 0 (one point: [[0, price]], never trades; none for all_or_nothing)",
        examples=[[[-5.0, 12.0], [10.0, 4.0]]],
    )
    replaces: str | None = documented(
        HASH_RE, default=None, description="id of the order this one replaces"
    )
    kind: Literal["curve", "all_or_nothing", "min_fill", "startup"] = Field(
        default="curve",
        description="curve (default), or a non-convex order signed as `NonConvexOrder` "
        "(docs/nonconvex.md): all_or_nothing (quantity and price), min_fill (curve and "
        "min_quantity), startup (curve and fixed_cost)",
    )
    quantity: Number | None = Field(
        default=None, description="all_or_nothing: GB/h of the portfolio, negative sells"
    )
    price: Number | None = Field(
        default=None, description="all_or_nothing: limit price per unit of the portfolio"
    )
    min_quantity: Number | None = Field(
        default=None, description="min_fill: the least |GB/h| it trades when it trades"
    )
    fixed_cost: Number | None = Field(
        default=None, description="startup: tokens per hour paid if it trades at all (≥ 0)"
    )

    _participant = field_validator("participant")(check_address)

    @field_validator("replaces")
    @classmethod
    def _replaces(cls, value: str | None) -> str | None:
        return None if value is None else check_hash(value)


EXAMPLE_ORDER: dict[str, Any] = {
    "order": {
        "participant": "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
        "nonce": 1,
        "from_hour": 500001,
        "until_hour": 500024,
        "portfolio": {"premium-eu": 1.0},
        "curve": [[-5.0, 12.0], [10.0, 4.0]],
    },
    "chain_id": 31337,
    "verifying_contract": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    "signature": "0x282a3d0464da77dbd36a5b9ec5f62c414af5bb99f533d1a49a46a1a72862d6a6"
    "2a25c1bc24cd085b65d3790f1b4a9c5212653b227064270415383fb08da079341c",
}
EXAMPLE_CANCEL: dict[str, Any] = {
    "participant": "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    "chain_id": 31337,
    "signature": "0x1d4c7335639bec3801c40fbca7a01361a963a0ab027f7aeb0ba2dee4b58b473f"
    "3ac2eec1d04aa7de72a7ba557fae0647e33c981a6dde1f40e6066bb5ca4a021d1c",
}


class SignedEnvelope(Strict):
    """The parts every EIP-712 signed write carries besides its message: the domain's
    chain id and (optionally) verifying contract, and the 65-byte signature."""

    chain_id: Annotated[StrictInt, Field(ge=1, le=MAX_NONCE)]
    verifying_contract: str | None = documented(ADDRESS_RE, default=None)
    signature: str = documented(SIGNATURE_RE, examples=[EXAMPLE_SIGNATURE])

    _signature = field_validator("signature")(check_signature)

    @field_validator("verifying_contract")
    @classmethod
    def _contract(cls, value: str | None) -> str | None:
        return None if value is None else check_address(value)


class SignedOrderIn(SignedEnvelope):
    """An order with the participant's EIP-712 signature and the domain it signed for.

    The example is a real signature by Hardhat development account #3 (order id
    0xa371181e5c82d61fced4f9528181068f27cc623222042c8051e509b157853716)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_ORDER]})

    order: OrderIn


class CancelIn(Strict):
    """`Cancel(participant, orderHash)` signed by the order's participant."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_CANCEL]})

    participant: str = documented(ADDRESS_RE, examples=[EXAMPLE_ADDRESS])
    chain_id: Annotated[StrictInt, Field(ge=1, le=MAX_NONCE)]
    signature: str = documented(SIGNATURE_RE, examples=[EXAMPLE_SIGNATURE])

    _participant = field_validator("participant")(check_address)
    _signature = field_validator("signature")(check_signature)


class ReceiptOut(BaseModel):
    """The operator's EIP-712 signature over Receipt(orderHash, participant, nonce,
    action, recordedAt): proof that the order was accepted (or cancelled)."""

    order_hash: str
    participant: str
    nonce: int
    action: ReceiptAction
    recorded_at: int
    operator: str
    signature: str


class OutcomeOut(BaseModel):
    """One cleared hour of a non-convex order: accepted (it traded `quantity` GB/h of its
    portfolio) or rejected (0); of a portfolio order: its quantity and the rate of each of
    its portfolios."""

    hour: int
    accepted: bool | None = Field(
        default=None, description="a non-convex order: accepted or not; None otherwise"
    )
    quantity: float
    portfolios: dict[str, float] | None = Field(
        default=None, description="a portfolio order: {portfolio name: its rate GB/h}"
    )


class OrderOut(BaseModel):
    order_hash: str
    participant: str
    nonce: int
    from_hour: int
    until_hour: int
    portfolio: dict[str, float]
    curve: list[list[float]]
    replaces: str | None
    signature: str
    accepted_at: float
    cancelled_at: float | None
    replaced_by: str | None
    status: OrderStatus
    batch_hash: str | None = Field(
        default=None,
        description="the signed batch that placed this order: `signature` and the receipt "
        "are then the batch's (see POST /v1/orders/batch)",
    )
    terms: dict[str, str | float] | None = Field(
        default=None,
        description="a non-convex order's kind and parameters (docs/nonconvex.md), as signed",
    )
    portfolios: list[dict[str, Any]] | None = Field(
        default=None,
        description="a portfolio order's named portfolios as signed ([{name, weight, "
        "products}], docs/portfolios.md); `portfolio` is then empty",
    )
    outcomes: list[OutcomeOut] = Field(
        default_factory=list,
        description="a non-convex or portfolio order: each cleared hour that held it",
    )


class OrderAccepted(BaseModel):
    order: OrderOut
    receipt: ReceiptOut
    cancel_receipt: ReceiptOut | None = None
    duplicate: bool = Field(description="true when this exact signed order was stored before")


class DomainOut(BaseModel):
    name: str
    version: str
    chain_id: int
    verifying_contract: str
    operator: str
    open_hour: int = Field(description="first delivery hour whose bidding window is open")


class ProductOut(BaseModel):
    name: str
    kind: str
    region: str
    description: str
    product_id: str = Field(description="keccak256(bytes(name)), the on-chain identifier")


class NonceOut(BaseModel):
    participant: str
    min_valid_nonce: int
    next_nonce: int


class ChallengeIn(Strict):
    address: str = documented(ADDRESS_RE, examples=[EXAMPLE_ADDRESS])
    _address = field_validator("address")(check_address)


class ChallengeOut(BaseModel):
    message: str
    nonce: str
    expires_at: int


class LoginIn(Strict):
    message: str = Field(max_length=2000)
    signature: str = documented(SIGNATURE_RE)
    _signature = field_validator("signature")(check_signature)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    address: str
    expires_at: int


class ProductResultOut(BaseModel):
    hour: int
    product: str
    price: float
    volume: float
    slope: float


class LinkOut(BaseModel):
    """One link of a cleared hour (docs/network.md): capacity and flow GB/h, its price
    (tokens per GB of capacity), rent and transport charge (tokens/h) paid to its owner,
    utilisation = flow / capacity, and the flow of each commodity it carries."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    from_: str = Field(alias="from")
    to: str
    capacity: float
    cost: float
    flow: float
    utilisation: float | None
    shadow_price: float
    rent: float
    charge: float
    owner: str | None
    flows: dict[str, float]


class NetworkOut(BaseModel):
    """The network of a cleared hour: every link, the congestion rent (Σ price × capacity)
    and the transport charges (Σ cost × flow), tokens/h."""

    hour: int
    congestion_rent: float
    transport_charge: float
    links: list[LinkOut]


class CommitmentOut(BaseModel):
    hour: int
    orders_root: str
    prices_root: str
    positions_root: str
    commit_tx_hash: str
    committed_at: float | None


class HourOut(BaseModel):
    hour: int
    cleared_at: float
    n_orders: int
    welfare: float
    prices: dict[str, float]
    commitment: CommitmentOut | None


class ExclusionOut(BaseModel):
    """A standing order the oracle left out of an hour's clearing, and why."""

    hour: int
    order_hash: str
    participant: str
    stage: str = Field(
        description="order-limits | participant-rate | collateral (cut at the snapshot) | "
        "quarantine (the hour's certificate could not reach its tolerance with it)"
    )
    reason: str


class ProofOut(BaseModel):
    hour: int
    key: str
    leaf: str
    proof: list[str]
    root: str


class PositionOut(BaseModel):
    product: str
    quantity: float
    updated_hour: int


class TradeOut(BaseModel):
    hour: int
    product: str
    quantity: float
    price: float
    cash: float = Field(description="-price × quantity for this product; negative = pays")


class FillOut(BaseModel):
    hour: int
    order_hash: str
    quantity: float


class SettlementHourOut(BaseModel):
    """One hour's cash. `cash` is the clearing's gross cash (−Σ price × trade, before
    fees); `fee`/`net_cash` are the exact amounts (wei, decimal strings) of the entry leaf
    the oracle committed on chain, which the weekly settlement pays: net_cash = cash
    rounded to wei − fee. They are null for an hour cleared without an on-chain
    commitment (no leaf, nothing to settle)."""

    hour: int
    cash: float
    accumulated: float
    fee_wei: str | None = None
    net_cash_wei: str | None = None


class SettlementOut(BaseModel):
    """accumulated_cash: the gross cash summed over the hours (before fees);
    to_settle_wei: the exact sum of the committed entries' net cash (after fees, wei),
    what the weekly settlement transfers; fees_wei: the exact fees in it."""

    participant: str
    accumulated_cash: float
    to_settle_wei: str = "0"
    fees_wei: str = "0"
    hours: list[SettlementHourOut]


class ErrorOut(BaseModel):
    error: str
    field: str | None
    message: str
    errors: list[dict[str, Any]] = []
