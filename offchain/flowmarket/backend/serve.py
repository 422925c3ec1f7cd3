"""Wire the participation API from settings: database, domain, operator key, limits."""

from __future__ import annotations

import json
import logging
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session
from uvicorn.config import STARTUP_FAILURE

from flowmarket.api.app import create_app
from flowmarket.api.limits import ApiLimits
from flowmarket.api.routes_faucet import FaucetPort
from flowmarket.backend.auctions import SqlAuctions
from flowmarket.backend.chain_rules import ChainRules
from flowmarket.backend.lazy_chain_view import chain_connector, chain_view_from_settings
from flowmarket.backend.participation import SqlBackend
from flowmarket.backend.settlement_proofs import StoredProofs
from flowmarket.chain.deploy import load_deployment
from flowmarket.config import HARDHAT_DEV_KEYS, Settings, load_settings
from flowmarket.db import orders_repo, secrets_repo
from flowmarket.db.engine import make_engine, upgrade
from flowmarket.db.models import Product
from flowmarket.errors import InvalidInput, MarketError
from flowmarket.signing import Domain
from flowmarket.web import mount_web

logger = logging.getLogger("uvicorn.error")


def api_limits(settings: Settings) -> ApiLimits:
    return ApiLimits(
        max_open_orders_per_participant=settings.api_max_open_orders,
        max_curve_points=settings.api_max_curve_points,
        max_portfolio_products=settings.api_max_portfolio_products,
        max_body_bytes=settings.api_max_body_bytes,
        max_batch_orders=settings.api_max_batch_orders,
        max_batch_body_bytes=settings.api_max_batch_body_bytes,
        max_requests_per_minute=settings.api_rate_per_minute,
        token_lifetime_s=settings.api_token_lifetime_s,
        usage_operator=settings.realtime_operator,
        usage_capacity_gbh=settings.realtime_capacity_gbh,
        usage_settle_lag=settings.realtime_settle_lag,
    )


SESSION_SECRET = "api-session-token"


def session_secret(engine: Engine) -> bytes:
    """The HMAC key of access tokens: 32 random bytes generated at this deployment's first
    start and stored in its database, so every worker and every restart accepts the same
    tokens and nobody can derive it from a key (the operator key may be a public one)."""
    with Session(engine) as session:
        value = secrets_repo.get_or_create(
            session, name=SESSION_SECRET, make=lambda: secrets.token_hex(32)
        )
    return bytes.fromhex(value)


def check_operator_key(settings: Settings) -> None:
    """Refuse an operator key that is one of Hardhat's public development keys unless the
    settings allow it (`flowmarket serve --dev`, the demo and the tests): anyone could sign
    receipts with it."""
    if settings.oracle_key in HARDHAT_DEV_KEYS and not settings.allow_dev_keys:
        raise InvalidInput(
            "oracle_key: is one of Hardhat's public development keys, with which anyone can "
            "sign the operator's receipts; set FLOWMARKET_ORACLE_KEY to this market's own key, "
            "or pass --dev to serve a local test market"
        )


def open_database(url: str) -> Engine:
    """Engine for `url` with every migration applied."""
    engine = make_engine(url)
    upgrade(engine)
    return engine


def _product(raw: Any, index: int) -> Product:
    if isinstance(raw, str):
        raw = {"name": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
        raise InvalidInput(f"products[{index}]: needs a non-empty 'name'")
    if len(raw["name"]) > 128:
        raise InvalidInput(f"products[{index}].name: longer than 128 characters")
    fields = {k: str(raw.get(k, "")) for k in ("kind", "region", "description")}
    return Product(name=raw["name"], active=bool(raw.get("active", True)), **fields)


def load_catalogue(engine: Engine, path: Path) -> int:
    """Load a catalogue file: {"products": [name | {name, kind, region, description}]}."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{path}: cannot read a JSON catalogue ({exc})") from exc
    items = data.get("products") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InvalidInput(f"{path}: expected a list of products or {{'products': [...]}}")
    products = [_product(raw, k) for k, raw in enumerate(items)]
    with Session(engine) as session:
        return orders_repo.upsert_products(session, products=products)


def build_app(
    settings: Settings,
    *,
    engine: Engine,
    domain: Domain | None = None,
    clock: Callable[[], float] = time.time,
    limits: ApiLimits | None = None,
    faucet: FaucetPort | None = None,
) -> FastAPI:
    """The API over `engine` plus the web app (pages; chain reads through the node of the
    deployment file); the domain comes from the deployment file unless given. clock: Unix
    seconds the API stamps requests with and checks windows against (a demo's virtual
    clock; the wall clock by default). The sign-in domain is the served
    `api_host:api_port`. Raises InvalidInput for a public development operator key unless
    `settings.allow_dev_keys`. limits: the settings' unless given; faucet: a local
    market's (`flowmarket local up`)."""
    check_operator_key(settings)
    app = create_app(
        backend=SqlBackend(engine),
        domain=domain or load_deployment(settings).domain(),
        operator_key=settings.oracle_key,
        token_secret=session_secret(engine),
        limits=limits or api_limits(settings),
        clock=clock,
        login_domain=f"{settings.api_host}:{settings.api_port}",
        auctions=SqlAuctions(engine),
        proofs=StoredProofs(engine, settings.state_dir),
        rules=ChainRules(chain_connector(settings)),
        faucet=faucet,
    )
    mount_web(app, chain=chain_view_from_settings(settings))
    return app


def app_from_settings() -> FastAPI:
    """ASGI factory for `uvicorn --factory` workers: everything from `load_settings()`.

    The parent (`flowmarket serve`) has already applied the migrations. A worker that
    cannot build the app (its deployment file broken since the parent read it, a setting
    it rejects) exits with uvicorn's start-up failure code, which stops the server
    (`backend.workers`): any other exit would be restarted into the same failure, a
    process a tick, for as long as the server runs. A market error is logged as its
    message; anything else with its traceback."""
    try:
        settings = load_settings()
        return build_app(settings, engine=make_engine(settings.effective_database_url))
    except MarketError as exc:
        logger.error("worker start-up failed: %s", exc)
    except Exception:
        logger.exception("worker start-up failed")
    sys.exit(STARTUP_FAILURE)
