"""The API's storage of the network operator's usage reports over `db` (part of `SqlBackend`)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.db import usage_repo
from flowmarket.signing import UsageReportMessage


class UsageSql:
    """`MarketBackend`'s usage method on a SQLAlchemy engine."""

    engine: Engine

    def store_usage(
        self,
        message: UsageReportMessage,
        *,
        report_hash: str,
        signature: str,
        reported_at: float,
        lag: int,
    ) -> bool:
        batch = usage_repo.UsageBatch(
            hour=message.hour,
            entries=message.entries,
            batch_hash=report_hash,
            operator=message.operator,
            signature=signature.lower(),
        )
        with Session(self.engine, expire_on_commit=False) as session:
            _, duplicate = usage_repo.store_usage(session, batch, lag=lag, reported_at=reported_at)
        return duplicate
