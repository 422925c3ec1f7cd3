"""The hourly cycle: for each hour whose bidding window has closed, in order,

    snapshot (+ collateral rules) → solve (store) → commit on chain → publish

(an hour the governed schedule splits into intervals snapshots and solves each interval
at its close, then commits and publishes once: `oracle.intervals`, docs/schedule.md)

each step journaled (see `journal`), then the weekly settlement of every complete
week. `Oracle.tick` does what is due now and returns; `Oracle.run` loops over ticks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.catalogue.hours import SECONDS_PER_HOUR
from flowmarket.chain.market import Market, connect_market
from flowmarket.clearing import ClearFn
from flowmarket.clearing.model import ENGINES, ENGINES_TEXT
from flowmarket.collector import deferred_collection
from flowmarket.config import Settings
from flowmarket.db import oracle_repo
from flowmarket.errors import InvalidInput, MarketError
from flowmarket.memo import fix_standing, standing_limit
from flowmarket.oracle import chain_state
from flowmarket.oracle.clock import OracleClock
from flowmarket.oracle.commit import commit_hour
from flowmarket.oracle.context import OracleContext
from flowmarket.oracle.faults import check_crash_setting, crash_point
from flowmarket.oracle.intervals import (
    interval_of,
    is_interval_row,
    results_of,
    snapshots_of,
    solve_interval,
)
from flowmarket.oracle.journal import load, require
from flowmarket.oracle.publish import publish_hour
from flowmarket.oracle.realtime import DeliveryRules
from flowmarket.oracle.retry import RetryPolicy, with_retries
from flowmarket.oracle.settlement import advance_week
from flowmarket.oracle.snapshot import take_snapshot
from flowmarket.oracle.solve import solve_hour
from flowmarket.schedule import DEFAULT_INTERVAL_S
from flowmarket.solvers.highs_projection import clear_market_document
from flowmarket.states import JournalStep, WeekStatus

# The last hour `clearingEngineAt` answers for: the engine of the last scheduled change.
LAST_HOUR = 2**64 - 1

log = logging.getLogger("flowmarket.oracle")


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        settings.oracle_retry_base_s, settings.oracle_retry_max_s, settings.oracle_retry_attempts
    )


def open_clock(settings: Settings, engine: Engine, *, genesis_hour: int, now: float) -> OracleClock:
    """The clock stored at the first run, or a new one from the settings (and stored)."""
    length = settings.oracle_hour_length_s
    with Session(engine, expire_on_commit=False) as session:
        row = oracle_repo.clock_row(session)
        if row is not None:
            if row.genesis_hour != genesis_hour or row.hour_length_s != length:
                raise InvalidInput(
                    f"oracle_hour_length_s: this database's oracle runs {row.hour_length_s}-second "
                    f"hours from genesis hour {row.genesis_hour}; got {length} s and genesis "
                    f"{genesis_hour} (use a fresh database for another clock)"
                )
            return OracleClock(row.genesis_hour, row.epoch_s, row.hour_length_s)
        epoch = settings.oracle_epoch_s or (
            float(genesis_hour * SECONDS_PER_HOUR) if length == SECONDS_PER_HOUR else now
        )
        clock = OracleClock(genesis_hour, epoch, length)
        oracle_repo.save_clock(
            session, genesis_hour=genesis_hour, epoch_s=epoch, hour_length_s=length
        )
        return clock


def connect_as_oracle(settings: Settings) -> Market:
    """The market's contracts through the oracle key (retrying an unreachable node)."""
    market: Market = with_retries(
        lambda: connect_market(settings, key=settings.oracle_key),
        policy=retry_policy(settings),
        what="connect",
    )
    # eth_chainId never changes for a connection: let web3 cache it instead of asking
    # the node before every call (measured: ~30 % of the RPC round trips of an hour).
    market.client.w3.provider.cache_allowed_requests = True
    return market


def open_oracle(settings: Settings, engine: Engine, *, now: float | None = None) -> Oracle:
    """Connect to the market as the oracle key (retrying an unreachable node) and open
    the clock; size the memos of standing orders' work as `oracle_memo_orders` says, and
    clear on `oracle_engine_threads` threads."""
    check_crash_setting(settings)
    fix_standing(settings.oracle_memo_orders)
    policy = retry_policy(settings)
    market = connect_as_oracle(settings)
    ledger = market.contract("ClearingLedger")
    genesis = with_retries(
        lambda: int(market.client.call(ledger.functions.genesisHour())),
        policy=policy,
        what="read genesis",
    )
    clock = open_clock(
        settings, engine, genesis_hour=genesis, now=time.time() if now is None else now
    )
    context = OracleContext(settings, engine, market, clock, policy)
    threads = settings.oracle_engine_threads
    return Oracle(context, clear_fn=partial(clear_market_document, threads=threads))


