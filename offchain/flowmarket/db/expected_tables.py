"""Participants' signed reports of their expected positions, and their report nonces.

A report ({product: GB/h}, EIP-712 `ExpectedPositions`) is kept as signed, with the
operator's receipt, so either side can later prove what was reported and when. Its
quantities are applied to `oracle_tables.ExpectedPosition`, the table the oracle's
collateral rule reads. `expected_report_nonces` holds each participant's last accepted
report nonce: raising it is the compare-and-set that orders concurrent reports.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from flowmarket.db.models import metadata

__all__ = ["ExpectedReport", "ExpectedReportNonce", "metadata"]


class ExpectedReport(SQLModel, table=True):
    """One accepted report: id = EIP-712 digest; deadline and reported_at Unix seconds."""

    __tablename__ = "expected_position_reports"
    __table_args__ = (UniqueConstraint("participant", "nonce"),)

    report_hash: str = Field(primary_key=True, max_length=66)
    participant: str = Field(max_length=42, index=True)
    nonce: int = Field(sa_column=Column(BigInteger, nullable=False))
    deadline: int = Field(sa_column=Column(BigInteger, nullable=False))
    positions: dict[str, float] = Field(sa_column=Column(JSON, nullable=False))
    signature: str = Field(max_length=132)
    receipt_signature: str = Field(max_length=132)
    reported_at: float


class ExpectedReportNonce(SQLModel, table=True):
    """The highest report nonce accepted from a participant."""

    __tablename__ = "expected_report_nonces"

    participant: str = Field(primary_key=True, max_length=42)
    last_nonce: int = Field(sa_column=Column(BigInteger, nullable=False))
