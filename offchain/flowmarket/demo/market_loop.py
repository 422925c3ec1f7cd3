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
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.agents import MarketView
from flowmarket.catalogue import (
    CatalogueSpec,
    Holdings,
    product_names,
)
from flowmarket.db import oracle_repo, results_repo
from flowmarket.demo.api_server import VirtualClock
from flowmarket.demo.events import DemoEvent, EventSink
from flowmarket.demo.traders import TradeCounts, WalletTrader
from flowmarket.errors import ChainError, JournalError
from flowmarket.oracle.cycle import Oracle
from flowmarket.oracle.delivery import delivered_by
from flowmarket.states import WeekStatus

KEEP_PRICES_HOURS = 48
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
    prices: dict[str, float] = field(default_factory=dict)
    positions: dict[str, dict[str, float]] = field(default_factory=dict)
    stats: list[HourStats] = field(default_factory=list)

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
        listed = product_names(self.spec, hour)
        self.clock.bidding(hour)
        started = time.perf_counter()
        calls = TradeCounts()
        for trader in self.traders:
            holdings = Holdings(self.positions.get(trader.wallet.address, {}))
            view = MarketView(hour, self.spec, listed, self.prices, holdings)
            calls.add(trader.trade(view, self.tolerance))
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
            cleared = results_repo.hour_prices(session, hour=hour)
            for trader in self.traders:
                address = trader.wallet.address
                entry = results_repo.hour_participant(session, hour=hour, participant=address)
                held = self.positions.setdefault(address, {})
                for name, quantity in (entry.trades if entry is not None else {}).items():
                    held[name] = held.get(name, 0.0) + quantity
        if journal is None or stored is None:
            raise JournalError(f"hour {hour}: published but missing from the journal or results")
        self.prices.update(cleared)
        self._prune(hour)
        stats = HourStats(hour, calls, bid_s, clear_s, stored.n_orders, journal.fee_bps)
        self.stats.append(stats)
        return stats

    def settle_week(self, week: int, advance_chain: float, emit: EventSink) -> str:
        """Move the chain past the challenge window and settle `week` to the end."""
        client = self.oracle.ctx.market.client
        client.w3.provider.make_request("evm_increaseTime", [int(advance_chain)])  # type: ignore[arg-type]
        client.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
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
        w3 = self.oracle.ctx.market.client.w3
        target = int(self.clock.now)
        if int(w3.eth.get_block("latest")["timestamp"]) < target:
            w3.provider.make_request("evm_setNextBlockTimestamp", [target])  # type: ignore[arg-type]
            w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    def _prune(self, hour: int) -> None:
        """Forget positions delivered by now (as the oracle does) and prices older than
        KEEP_PRICES_HOURS."""
        for held in self.positions.values():
            for name in delivered_by(held, hour):
                del held[name]
        for name in delivered_by(self.prices, hour - KEEP_PRICES_HOURS - 1):
            del self.prices[name]
