"""The demo's hours: the cast bids through the API, then the oracle clears, commits on
chain and publishes; the first week then settles on chain.

Hour h: the virtual clock moves into h's bidding window (the chain's clock follows it, as
the contracts refuse hours that have not closed); every agent sees the catalogue
listed at h, the last published price of each product and its own positions in
products not yet delivered (the sum of its published hourly trades, as the API serves
them) and trades; the clock
moves to h's close and `Oracle.tick` runs snapshot → collateral → solve → commit →
publish for h (and posts a week's settlement root once its 168 hours are published).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.catalogue import CatalogueSpec
from flowmarket.chain.node import advance_chain_to
from flowmarket.db import oracle_repo, results_repo
from flowmarket.demo.api_server import VirtualClock
from flowmarket.demo.desk import AgentDesk
from flowmarket.demo.events import DemoEvent, EventSink
from flowmarket.demo.traders import TradeCounts, WalletTrader
from flowmarket.errors import ChainError, JournalError
from flowmarket.oracle.cycle import Oracle
from flowmarket.states import WeekStatus

SETTLE_ATTEMPTS = 5


@dataclass(frozen=True)
class HourStats:
    """One demo hour: API calls, seconds bidding (all agents) and clearing (the oracle's
    whole cycle), orders cleared and the fee rate the oracle read from the chain."""

    hour: int
    calls: TradeCounts
    bid_s: float
    clear_s: float
    orders: int
    fee_bps: int


@dataclass
class MarketLoop:
    engine: Engine
    oracle: Oracle
    spec: CatalogueSpec
    traders: Sequence[WalletTrader]
    clock: VirtualClock
    tolerance: float
    stats: list[HourStats] = field(default_factory=list)
    desk: AgentDesk = field(init=False)

    def __post_init__(self) -> None:
        self.desk = AgentDesk(self.engine, self.spec, self.traders, self.tolerance)

    def run_hours(self, first: int, count: int, emit: EventSink, phase: str = "market") -> None:
        for k in range(count):
            stats = self.hour(first + k)
            emit(
                DemoEvent(
                    phase,
                    k + 1,
                    count,
                    f"hour {stats.hour}: {stats.orders} orders, {stats.calls.orders} changed in "
                    f"{stats.calls.requests} signed batches, "
                    f"cleared in {stats.clear_s:.2f} s, fee {stats.fee_bps} bps",
                )
            )

    def hour(self, hour: int) -> HourStats:
        self.clock.bidding(hour)
        started = time.perf_counter()
        calls = self.desk.bid(hour)
        bid_s = time.perf_counter() - started
        self.clock.close(hour)
        self._chain_catch_up()
        started = time.perf_counter()
        self.oracle.tick(now=self.clock.now, limit=1)
        clear_s = time.perf_counter() - started
        if self.oracle.next_hour() != hour + 1:
            raise ChainError(f"hour {hour}: the oracle did not publish it")
        with Session(self.engine, expire_on_commit=False) as session:
            journal = oracle_repo.journal_hour(session, hour=hour, light=True)
            stored = results_repo.get_hour(session, hour=hour)
        if journal is None or stored is None:
            raise JournalError(f"hour {hour}: published but missing from the journal or results")
        self.desk.learn(hour)
        stats = HourStats(hour, calls, bid_s, clear_s, stored.n_orders, journal.fee_bps)
        self.stats.append(stats)
        return stats

    def settle_week(
        self,
        week: int,
        advance_chain: float,
        emit: EventSink,
        first: Callable[[], object] | None = None,
    ) -> str:
        """Move the chain past the challenge window and settle `week` to the end; `first`
        runs once the window is over, before the oracle settles (participants paying)."""
        client = self.oracle.ctx.market.client
        client.w3.provider.make_request("evm_increaseTime", [int(advance_chain)])  # type: ignore[arg-type]
        client.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        if first is not None:
            first()
        status = ""
        for attempt in range(1, SETTLE_ATTEMPTS + 1):
            status = self.oracle.settle_weeks().get(week, WeekStatus.DONE)
            emit(DemoEvent("settlement", attempt, SETTLE_ATTEMPTS, f"week {week}: {status}"))
            if status == WeekStatus.DONE:
                break
        return status

    def _chain_catch_up(self) -> None:
        """Move the chain's clock to the virtual clock when it is behind: the contracts
        accept an hour only once it has closed on chain (a demo week passes in minutes)."""
        advance_chain_to(self.oracle.ctx.market.client.w3, int(self.clock.now))
