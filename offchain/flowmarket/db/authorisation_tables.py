"""Participants' signed authorisations (limits on one portfolio), kept as signed.

Limits are exact integers of 10⁻¹⁸ GB/h stored as decimal strings (None: not set), as
positions are (`positions.wei`); `direction` is `authorisations.direction` of the
portfolio (equal for the portfolios one authorisation governs), so intake can refuse a
second live authorisation over the same portfolio.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from flowmarket.db.models import metadata

__all__ = ["AuthorisationRow", "metadata"]


class AuthorisationRow(SQLModel, table=True):
    """One accepted authorisation: id = EIP-712 digest; times Unix seconds."""

    __tablename__ = "authorisations"
    __table_args__ = (UniqueConstraint("participant", "nonce"),)

    auth_hash: str = Field(primary_key=True, max_length=66)
    participant: str = Field(max_length=42, index=True)
    nonce: int = Field(sa_column=Column(BigInteger, nullable=False))
    from_hour: int = Field(sa_column=Column(BigInteger, nullable=False))
    until_hour: int = Field(sa_column=Column(BigInteger, nullable=False))
    replaces: str | None = Field(default=None, max_length=66)
    portfolio: dict[str, float] = Field(sa_column=Column(JSON, nullable=False))
    direction: str = Field(max_length=4000)
    min_rate: str | None = Field(default=None, sa_column=Column(String(80), nullable=True))
    max_rate: str | None = Field(default=None, sa_column=Column(String(80), nullable=True))
    min_position: str | None = Field(default=None, sa_column=Column(String(80), nullable=True))
    max_position: str | None = Field(default=None, sa_column=Column(String(80), nullable=True))
    signature: str = Field(max_length=132)
    receipt_signature: str = Field(max_length=132)
    accepted_at: float
    cancelled_at: float | None = None
    cancel_signature: str | None = Field(default=None, max_length=132)
    cancel_receipt_signature: str | None = Field(default=None, max_length=132)
    replaced_by: str | None = Field(default=None, max_length=66)
