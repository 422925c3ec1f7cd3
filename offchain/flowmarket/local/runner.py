"""The supervisor of `flowmarket local up`: set up (or resume) the market, serve the API
and the web app, and run the hours until stopped.

Every market hour (`LocalOptions.hour_length_s` wall seconds), in one loop:
- once an hour's window has closed, the chain's clock is moved to its close (the ledger
  accepts an hour only once it has closed on chain) and the oracle snapshots, clears,
  commits and publishes it (and settles every complete week);
- the catalogue's products are loaded a day ahead of the open hour;
- with agents, the demo's cast bids once per hour, in the open hour's window.
The API stamps orders with the market's clock (`clock.MarketClock`); its sign-in
challenges and access tokens last as long in wall time as on a real market.

SIGINT (Ctrl-C) and SIGTERM (`local down`) stop it: the API, the agents' clients, the
database and the node it started, in that order; nothing is left running.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import uvicorn
from eth_account import Account
from fastapi import FastAPI
from sqlalchemy import Engine

from flowmarket.agents import demo_population
from flowmarket.api.limits import ApiLimits
from flowmarket.backend.products_table import load_spec_products
from flowmarket.backend.serve import api_limits, build_app, open_database
from flowmarket.catalogue.hours import SECONDS_PER_HOUR, format_hour
from flowmarket.chain.node import advance_chain_to, stop_background
from flowmarket.client.participant_client import ParticipantClient
from flowmarket.config import Settings
from flowmarket.demo.desk import AgentDesk
from flowmarket.demo.events import DemoEvent, EventSink
from flowmarket.demo.runner import DEMO_MAX_OPEN_ORDERS
from flowmarket.demo.traders import WalletTrader
from flowmarket.errors import ApiUnavailable
from flowmarket.local.clock import MarketClock
from flowmarket.local.faucet import Faucet
from flowmarket.local.setup import (
    CAST_SEED,
    LocalOptions,
    Market,
    check_fresh,
    fresh_market,
    resumable,
)
from flowmarket.local.state import LocalRecord, local_dir, write_record
from flowmarket.oracle.cycle import Oracle, open_oracle

LIST_AHEAD_HOURS = 24  # products are in the database this many hours past the open one
POLL_S = 0.2
API_START_S = 20.0
TOLERANCE = 0.5  # the demo's: an agent replaces an order whose curve moved > half its scale


def market_settings(settings: Settings, record: LocalRecord) -> Settings:
    """The settings the oracle and the API run with on this market."""
    return replace(
        settings,
        rpc_url=record.rpc_url,
        allow_dev_keys=True,
        # The oracle runs on the market's clock (`clock`), whose hours are 3600 s long.
        oracle_hour_length_s=float(SECONDS_PER_HOUR),
        oracle_epoch_s=0.0,
        oracle_poll_s=POLL_S,
        oracle_crash_at="",
        api_max_open_orders=max(settings.api_max_open_orders, DEMO_MAX_OPEN_ORDERS),
    )


def scaled_limits(settings: Settings, speed: float) -> ApiLimits:
    """The API's limits with sign-in challenges and tokens lasting as long in wall time as
    on a market of real hours (`speed` market seconds per wall second)."""
    limits = api_limits(settings)
    return replace(
        limits,
        token_lifetime_s=round(limits.token_lifetime_s * speed),
        challenge_lifetime_s=round(limits.challenge_lifetime_s * speed),
    )


@contextmanager
def served(app: FastAPI, host: str, port: int) -> Iterator[None]:
    """`app` served by uvicorn in a daemon thread until the block ends."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="local-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + API_START_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise ApiUnavailable(
                f"the API could not listen on {host}:{port} (is the port taken? pick another "
                "with FLOWMARKET_API_PORT)"
            )
        time.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def log_to_file(settings: Settings) -> None:
    """The oracle's log lines go to <state>/local/logs/oracle.log."""
    path = local_dir(settings) / "logs" / "oracle.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger("flowmarket")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False


