"""Real-time delivery records: metered usage, positions at delivery, their settlement.

Quantities are integers in 10^-18 GB and money in wei, stored as decimal strings
(exact; they overflow int64). Keys name the real-time product of the delivery hour
(`rt:REGION:TYPE:YYYY-MM-DDTHH`), which fixes region, type and hour.

- `usage_reports`: one row per (delivery hour, product, participant), as reported in
  the network operator's signed batch (`batch_hash` = its EIP-712 digest). Reports
  are never changed; `settled_hour` is the clearing hour whose amounts settled it.
- `delivery_positions`: each participant's real-time position at delivery (the
  real-time product and the forwards covering the hour), recorded by the oracle when
  it clears the delivery hour, before the delivered products leave the live state.
- `usage_settlements`: the oracle's settlement of a metered hour, per product and
  participant: position, metered usage, served, imbalance cash; `settled_hour` is the
  clearing hour whose committed entries carry the cash.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from flowmarket.db.models import metadata

__all__ = ["DeliveryPosition", "UsageReport", "UsageSettlement", "metadata"]


def _hour_key() -> Any:
    return Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))


class UsageReport(SQLModel, table=True):
    """A participant's measured usage (10^-18 GB) of one real-time product."""

    __tablename__ = "usage_reports"

    hour: int = _hour_key()
    product: str = Field(primary_key=True, max_length=128)
    participant: str = Field(primary_key=True, max_length=42)
    quantity: str = Field(max_length=80)
    batch_hash: str = Field(max_length=66, index=True)
    operator: str = Field(max_length=42)
    signature: str = Field(max_length=132)
    reported_at: float
    settled_hour: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class DeliveryPosition(SQLModel, table=True):
    """A participant's real-time position (10^-18 GB) in one product at delivery."""

    __tablename__ = "delivery_positions"

    hour: int = _hour_key()
    product: str = Field(primary_key=True, max_length=128)
    participant: str = Field(primary_key=True, max_length=42)
    quantity: str = Field(max_length=80)


class UsageSettlement(SQLModel, table=True):
    """One participant's delivery in one real-time product: 10^-18 GB and wei."""

    __tablename__ = "usage_settlements"

    hour: int = _hour_key()
    product: str = Field(primary_key=True, max_length=128)
    participant: str = Field(primary_key=True, max_length=42)
    price: str = Field(max_length=80)
    position: str = Field(max_length=80)
    usage: str = Field(max_length=80)
    served: str = Field(max_length=80)
    cash: str = Field(max_length=80)
    settled_hour: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