@dataclass
class Oracle:
    """on_cleared: called with an hour once its results are stored (its prices and trades
    can be read) and before it is committed and published; the demo's agents start
    bidding for the next hour then (`demo.oracle_worker`)."""

    ctx: OracleContext
    clear_fn: ClearFn = clear_market_document
    processed: int = field(default=0)
    on_cleared: Callable[[int], None] | None = None
    warned_engines: set[int] = field(default_factory=set)

    def next_hour(self) -> int:
        """The first hour not yet published: an unfinished journaled hour, or the next one."""
        with self.ctx.session() as session:
            unfinished = oracle_repo.unfinished_hours(session, finished=JournalStep.PUBLISHED)
            if unfinished:
                return unfinished[0].hour
            latest = oracle_repo.latest_journal_hour(session)
        if latest is not None:
            return latest + 1
        return self.ctx.rpc(lambda: chain_state.next_hour(self.ctx), what="read next hour")

    def intervals_to_clear(self, hour: int) -> int | None:
        """The interval length (seconds) of `hour` when it clears in intervals and some are
        still to clear: the journaled one once it is snapshotted, else the governed one
        (`clearingIntervalAt`). None for an hourly hour, or one already cleared."""
        with self.ctx.session() as session:
            light = load(session, hour, light=True)
            if light is not None and light.step != JournalStep.SNAPSHOTTED:
                return None
            row = None if light is None else load(session, hour)
            if row is not None:
                return interval_of(row) if is_interval_row(row) else None
        seconds = self.ctx.rpc(
            lambda: chain_state.clearing_interval(self.ctx, hour),
            what="read clearing interval",
            hour=hour,
        )
        return None if seconds == DEFAULT_INTERVAL_S else seconds

    def clear_intervals(self, hour: int, interval_s: int, now: float) -> bool:
        """Snapshot and clear each interval of `hour` whose window has closed at `now`, in
        order, from where the journal stands (`oracle.intervals`); True once the last one is
        cleared (the hour is then `cleared`), False while some interval is still open."""
        ctx = self.ctx
        while True:
            with ctx.session() as session:
                row = load(session, hour)
            if row is not None and row.step != JournalStep.SNAPSHOTTED:
                return True
            snapped = 0 if row is None else len(snapshots_of(row))
            cleared = 0 if row is None else len(results_of(row))
            if snapped == cleared:
                if now < ctx.clock.interval_close(hour, snapped, interval_s):
                    return False
                take_snapshot(ctx, hour=hour, interval_s=interval_s, index=snapped)
                log.info("snapshot", extra={"hour": hour, "interval": snapped})
                crash_point(ctx.settings, "after_snapshot", hour=hour)
                continue
            with ctx.session() as session:
                solve_interval(
                    session,
                    require(session, hour),
                    clear_fn=self.clear_fn,
                    bundles=ctx.bundles,
                    delivery=DeliveryRules.from_settings(ctx.settings),
                )
            log.info("cleared", extra={"hour": hour, "interval": cleared})
            crash_point(ctx.settings, "after_solve", hour=hour)

    def process_hour(self, hour: int, now: float | None = None) -> bool:
        """Take hour `hour` through every remaining step; the "hour done" log line has
        each step's seconds (`steps_s`). An hour cleared in intervals (docs/schedule.md)
        clears those whose window has closed at `now` and goes on to commit and publish
        after its last: False while some interval is still to come."""
        ctx, started = self.ctx, time.monotonic()
        steps: dict[str, float] = {}
        mark = started

        def lap(name: str) -> None:
            nonlocal mark
            now = time.monotonic()
            steps[name] = round(now - mark, 3)
            mark = now

        interval_s = self.intervals_to_clear(hour)
        if interval_s is not None:
            if not self.clear_intervals(hour, interval_s, time.time() if now is None else now):
                return False
            lap("intervals")
        with ctx.session() as session:
            row = load(session, hour, light=True)
        if row is None:
            row = take_snapshot(ctx, hour=hour)
            lap("snapshot")
            log.info(
                "snapshot",
                extra={
                    "hour": hour,
                    "step": JournalStep.SNAPSHOTTED,
                    "orders": len(row.engine_doc["orders"]),
                    "memo_orders": standing_limit(),
                },
            )
            crash_point(ctx.settings, "after_snapshot", hour=hour)
        if row.step == JournalStep.SNAPSHOTTED:
            with ctx.session() as session:
                row = require(session, hour)
                result = solve_hour(
                    session,
                    row,
                    clear_fn=self.clear_fn,
                    bundles=ctx.bundles,
                    delivery=DeliveryRules.from_settings(ctx.settings),
                )
            lap("solve")
            log.info(
                "cleared",
                extra={"hour": hour, "step": JournalStep.CLEARED, "welfare": result["welfare"]},
            )
            crash_point(ctx.settings, "after_solve", hour=hour)
        if self.on_cleared is not None:
            self.on_cleared(hour)
        if row.step in (JournalStep.CLEARED, JournalStep.SENT):
            commit_hour(ctx, hour)
            lap("commit")
        with ctx.session() as session:
            row = require(session, hour, light=True)
        if row.step == JournalStep.COMMITTED:
            publish_hour(ctx, hour)
            lap("publish")
        self.processed += 1
        log.info(
            "hour done",
            extra={
                "hour": hour,
                "step": JournalStep.PUBLISHED,
                "seconds": round(time.monotonic() - started, 3),
                "steps_s": steps,
            },
        )
        return True

    def tick(self, now: float | None = None, *, limit: int | None = None) -> int:
        """Process every hour whose window has closed (at most `limit`), then settle."""
        now = time.time() if now is None else now
        done = 0
        while limit is None or done < limit:
            hour = self.next_hour()
            if not self.ctx.clock.is_closed(hour, now):
                break
            # The collector waits until the hour is published (`collector`).
            with deferred_collection() as collection:
                processed = self.process_hour(hour, now)
            if collection.seconds:
                log.info(
                    "collected after the hour",
                    extra={
                        "hour": hour,
                        "seconds": round(collection.seconds, 3),
                        "objects": collection.collected,
                    },
                )
            if not processed:
                break
            done += 1
        self.warn_of_engine()  # after the hours: a read for none of them waits behind them
        self.settle_weeks()
        return done

    def warn_of_engine(self) -> None:
        """Alert once per engine when governance has scheduled a clearing engine this
        release does not run. The hours it governs will stop at their snapshot until the
        oracle runs a release with it (docs/engine-versions.md); a change takes effect an
        hour boundary after the open hour at the soonest, so the operator hears of it an
        hour or more before. What is read is the engine of the last scheduled change."""
        engine = self.ctx.rpc(
            lambda: chain_state.clearing_engine(self.ctx, LAST_HOUR), what="read engine"
        )
        if engine in ENGINES or engine in self.warned_engines:
            return
        self.warned_engines.add(engine)
        self.ctx.alert(
            "clearing-engine",
            f"governance has scheduled clearing engine {engine}, which this release does not "
            f"run ({ENGINES_TEXT}): upgrade the oracle before the first hour it governs closes",
        )

    def complete_weeks(self) -> list[int]:
        """Weeks whose 168 hours are published and whose settlement is not done."""
        with self.ctx.session() as session:
            last = oracle_repo.latest_journal_hour(session, steps=(JournalStep.PUBLISHED,))
            recorded = {w.week: w.status for w in oracle_repo.open_weeks(session)}
            latest_week = oracle_repo.latest_week(session)
        if last is None:
            return sorted(recorded)
        clock = self.ctx.clock
        full = clock.week_of(last) if clock.is_week_end(last) else clock.week_of(last) - 1
        start = 0 if latest_week is None else latest_week + 1
        return sorted(set(recorded) | set(range(start, full + 1)))

    def settle_weeks(self) -> dict[int, WeekStatus]:
        """Advance every complete week's settlement. A week that fails (a root that does
        not match, a reverted call) is reported and retried next tick; it never stops the
        hourly cycle."""
        out: dict[int, WeekStatus] = {}
        for week in self.complete_weeks():
            try:
                out[week] = advance_week(self.ctx, week)
            except MarketError as exc:
                self.ctx.alert("settlement-error", f"week {week}: {exc}")
                out[week] = WeekStatus.ERROR
        return out

    def run(
        self,
        *,
        hours: int | None = None,
        until_hour: int | None = None,
        once: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> int:
        """Loop over ticks until `hours` hours are processed in this run, or hour
        `until_hour` is published (or after one tick with `once`, or forever)."""
        while True:
            left = None if hours is None else hours - self.processed
            if until_hour is not None:
                to_go = until_hour - self.next_hour() + 1
                left = to_go if left is None else min(left, to_go)
            if left is not None and left <= 0:
                return self.processed
            self.tick(limit=left)
            if once:
                return self.processed
            sleep(self.ctx.settings.oracle_poll_s)


__all__ = ["Oracle", "connect_as_oracle", "open_clock", "open_oracle", "retry_policy"]