@dataclass
class LiveMarket:
    """The hours of a running market (see the module docstring)."""

    engine: Engine
    oracle: Oracle
    clock: MarketClock
    market: Market
    desk: AgentDesk | None
    emit: EventSink
    bid_hour: int = 0
    listed_until: int = 0

    def step(self) -> None:
        """Do what is due now: publish a closed hour, list products, let the agents bid."""
        hour = self.oracle.next_hour()
        if self.oracle.ctx.clock.is_closed(hour, self.clock()):
            self.publish(hour)
            return
        open_hour = self.clock.open_hour()
        if self.listed_until < open_hour + LIST_AHEAD_HOURS // 2:
            first = max(self.listed_until + 1, open_hour)
            self.listed_until = open_hour + LIST_AHEAD_HOURS
            load_spec_products(self.engine, self.market.spec, first, self.listed_until)
        if self.desk is not None and self.bid_hour < open_hour:
            self.bid_hour = open_hour
            counts = self.desk.bid(open_hour)
            self.emit(
                DemoEvent(
                    "agents",
                    open_hour,
                    0,
                    f"hour {format_hour(open_hour)}: the agents changed {counts.orders} orders",
                )
            )

    def publish(self, hour: int) -> None:
        advance_chain_to(self.oracle.ctx.market.client.w3, hour * SECONDS_PER_HOUR)
        self.oracle.tick(now=self.clock(), limit=1)
        if self.oracle.next_hour() > hour:
            if self.desk is not None:
                self.desk.learn(hour)
            self.emit(DemoEvent("oracle", hour, 0, f"hour {format_hour(hour)} published"))


def _desk(market: Market, engine: Engine, api_url: str) -> AgentDesk | None:
    agents = market.record.agents
    if agents is None:
        return None
    population = demo_population(market.spec, CAST_SEED, synthetic=agents)
    traders = [
        WalletTrader(
            agent,
            market.cast[agent.name],
            ParticipantClient(api_url, Account.from_key(market.cast[agent.name].key)),
        )
        for agent in population.agents
    ]
    return AgentDesk(engine, market.spec, traders, TOLERANCE)


def run_local(
    settings: Settings,
    options: LocalOptions,
    emit: EventSink,
    on_ready: Callable[[LocalRecord, bool], None],
    *,
    stop: threading.Event,
) -> None:
    """Set up or resume, then run until `stop` is set or the process is interrupted; the
    node is stopped on the way out whatever happens."""
    market = resumable(settings)
    if market is None:
        check_fresh(settings)  # refusals come before anything starts
    try:
        market = market or fresh_market(settings, options, emit)
        record = replace(market.record, pid=os.getpid())
        write_record(settings, record)
        try:
            _run(settings, market, record, emit, on_ready, stop)
        finally:
            write_record(settings, replace(record, pid=0))
    finally:
        stop_background(settings)


def _run(
    settings: Settings,
    market: Market,
    record: LocalRecord,
    emit: EventSink,
    on_ready: Callable[[LocalRecord, bool], None],
    stop: threading.Event,
) -> None:
    local = market_settings(settings, record)
    log_to_file(local)
    engine = open_database(local.effective_database_url)
    clock = MarketClock(record.genesis_hour, record.epoch_s, record.hour_length_s)
    oracle = open_oracle(local, engine, now=clock())
    app = build_app(
        local,
        engine=engine,
        clock=clock,
        limits=scaled_limits(local, clock.speed),
        faucet=Faucet(local),
    )
    desk: AgentDesk | None = None
    try:
        with served(app, local.api_host, local.api_port):
            desk = _desk(market, engine, record.api_url)
            live = LiveMarket(engine, oracle, clock, market, desk, emit)
            live.step()  # the products of the open hour are listed before anyone looks
            on_ready(record, market.resumed)
            while not stop.is_set():
                live.step()
                stop.wait(POLL_S)
    finally:
        for trader in desk.traders if desk is not None else ():
            trader.client.close()
        engine.dispose()
