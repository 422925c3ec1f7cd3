"""Serve the pages and the web app's JSON endpoints; `mount_web` adds them to the API app.

GET  /, /participant, /governance          the pages (static HTML)
GET  /static/...                           their CSS and ES modules
POST /v1/web/typed-data/order              EIP-712 document of a draft order
POST /v1/web/typed-data/cancel             EIP-712 document of a cancel
POST /v1/web/typed-data/batch              EIP-712 document of a batch of orders and cancels
GET  /v1/web/governance                    proposals with state and tallies
GET  /v1/web/governance/voters/{address}   balance, votes, delegate, votes cast
POST /v1/web/governance/proposals/{id}/vote-tx, /v1/web/governance/delegate-tx/{address}
GET  /v1/web/collateral/{address}          collateral, requirement and warning
POST /v1/web/collateral/{address}/deposit-tx
GET  /v1/web/settlement/{address}          proven weekly leaves; POST .../pay-tx pays one
GET  /v1/web/revenue/{address}             revenue shares; POST .../claim-tx, .../close-tx
POST /v1/web/governance/propose-tx/{address}   a proposal of typed changes
The POST .../*-tx routes answer a plan: the transactions for the wallet to send, checked
against the chain first (409 with the reason when the chain would refuse).
"""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Any

from eth_utils.address import to_checksum_address
from fastapi import APIRouter, FastAPI, Path, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from flowmarket.api.batch_intake import renamed
from flowmarket.api.batch_schemas import OrderBatchIn
from flowmarket.api.context import Context
from flowmarket.api.schemas import ADDRESS_RE, ErrorOut
from flowmarket.api.settlement_backend import SettlementProofs
from flowmarket.errors import ActionRefused, ChainError, FieldError, TransactionReverted
from flowmarket.money import parse_tokens
from flowmarket.signing import (
    CancelMessage,
    Domain,
    ExpectedPositionsMessage,
    OrderBatchMessage,
    OrderMessage,
    digest,
    typed_data,
)
from flowmarket.signing.fixed_point import to_fixed
from flowmarket.web.schemas import (
    CancelDraftIn,
    ChainView,
    CollateralOut,
    DepositIn,
    ExpectedDraftIn,
    GovernanceOut,
    OrderDraftIn,
    PayIn,
    PlanOut,
    ProposalIn,
    RevenueOut,
    SettlementOut,
    TxOut,
    TypedDataOut,
    VoteIn,
    VoterOut,
)

STATIC = FilePath(__file__).resolve().parent / "static"
PAGES = {"/": "index.html", "/participant": "participant.html", "/governance": "governance.html"}
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": ErrorOut} for c in (404, 422, 503)}
Address = Path(pattern=ADDRESS_RE.pattern, description="an account address")

pages = APIRouter(include_in_schema=False)
router = APIRouter(prefix="/v1/web", tags=["web"])


def _page(name: str) -> Any:
    def serve() -> FileResponse:
        return FileResponse(STATIC / name, media_type="text/html")

    return serve


for _route, _file in PAGES.items():
    pages.add_api_route(_route, _page(_file), methods=["GET"])


def json_safe(value: Any) -> Any:
    """Typed data as JSON a wallet accepts: bytes → 0x-hex, integers → decimal strings."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return [json_safe(item) for item in value]
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    return value


def signable(
    domain: Domain,
    message: OrderMessage | OrderBatchMessage | CancelMessage | ExpectedPositionsMessage,
) -> TypedDataOut:
    document = typed_data(domain, message)
    safe = json_safe({key: document[key] for key in ("primaryType", "message")})
    chain_id = int(document["domain"]["chainId"])
    return TypedDataOut(
        typed_data={
            "types": document["types"],
            "primaryType": safe["primaryType"],
            "domain": {**document["domain"], "chainId": chain_id},
            "message": safe["message"],
        },
        digest=digest(domain, message),
    )


@router.post("/typed-data/order", response_model=TypedDataOut, responses=ERRORS)
def order_typed_data(body: OrderDraftIn, context: Context) -> TypedDataOut:
    """The `eth_signTypedData_v4` document for a draft order, and its id (digest)."""
    for name, weight in body.portfolio.items():
        to_fixed(weight, field=f"order.portfolio.{name}")
    message = OrderMessage(
        participant=to_checksum_address(body.participant),
        nonce=body.nonce,
        from_hour=body.from_hour,
        until_hour=body.until_hour,
        portfolio=dict(body.portfolio),
        curve=tuple((float(q), float(p)) for q, p in body.curve),
        replaces=body.replaces,
    )
    return signable(context.domain, message)


@router.post("/typed-data/expected-positions", response_model=TypedDataOut, responses=ERRORS)
def expected_typed_data(body: ExpectedDraftIn, context: Context) -> TypedDataOut:
    """The `eth_signTypedData_v4` document for an expected-positions report, and its id."""
    message = ExpectedPositionsMessage(
        participant=to_checksum_address(body.participant),
        nonce=body.nonce,
        deadline=body.deadline,
        positions=dict(body.positions),
    )
    return signable(context.domain, message)


@router.post("/typed-data/batch", response_model=TypedDataOut, responses=ERRORS)
def batch_typed_data(body: OrderBatchIn, context: Context) -> TypedDataOut:
    """The `eth_signTypedData_v4` document for a batch (the `batch` part of `POST
    /v1/orders/batch`): one signature for all its orders and cancels, and its id."""
    orders = []
    for i, order in enumerate(body.orders):
        message = OrderMessage(
            participant=to_checksum_address(order.participant),
            nonce=order.nonce,
            from_hour=order.from_hour,
            until_hour=order.until_hour,
            portfolio={name: float(w) for name, w in order.portfolio.items()},
            curve=tuple((float(q), float(p)) for q, p in order.curve),
            replaces=order.replaces,
        )
        try:
            message.struct()  # every number's fixed-point form
        except FieldError as exc:
            raise renamed(exc, f"batch.orders[{i}]") from None
        orders.append(message)
    participant = to_checksum_address(body.participant)
    return signable(
        context.domain, OrderBatchMessage(participant, tuple(orders), tuple(body.cancels))
    )


@router.post("/typed-data/cancel", response_model=TypedDataOut, responses=ERRORS)
def cancel_typed_data(body: CancelDraftIn, context: Context) -> TypedDataOut:
    """The `eth_signTypedData_v4` document cancelling one order."""
    message = CancelMessage(to_checksum_address(body.participant), body.order_hash)
    return signable(context.domain, message)


def _chain(request: Request) -> ChainView:
    view: ChainView | None = request.app.state.chain_view
    if view is None:
        raise ChainError("this server was started without a chain connection")
    return view


@router.get("/governance", response_model=GovernanceOut, responses=ERRORS)
def governance(request: Request) -> GovernanceOut:
    """Every proposal of the market's governor, newest first, with state and tallies."""
    return _chain(request).governance()


