"""Serve the pages and the web app's JSON endpoints; `mount_web` adds them to the API app.

GET  /, /participant, /governance          the pages (static HTML)
GET  /static/...                           their CSS and ES modules
POST /v1/web/typed-data/order              EIP-712 document of a draft order
POST /v1/web/typed-data/cancel             EIP-712 document of a cancel
POST /v1/web/typed-data/batch              EIP-712 document of a batch of orders and cancels
GET  /v1/web/governance                    proposals with state and tallies
GET  /v1/web/governance/voters/{address}   balance, votes, delegate, votes cast
and the wallet actions of `wallet_routes` (collateral, settlement, revenue, governance).
The POST .../*-tx routes answer a plan: the transactions for the wallet to send, checked
against the chain first (409 with the reason when the chain would refuse).
"""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Any

from eth_utils.address import to_checksum_address
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from flowmarket.api.authorisation_schemas import AuthorisationIn
from flowmarket.api.batch_intake import renamed
from flowmarket.api.batch_schemas import OrderBatchIn
from flowmarket.api.context import Context
from flowmarket.api.intake import check_terms
from flowmarket.errors import ActionRefused, ChainError, FieldError, TransactionReverted
from flowmarket.signing import (
    AuthorisationMessage,
    CancelMessage,
    Domain,
    ExpectedPositionsMessage,
    NamedPortfolio,
    OrderBatchMessage,
    OrderMessage,
    digest,
    typed_data,
)
from flowmarket.signing.fixed_point import to_fixed
from flowmarket.web.schemas import (
    CancelDraftIn,
    ChainView,
    ExpectedDraftIn,
    GovernanceOut,
    OrderDraftIn,
    TypedDataOut,
    VoterOut,
)
from flowmarket.web.wallet_routes import ERRORS, Address, chain_of
from flowmarket.web.wallet_routes import router as wallet_router

STATIC = FilePath(__file__).resolve().parent / "static"
PAGES = {"/": "index.html", "/participant": "participant.html", "/governance": "governance.html"}

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
    message: OrderMessage
    | OrderBatchMessage
    | CancelMessage
    | ExpectedPositionsMessage
    | AuthorisationMessage,
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
    """The `eth_signTypedData_v4` document for a draft order, and its id (digest); a
    draft with `portfolios` is a `PortfolioOrder` (docs/portfolios.md)."""
    for name, weight in body.portfolio.items():
        to_fixed(weight, field=f"order.portfolio.{name}")
    curve = [(float(q), float(p)) for q, p in body.curve]
    portfolios = None
    if body.portfolios is not None:
        if body.portfolio:
            raise FieldError("order.portfolio", "give either portfolio or portfolios, not both")
        if body.kind != "curve":
            raise FieldError(
                "order.kind", "an order over several portfolios is a curve (kind 'curve')"
            )
        portfolios = tuple(
            NamedPortfolio(p.name, float(p.weight), {k: float(w) for k, w in p.products.items()})
            for p in body.portfolios
        )
    message = OrderMessage(
        participant=to_checksum_address(body.participant),
        nonce=body.nonce,
        from_hour=body.from_hour,
        until_hour=body.until_hour,
        portfolio={name: float(w) for name, w in body.portfolio.items()},
        curve=tuple(curve),
        replaces=body.replaces,
        terms=check_terms(body, curve),
        portfolios=portfolios,
    )
    return signable(context.domain, message)


@router.post("/typed-data/expected-positions", response_model=TypedDataOut, responses=ERRORS)
def expected_typed_data(body: ExpectedDraftIn, context: Context) -> TypedDataOut:
    """The `eth_signTypedData_v4` document for an expected-positions report, and its id."""
    message = ExpectedPositionsMessage(
        participant=to_checksum_address(body.participant),
        nonce=body.nonce,
        deadline=body.deadline,
        positions={product: float(v) for product, v in body.positions.items()},
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


@router.post("/typed-data/authorisation", response_model=TypedDataOut, responses=ERRORS)
def authorisation_typed_data(body: AuthorisationIn, context: Context) -> TypedDataOut:
    """The `eth_signTypedData_v4` document for an authorisation (the `authorisation` part
    of `POST /v1/authorisations`), and its id (digest)."""
    message = AuthorisationMessage(
        participant=to_checksum_address(body.participant),
        nonce=body.nonce,
        from_hour=body.from_hour,
        until_hour=body.until_hour,
        portfolio={name: float(w) for name, w in body.portfolio.items()},
        min_rate=None if body.min_rate is None else float(body.min_rate),
        max_rate=None if body.max_rate is None else float(body.max_rate),
        min_position=None if body.min_position is None else float(body.min_position),
        max_position=None if body.max_position is None else float(body.max_position),
        replaces=body.replaces,
    )
    return signable(context.domain, message)


@router.post("/typed-data/cancel", response_model=TypedDataOut, responses=ERRORS)
def cancel_typed_data(body: CancelDraftIn, context: Context) -> TypedDataOut:
    """The `eth_signTypedData_v4` document cancelling one order (or, its id given as
    `order_hash`, one authorisation)."""
    message = CancelMessage(to_checksum_address(body.participant), body.order_hash)
    return signable(context.domain, message)


@router.get("/governance", response_model=GovernanceOut, responses=ERRORS)
def governance(request: Request) -> GovernanceOut:
    """Every proposal of the market's governor, newest first, with state and tallies."""
    return chain_of(request).governance()


@router.get("/governance/voters/{address}", response_model=VoterOut, responses=ERRORS)
def voter(request: Request, address: str = Address) -> VoterOut:
    """An account's governance-token balance, current votes and delegate."""
    return chain_of(request).voter(to_checksum_address(address))


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
    app.include_router(wallet_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
