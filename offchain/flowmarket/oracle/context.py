"""What every step of the cycle works with: settings, database, market, clock, retries."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Engine
from sqlmodel import Session
from web3.contract import Contract

from flowmarket.chain.market import Market
from flowmarket.config import Settings
from flowmarket.db import oracle_repo
from flowmarket.oracle.bundles import BundleCache
from flowmarket.oracle.clock import OracleClock
from flowmarket.oracle.retry import RetryPolicy, with_retries

T = TypeVar("T")
log = logging.getLogger("flowmarket.oracle")


@dataclass(frozen=True)
class OracleContext:
    settings: Settings
    engine: Engine
    market: Market
    clock: OracleClock
    policy: RetryPolicy
    _contracts: dict[str, Contract] = field(default_factory=dict, compare=False, repr=False)
    bundles: BundleCache = field(default_factory=BundleCache, compare=False, repr=False)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def contract(self, name: str) -> Contract:
        if name not in self._contracts:
            self._contracts[name] = self.market.contract(name)
        return self._contracts[name]

    def rpc(self, fn: Callable[[], T], *, what: str, hour: int | None = None) -> T:
        """Run a chain interaction with back-off; every failed attempt becomes an alert."""

        def report(attempt: int, exc: BaseException, delay: float) -> None:
            with self.session() as session:
                oracle_repo.add_alert(
                    session,
                    kind="rpc",
                    hour=hour,
                    message=f"{what}: attempt {attempt} failed ({exc}); retrying in {delay:.1f}s",
                )

        return with_retries(fn, policy=self.policy, what=what, on_failure=report)

    def alert(self, kind: str, message: str, *, hour: int | None = None) -> None:
        log.warning(message, extra={"hour": hour, "step": kind})
        with self.session() as session:
            oracle_repo.add_alert(session, kind=kind, message=message, hour=hour)
