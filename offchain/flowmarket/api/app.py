"""The FastAPI application factory. Storage, domain and operator key are parameters,
so the API runs in tests without a chain; `backend.serve` builds them from settings."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import FastAPI

from flowmarket.api.auction_backend import AuctionBackend
from flowmarket.api.backend import MarketBackend
from flowmarket.api.context import ApiContext
from flowmarket.api.errors import install_error_handlers
from flowmarket.api.limits import ApiLimits, BodySizeLimit
from flowmarket.api.openapi import install_openapi
from flowmarket.api.routes_auctions import router as auctions_router
from flowmarket.api.routes_authorisations import router as authorisations_router
from flowmarket.api.routes_batch import router as batch_router
from flowmarket.api.routes_expected import router as expected_router
from flowmarket.api.routes_faucet import FaucetPort
from flowmarket.api.routes_faucet import router as faucet_router
from flowmarket.api.routes_orders import router as orders_router
from flowmarket.api.routes_private import auth_router
from flowmarket.api.routes_private import router as private_router
from flowmarket.api.routes_public import router as public_router
from flowmarket.api.routes_settlement import router as settlement_router
from flowmarket.api.routes_usage import router as usage_router
from flowmarket.api.rules import MarketRules
from flowmarket.api.settlement_backend import SettlementProofs
from flowmarket.signing import Domain

DESCRIPTION = """
Participation API of flowmarket. Orders are EIP-712 typed data signed by the
participant's wallet (domain: name "flowmarket", version "1", the chain id and the
ClearingLedger address; see `GET /v1/domain`). Every accepted order gets a receipt
signed by the operator. `POST /v1/orders/batch` places, replaces and cancels up to
1,000 orders with one signed `OrderBatch`, in one transaction, answered by one
operator-signed `BatchReceipt` whose Merkle root covers every order. Private
endpoints (`/v1/me/...`) need a bearer token from `POST /v1/auth/challenge` +
`POST /v1/auth/login` (EIP-4361 sign-in).
Expected positions (used by the collateral rule) are reported with an EIP-712
`ExpectedPositions` message signed like orders (`POST /v1/expected-positions`).
Primary capacity auctions (`/v1/auctions`) take EIP-712 `AuctionBid` (clock rounds)
and `PackageBid` (sealed expansion packages) messages.
Errors: `{"error", "field", "message"}` with a 4xx status (400: the body is not JSON;
422: a field is invalid, named in `field`; 413: the body is too large).
"""


def create_app(
    *,
    backend: MarketBackend,
    domain: Domain,
    operator_key: str,
    token_secret: bytes,
    limits: ApiLimits | None = None,
    clock: Callable[[], float] = time.time,
    login_domain: str = "flowmarket.local",
    auctions: AuctionBackend | None = None,
    proofs: SettlementProofs | None = None,
    rules: MarketRules | None = None,
    faucet: FaucetPort | None = None,
) -> FastAPI:
    """Build the API. clock: Unix seconds; token_secret: HMAC key for access tokens;
    auctions: the primary auctions' storage (the auction routes answer 404 without);
    proofs: the published settlement leaves and requirement proofs (404 without);
    rules: the chain's order limits, collateral parameters and collateral for intake's
    economic checks (`economics`; `flowmarket serve` always gives them); faucet: test
    ETH and tokens for new wallets (`flowmarket local up` only; 404 without)."""
    limits = limits or ApiLimits()
    app = FastAPI(title="flowmarket", version="1", description=DESCRIPTION)
    app.state.context = ApiContext.build(
        backend=backend,
        domain=domain,
        operator_key=operator_key,
        limits=limits,
        clock=clock,
        token_secret=token_secret,
        login_domain=login_domain,
        rules=rules,
    )
    app.state.auctions = auctions
    app.state.proofs = proofs
    app.state.faucet = faucet
    install_error_handlers(app)
    app.include_router(public_router)
    app.include_router(batch_router)
    app.include_router(orders_router)
    app.include_router(auth_router)
    app.include_router(private_router)
    app.include_router(expected_router)
    app.include_router(authorisations_router)
    app.include_router(auctions_router)
    app.include_router(settlement_router)
    app.include_router(usage_router)
    app.include_router(faucet_router)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=limits.max_body_bytes,
        per_path={"/v1/orders/batch": limits.max_batch_body_bytes},
    )
    install_openapi(app)
    return app
