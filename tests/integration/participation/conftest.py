"""A real HTTP server (uvicorn, free port, own thread) over a fresh SQLite database."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from live_api_harness import Clock, LiveApi
from sqlmodel import Session

from flowmarket.api.app import create_app
from flowmarket.db import orders_repo
from flowmarket.db.models import Product
from flowmarket.services.participation import SqlBackend
from flowmarket.services.serve import open_database, token_secret
from flowmarket.signing import Domain

OPERATOR_KEY = "0x" + "0b" * 32
DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_api(tmp_path: Path) -> Iterator[LiveApi]:
    engine = open_database(f"sqlite:///{tmp_path / 'market.sqlite'}")
    with Session(engine) as session:
        orders_repo.upsert_products(
            session, products=[Product(name=n) for n in ("premium-eu", "regular-eu")]
        )
    clock = Clock(now=1_800_000_100.0)
    app = create_app(
        backend=SqlBackend(engine),
        domain=DOMAIN,
        operator_key=OPERATOR_KEY,
        token_secret=token_secret(OPERATOR_KEY),
        clock=clock,
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    yield LiveApi(f"http://127.0.0.1:{port}", engine, clock, tmp_path / "state")
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()
