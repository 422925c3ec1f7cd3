"""The participation API of `flowmarket serve`, run by the demo in a thread on a free port,
on a virtual clock.

The demo's hours are the ledger's real hour indices (the oracle clock's 3600-second
hours from the genesis hour), but a week of them passes in minutes: `VirtualClock` is
the time the API stamps on orders and checks windows against, and the time the oracle
closes hours at. The demo moves it: into hour h's bidding window while the agents
trade, then to its close before the oracle clears.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from types import TracebackType

import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from flowmarket.api.app import create_app
from flowmarket.backend.auctions import SqlAuctions
from flowmarket.backend.chain_rules import ChainRules
from flowmarket.backend.lazy_chain_view import chain_connector
from flowmarket.backend.participation import SqlBackend
from flowmarket.backend.serve import api_limits, session_secret
from flowmarket.backend.settlement_proofs import StoredProofs
from flowmarket.catalogue.hours import SECONDS_PER_HOUR
from flowmarket.chain.deploy import load_deployment
from flowmarket.chain.node import free_port
from flowmarket.config import Settings
from flowmarket.errors import ApiUnavailable

STARTUP_TIMEOUT_S = 20.0


@dataclass
class VirtualClock:
    """Unix seconds as the demo says they are."""

    now: float = 0.0

    def __call__(self) -> float:
        return self.now

    def bidding(self, hour: int) -> None:
        """Half-way through hour `hour`'s bidding window (it closes at hour × 3600)."""
        self.now = (hour - 1) * SECONDS_PER_HOUR + SECONDS_PER_HOUR / 2

    def close(self, hour: int) -> None:
        self.now = float(hour * SECONDS_PER_HOUR)


@dataclass
class ApiServer:
    """`create_app` over `engine` (as `flowmarket serve` wires it) served by uvicorn in a
    daemon thread; a context manager that stops it on exit."""

    settings: Settings
    engine: Engine
    clock: VirtualClock
    port: int = 0
    _app: FastAPI | None = field(default=None, repr=False)
    _server: uvicorn.Server | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def app(self) -> FastAPI:
        if self._app is None:
            raise ApiUnavailable("the demo API is not started")
        return self._app

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ApiServer:
        self._app = app = create_app(
            backend=SqlBackend(self.engine),
            domain=load_deployment(self.settings).domain(),
            operator_key=self.settings.oracle_key,
            token_secret=session_secret(self.engine),
            limits=api_limits(self.settings),
            clock=self.clock,
            auctions=SqlAuctions(self.engine),
            rules=ChainRules(chain_connector(self.settings)),
            proofs=StoredProofs(self.engine, self.settings.state_dir),  # leaves to pay with
        )
        self.port = self.port or free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="demo-api", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ApiUnavailable(f"the demo API did not start on port {self.port}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
