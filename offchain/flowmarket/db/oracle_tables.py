"""The clearing oracle's own tables: its clock, the per-hour journal, exact hourly amounts,
weekly settlement records, reported expected positions and alerts.

Money is never a float here: wei amounts are decimal strings (`String(80)` holds any
int256), written from `flowmarket.money`'s integers and summed as Python integers.
Times are Unix seconds (float); hours are the market's hour indices.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Text
from sqlmodel import Field, SQLModel

from flowmarket.db.models import metadata

__all__ = [
    "ExpectedPosition",
    "OracleAlert",
    "OracleClockRow",
    "OracleHour",
    "OracleHourAmount",
    "OracleWeek",
    "OrderExclusion",
    "metadata",
]


def _hour_key() -> Any:
    return Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))


class OracleClockRow(SQLModel, table=True):
    """The oracle's clock, fixed at its first run (one row, id 1)."""

    __tablename__ = "oracle_clock"

    id: int = Field(default=1, primary_key=True)
    genesis_hour: int = Field(sa_column=Column(BigInteger, nullable=False))
    epoch_s: float
    hour_length_s: float


class OracleHour(SQLModel, table=True):
    """The journal of one hour: the step reached and everything needed to resume it.

    step: snapshotted → cleared → sent → committed → published. The engine document
    (the orders after the collateral rules), the fee rate and the clearing result are
    stored as the steps complete, so a restart repeats nothing that is already done.
    Before the commit transaction is sent, its nonce, hash and signed bytes are stored.
    """

    __tablename__ = "oracle_hours"

    hour: int = _hour_key()
    step: str = Field(max_length=16)
    close_time: float
    fee_bps: int
    engine_doc: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    owners: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    collateral: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    result_doc: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    tx_nonce: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    tx_hash: str | None = Field(default=None, max_length=66)
    raw_tx: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    commit_block: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    commitment: dict[str, str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: float


class OracleHourAmount(SQLModel, table=True):
    """One participant's exact money in one hour: wei as decimal strings."""

    __tablename__ = "oracle_hour_amounts"

    hour: int = _hour_key()
    participant: str = Field(primary_key=True, max_length=42)
    net_cash: str = Field(max_length=80)
    fee: str = Field(max_length=80)


class OracleWeek(SQLModel, table=True):
    """A week's settlement: the root posted and the exact amounts (wei strings)."""

    __tablename__ = "oracle_weeks"

    week: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    root: str = Field(max_length=66)
    fees: str = Field(max_length=80)
    amounts: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(max_length=16)
    updated_at: float


class ExpectedPosition(SQLModel, table=True):
    """A participant's reported expected position in a product (GB/h), for collateral."""

    __tablename__ = "expected_positions"

    participant: str = Field(primary_key=True, max_length=42)
    product: str = Field(primary_key=True, max_length=128)
    quantity: float
    reported_at: float


class OracleAlert(SQLModel, table=True):
    """Something an operator must see: collateral warnings, RPC failures, defaults."""

    __tablename__ = "oracle_alerts"

    id: int | None = Field(default=None, primary_key=True)
    at: float
    hour: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    kind: str = Field(max_length=32, index=True)
    message: str = Field(max_length=1024)


class OrderExclusion(SQLModel, table=True):
    """A standing order the oracle left out of an hour's clearing, and why: beyond the
    governed limits or its participant's collateral (snapshot), or quarantined because
    the hour's certificate could not reach its tolerance with it (solve). `stage` is a
    `states.Exclusion`; `reason` is the sentence the participant and the operator read."""

    __tablename__ = "order_exclusions"

    hour: int = _hour_key()
    order_hash: str = Field(primary_key=True, max_length=66)
    participant: str = Field(max_length=42, index=True)
    stage: str = Field(max_length=32)
    reason: str = Field(max_length=1024)