@router.get("/governance/voters/{address}", response_model=VoterOut, responses=ERRORS)
def voter(request: Request, address: str = Address) -> VoterOut:
    """An account's governance-token balance, current votes and delegate."""
    return _chain(request).voter(to_checksum_address(address))


@router.post(
    "/governance/proposals/{proposal_id}/vote-tx",
    response_model=TxOut,
    responses={**ERRORS, 409: {"model": ErrorOut}},
)
def vote_tx(
    request: Request, body: VoteIn, proposal_id: str = Path(pattern=r"^[0-9]{1,78}$")
) -> TxOut:
    """Calldata of `castVote(proposalId, support)` for the wallet to send; 404 for a
    proposal the governor does not know, 409 for one that is not Active."""
    return _chain(request).vote_tx(int(proposal_id), body.support)


@router.post("/governance/delegate-tx/{address}", response_model=TxOut, responses=ERRORS)
def delegate_tx(request: Request, address: str = Address) -> TxOut:
    """Calldata of `delegate(address)` on the governance token (votes need delegation)."""
    return _chain(request).delegate_tx(to_checksum_address(address))


@router.get("/collateral/{address}", response_model=CollateralOut, responses=ERRORS)
def collateral(request: Request, address: str = Address) -> CollateralOut:
    """Collateral locked in the vault, the posted requirement, and a warning status."""
    return _chain(request).collateral(to_checksum_address(address))


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
    return _chain(request).deposit_plan(to_checksum_address(address), amount)


REFUSABLE: dict[int | str, dict[str, Any]] = {**ERRORS, 409: {"model": ErrorOut}}


@router.get("/settlement/{address}", response_model=SettlementOut, responses=ERRORS)
def settlement(request: Request, address: str = Address) -> SettlementOut:
    """`address`'s leaf of every posted settlement week, proven against the root on chain,
    with the contract's record of it and what can be done now."""
    return _chain(request).settlement(to_checksum_address(address), _proofs(request))


@router.post("/settlement/{address}/pay-tx", response_model=PlanOut, responses=REFUSABLE)
def pay_tx(request: Request, body: PayIn, address: str = Address) -> PlanOut:
    """The transactions paying `address`'s debit of a week (or curing its default): an
    approval when the settlement's allowance is short, then the pull; 409 when it cannot
    be paid now (nothing owed, already paid, challenge window open, balance short)."""
    return _chain(request).pay_plan(to_checksum_address(address), body.week, _proofs(request))


@router.get("/revenue/{address}", response_model=RevenueOut, responses=ERRORS)
def revenue(request: Request, address: str = Address) -> RevenueOut:
    """The open revenue epoch and `address`'s share of every closed one."""
    return _chain(request).revenue(to_checksum_address(address))


@router.post("/revenue/{address}/claim-tx", response_model=PlanOut, responses=REFUSABLE)
def claim_tx(request: Request, address: str = Address) -> PlanOut:
    """The claims of `address`'s share of every closed epoch with one; 409 when none."""
    return _chain(request).claim_plan(to_checksum_address(address))


@router.post("/revenue/{address}/close-tx", response_model=PlanOut, responses=REFUSABLE)
def close_tx(request: Request, address: str = Address) -> PlanOut:
    """Closing the open revenue epoch as `address`; 409 before its duration has passed."""
    return _chain(request).close_plan(to_checksum_address(address))


@router.post("/governance/propose-tx/{address}", response_model=PlanOut, responses=REFUSABLE)
def propose_tx(request: Request, body: ProposalIn, address: str = Address) -> PlanOut:
    """The proposal of the typed changes as `address`, each simulated as the timelock
    would execute it; 409 when the chain refuses (e.g. not enough votes to propose, a
    change that would fail), 422 for a field that is not valid."""
    return _chain(request).propose_plan(to_checksum_address(address), body)


def _proofs(request: Request) -> SettlementProofs | None:
    proofs: SettlementProofs | None = getattr(request.app.state, "proofs", None)
    return proofs


def _chain_error(request: Request, exc: Exception) -> JSONResponse:
    refused = isinstance(exc, ActionRefused | TransactionReverted)
    body: dict[str, Any] = {
        "error": "refused" if refused else "unavailable",
        "field": None,
        "message": str(exc),
        "errors": [],
    }
    return JSONResponse(body, 409 if refused else 503)


def mount_web(app: FastAPI, *, chain: ChainView | None) -> None:
    """Add the pages, static files and web endpoints to `app` (the API app)."""
    app.state.chain_view = chain
    app.add_exception_handler(ChainError, _chain_error)
    app.include_router(pages)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
