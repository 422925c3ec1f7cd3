"""The API's storage of usage reports and its reads of real-time delivery over `db`
(part of `SqlBackend`)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.api.usage_schemas import (
    DeliveryCellOut,
    DeliveryHourOut,
    DeliveryRowOut,
    MyUsageOut,
)
from flowmarket.db import usage_repo
from flowmarket.db.usage_tables import UsageSettlement
from flowmarket.errors import NotFound
from flowmarket.money import wad_string
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


def _row(row: UsageSettlement) -> DeliveryRowOut:
    return DeliveryRowOut(
        hour=row.hour,
        product=row.product,
        price=wad_string(int(row.price)),
        position_gb=wad_string(int(row.position)),
        usage_gb=wad_string(int(row.usage)),
        served_gb=wad_string(int(row.served)),
        imbalance_gb=wad_string(int(row.served) - int(row.position)),
        cash=wad_string(int(row.cash)),
        settled_hour=row.settled_hour,
    )


class UsageReadSql:
    """`MarketBackend`'s real-time delivery reads on a SQLAlchemy engine."""

    engine: Engine

    def usage_of(self, participant: str) -> MyUsageOut:
        with Session(self.engine) as session:
            rows = usage_repo.settlements(session, participant=participant)
        return MyUsageOut(
            participant=participant,
            rows=[_row(r) for r in rows],
            total_cash=wad_string(sum(int(r.cash) for r in rows)),
        )

    def delivery_hour(self, hour: int) -> DeliveryHourOut:
        """NotFound when hour `hour` was not metered or is not settled yet."""
        with Session(self.engine) as session:
            rows = usage_repo.settlements(session, hour=hour)
        if not rows:
            raise NotFound(f"hour {hour}: not metered, or its usage is not settled yet")
        totals: dict[str, tuple[int, int]] = {}
        for r in rows:
            demand, served = totals.get(r.product, (0, 0))
            totals[r.product] = (demand + int(r.usage), served + int(r.served))
        cells = [
            DeliveryCellOut(
                product=product,
                demand_gb=wad_string(demand),
                served_gb=wad_string(served),
                throttled_gb=wad_string(demand - served),
            )
            for product, (demand, served) in sorted(totals.items())
        ]
        return DeliveryHourOut(hour=hour, settled_hour=rows[0].settled_hour, cells=cells)
