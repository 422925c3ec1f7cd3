"""A real HTTP server (uvicorn, free port, own thread) over a fresh SQLite database:
`live_api` serves `create_app`, `served_app` what `flowmarket serve` serves (`build_app`:
the API and the web pages), both on a test clock."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI, Request, Response
from live_api_harness import Clock, LiveApi
from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.api.app import create_app
from flowmarket.api.limits import ApiLimits
from flowmarket.backend.participation import SqlBackend
from flowmarket.backend.serve import build_app, open_database, session_secret
from flowmarket.config import Settings
from flowmarket.db import orders_repo
from flowmarket.db.models import Product
from flowmarket.signing import Domain

OPERATOR_KEY = "0x" + "0b" * 32
DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
METERING_OPERATOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # Hardhat dev key 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(app: FastAPI) -> tuple[uvicorn.Server, threading.Thread, int]:
    """Start uvicorn for `app` on a free port in a daemon thread."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    return server, thread, port


def market_database(path: Path, products: tuple[str, ...]) -> Engine:
    engine = open_database(f"sqlite:///{path}")
    with Session(engine) as session:
        orders_repo.upsert_products(session, products=[Product(name=n) for n in products])
    return engine


@pytest.fixture
def live_api(tmp_path: Path) -> Iterator[LiveApi]:
    engine = market_database(tmp_path / "market.sqlite", ("premium-eu", "regular-eu"))
    clock = Clock(now=1_800_000_100.0)
    app = create_app(
        backend=SqlBackend(engine),
        domain=DOMAIN,
        operator_key=OPERATOR_KEY,
        token_secret=session_secret(engine),
        clock=clock,
    )
    server, thread, port = serve(app)
    yield LiveApi(f"http://127.0.0.1:{port}", engine, clock, tmp_path / "state")
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture
def closing_hour_api(tmp_path: Path) -> Iterator[tuple[LiveApi, list[str]]]:
    """`live_api` where the open hour (500001) closes right after the API first answers
    GET /v1/domain: whatever a client read there is one hour old by its next request.
    Also yields the paths of the POSTs served, in order."""
    engine = market_database(tmp_path / "market.sqlite", ("premium-eu", "regular-eu"))
    clock = Clock(now=1_800_000_100.0)
    app = create_app(
        backend=SqlBackend(engine),
        domain=DOMAIN,
        operator_key=OPERATOR_KEY,
        token_secret=session_secret(engine),
        clock=clock,
    )
    posts: list[str] = []
    closed: list[bool] = []

    @app.middleware("http")
    async def the_hour_closes(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.method == "POST":
            posts.append(request.url.path)
        response = await call_next(request)
        if request.url.path == "/v1/domain" and not closed:
            clock.now += 3600.0
            closed.append(True)
        return response

    server, thread, port = serve(app)
    yield LiveApi(f"http://127.0.0.1:{port}", engine, clock, tmp_path / "state"), posts
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture
def served_app(tmp_path: Path, settings: Settings) -> Iterator[LiveApi]:
    """`build_app` as `flowmarket serve` builds it, with the test clock injected."""
    products = ("premium-eu", "regular-eu", "rt:eu-west:premium:2027-01-15T08")
    engine = market_database(tmp_path / "served.sqlite", products)
    clock = Clock(now=1_800_000_100.0)  # 100 s into 2027-01-15T08
    local = replace(settings, state_dir=tmp_path / "state", allow_dev_keys=True)
    server, thread, port = serve(build_app(local, engine=engine, domain=DOMAIN, clock=clock))
    yield LiveApi(f"http://127.0.0.1:{port}", engine, clock, local.state_dir)
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture
def metered_api(tmp_path: Path) -> Iterator[LiveApi]:
    """An API whose limits name a network operator (the real-time tests' OPERATOR, a
    Hardhat development address) metering 10 GB per region and hour."""
    engine = market_database(tmp_path / "market.sqlite", ())
    clock = Clock(now=1_800_007_300.0)  # hour 500001: hour 500000 is delivered
    app = create_app(
        backend=SqlBackend(engine),
        domain=DOMAIN,
        operator_key=OPERATOR_KEY,
        token_secret=session_secret(engine),
        clock=clock,
        limits=ApiLimits(usage_operator=METERING_OPERATOR, usage_capacity_gbh=10.0),
    )
    server, thread, port = serve(app)
    yield LiveApi(f"http://127.0.0.1:{port}", engine, clock, tmp_path / "state")
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()
