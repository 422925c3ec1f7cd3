"""The clearing oracle's own tables: its clock, the per-hour journal, exact hourly amounts,
weekly settlement records, reported expected positions and alerts.

Money is never a float here: wei amounts are decimal strings (`String(80)` holds any
int256), written from `flowmarket.money`'s integers and summed as Python integers.
Times are Unix seconds (float); hours are the market's hour indices.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Text, join
from sqlalchemy.orm import column_property, registry
from sqlmodel import Field, SQLModel

from flowmarket.db.models import metadata

__all__ = [
    "ExpectedPosition",
    "OracleAlert",
    "OracleClockRow",
    "OracleHour",
    "OracleHourAmount",
    "OracleHourBook",
    "OracleHourClearing",
    "OracleHourState",
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


class OracleHourState(SQLModel, table=True):
    """The journal of one hour, its small part: the step reached, the fee rate and the
    commit transaction (`OracleHour`)."""

    __tablename__ = "oracle_hours"

    hour: int = _hour_key()
    step: str = Field(max_length=16)
    close_time: float
    fee_bps: int
    tx_nonce: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    tx_hash: str | None = Field(default=None, max_length=66)
    raw_tx: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    commit_block: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    commitment: dict[str, str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: float


def _document_key() -> Any:
    return Field(
        sa_column=Column(
            BigInteger, ForeignKey("oracle_hours.hour"), primary_key=True, autoincrement=False
        )
    )


class OracleHourBook(SQLModel, table=True):
    """The journal of one hour, what it cleared: the engine document (the orders after
    the collateral rules), their owners and the collateral record (`OracleHour`)."""

    __tablename__ = "oracle_hour_books"

    hour: int = _document_key()
    engine_doc: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    owners: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    collateral: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class OracleHourClearing(SQLModel, table=True):
    """The journal of one hour, its clearing result once solved (`OracleHour`)."""

    __tablename__ = "oracle_hour_clearings"

    hour: int = _document_key()
    result_doc: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class OracleHour:
    """The journal of one hour: the step reached and everything needed to resume it.

    step: snapshotted → cleared → sent → committed → published. The engine document
    (the orders after the collateral rules), the fee rate and the clearing result are
    stored as the steps complete, so a restart repeats nothing that is already done.
    Before the commit transaction is sent, its nonce, hash and signed bytes are stored.

    One object over three tables (mapped to their join): `oracle_hours` holds what
    changes from step to step, `oracle_hour_books` the order set (megabytes an hour at
    the demo catalogue, written once by the snapshot) and `oracle_hour_clearings` the
    result (written by the solve step). SQLite rewrites a whole row when one column of it
    changes, so with the documents in the journal's row every step rewrote them: 8 MB
    four times an hour at the demo catalogue, most of the commit step's time
    (bench/README.md). The ORM inserts the three rows together and updates only the
    table whose columns changed.
    """

    hour: int
    step: str
    close_time: float
    fee_bps: int
    engine_doc: dict[str, Any]
    owners: dict[str, str]
    collateral: dict[str, Any]
    updated_at: float
    result_doc: dict[str, Any] | None
    tx_nonce: int | None
    tx_hash: str | None
    raw_tx: str | None
    commit_block: int | None
    commitment: dict[str, str] | None

    def __init__(
        self,
        *,
        hour: int,
        step: str,
        close_time: float,
        fee_bps: int,
        engine_doc: dict[str, Any],
        owners: dict[str, str],
        collateral: dict[str, Any],
        updated_at: float,
        result_doc: dict[str, Any] | None = None,
        tx_nonce: int | None = None,
        tx_hash: str | None = None,
        raw_tx: str | None = None,
        commit_block: int | None = None,
        commitment: dict[str, str] | None = None,
    ) -> None:
        self.hour, self.step, self.close_time, self.fee_bps = hour, step, close_time, fee_bps
        self.engine_doc, self.owners, self.collateral = engine_doc, owners, collateral
        self.updated_at, self.result_doc = updated_at, result_doc
        self.tx_nonce, self.tx_hash, self.raw_tx = tx_nonce, tx_hash, raw_tx
        self.commit_block, self.commitment = commit_block, commitment

    def __repr__(self) -> str:
        return f"OracleHour(hour={self.hour!r}, step={self.step!r})"


def _map_journal() -> None:
    state = OracleHourState.__table__  # type: ignore[attr-defined]
    book = OracleHourBook.__table__  # type: ignore[attr-defined]
    clearing = OracleHourClearing.__table__  # type: ignore[attr-defined]
    registry().map_imperatively(
        OracleHour,
        join(join(state, book), clearing),
        properties={"hour": column_property(state.c.hour, book.c.hour, clearing.c.hour)},
    )


_map_journal()


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
