"""The demo's hours: the cast bids through the API, then the oracle clears, commits on
chain and publishes; the first week then settles on chain.

Hour h: the virtual clock moves into h's bidding window (the chain's clock follows it, as
the contracts refuse hours that have not closed); every agent sees the catalogue
listed at h, the last published price of each product and its own positions in
products not yet delivered (the sum of its hourly trades, as the API serves them) and
trades; the clock moves to h's close and the oracle (`oracle_worker`, a process of its
own) runs snapshot → collateral → solve → commit → publish for h (and posts a week's
settlement root once its 168 hours are published).

The agents read h's prices and trades as soon as h is cleared and bid for h + 1 while
the oracle commits and publishes h: the two run on two cores, and the agents see what
they would see if they waited for the publication (the same prices and trades; a
cleared hour's results do not change when it is committed). Hour h + 1 closes once h
is published, so the oracle takes the hours in order as ever.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import Engine
from sqlmodel import Session
from web3 import Web3

from flowmarket.catalogue import CatalogueSpec
from flowmarket.chain.node import advance_chain_to
from flowmarket.db import oracle_repo, results_repo
from flowmarket.demo.api_server import VirtualClock
from flowmarket.demo.desk import AgentDesk
from flowmarket.demo.events import DemoEvent, EventSink
from flowmarket.demo.oracle_worker import OracleWorker
from flowmarket.demo.traders import TradeCounts, WalletTrader
from flowmarket.errors import ChainError, JournalError
from flowmarket.states import WeekStatus

SETTLE_ATTEMPTS = 5


@dataclass(frozen=True)
class HourStats:
    """One demo hour: API calls, seconds bidding (all agents) and clearing (the oracle's
    whole cycle, snapshot to publish), orders cleared and the fee rate the oracle read
    from the chain."""

    hour: int
    calls: TradeCounts
    bid_s: float
    clear_s: float
    orders: int
    fee_bps: int


@dataclass
class MarketLoop:
    """oracle: the oracle's process; w3: the node, to move its clock; while_clearing:
    called with each published hour's stats while the oracle clears the next one (this
    process would only wait then: the demo reads its summary rows)."""

    engine: Engine
    oracle: OracleWorker
    w3: Web3
    spec: CatalogueSpec
    traders: Sequence[WalletTrader]
    clock: VirtualClock
    tolerance: float
    while_clearing: Callable[[HourStats], None] | None = None
    stats: list[HourStats] = field(default_factory=list)
    desk: AgentDesk = field(init=False)
    _publishing: HourStats | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.desk = AgentDesk(self.engine, self.spec, self.traders, self.tolerance)

    def run_hours(self, first: int, count: int, emit: EventSink, phase: str = "market") -> None:
        """Hours first … first + count - 1, each reported once it is published; all of
        them are published on return."""

        def report(stats: HourStats | None, done: int) -> None:
            if stats is None:
                return
            emit(
                DemoEvent(
                    phase,
                    done,
                    count,
                    f"hour {stats.hour}: {stats.orders} orders, {stats.calls.orders} changed in "
                    f"{stats.calls.requests} signed batches, "
                    f"cleared in {stats.clear_s:.2f} s, fee {stats.fee_bps} bps",
                )
            )

        for k in range(count):
            report(self.hour(first + k), k)
        report(self.finish(), count)

    def hour(self, hour: int) -> HourStats | None:
        """Bid for `hour` (while the oracle publishes the hour before), close it, and
        return once it is cleared and the agents have read it; returns the hour before
        once published (None when there was none)."""
        self.clock.bidding(hour)
        started = time.perf_counter()
        calls = self.desk.bid(hour)
        bid_s = time.perf_counter() - started
        published = self.finish()
        self.clock.close(hour)
        self._chain_catch_up()
        self.oracle.tick(self.clock.now)
        if published is not None and self.while_clearing is not None:
            self.while_clearing(published)
        cleared = self.oracle.cleared()
        if cleared is None or cleared.hour != hour:
            self.oracle.done()
            raise ChainError(f"hour {hour}: the oracle did not clear it")
        with Session(self.engine, expire_on_commit=False) as session:
            journal = oracle_repo.journal_hour(session, hour=hour, light=True)
            stored = results_repo.get_hour(session, hour=hour)
        if journal is None or stored is None:
            raise JournalError(f"hour {hour}: cleared but missing from the journal or results")
        self.desk.learn(hour)
        self._publishing = HourStats(hour, calls, bid_s, 0.0, stored.n_orders, journal.fee_bps)
        return published

    def finish(self) -> HourStats | None:
        """Wait until the hour being committed and published is published; its stats
        (None when no hour was)."""
        pending, self._publishing = self._publishing, None
        if pending is None:
            return None
        done = self.oracle.done()
        if done.next_hour != pending.hour + 1:
            raise ChainError(f"hour {pending.hour}: the oracle did not publish it")
        stats = replace(pending, clear_s=done.seconds)
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
        self.w3.provider.make_request("evm_increaseTime", [int(advance_chain)])  # type: ignore[arg-type]
        self.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
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
        advance_chain_to(self.w3, int(self.clock.now))
