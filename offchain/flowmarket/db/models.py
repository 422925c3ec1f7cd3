"""SQLModel tables: the catalogue, orders as signed, auth challenges and hourly results.

Units: quantities GB/h, prices capacity tokens per GB, cash capacity tokens, times
Unix seconds (float), hours = hours since the Unix epoch. Addresses are checksummed.
Columns the clearing oracle fills later (Merkle roots, proofs, the commit transaction)
are nullable; the API answers 404 "not yet committed" while they are empty.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, MetaData, UniqueConstraint
from sqlmodel import Field, SQLModel

from flowmarket.orders import SIGNED_ORDER_FIELDS, SignedOrder

# Deterministic constraint names so that Alembic migrations match on every backend.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def _big(*, nullable: bool = False, index: bool = False, default: int | None = None) -> Any:
    column = Column(BigInteger, nullable=nullable, index=index)
    return Field(sa_column=column) if default is None else Field(default, sa_column=column)


def _json(*, nullable: bool = False) -> Any:
    # None is stored as SQL NULL, not as the JSON text null: nothing to encode when a row
    # is written in bulk or to decode when it is read (an hour's curve orders have no
    # portfolio rates and no proof yet). A JSON null written before reads as None too.
    return Field(sa_column=Column(JSON(none_as_null=True), nullable=nullable))


class Product(SQLModel, table=True):
    """One tradable product of the catalogue (loaded from a data file)."""

    __tablename__ = "products"

    name: str = Field(primary_key=True, max_length=128)
    kind: str = Field(default="", max_length=32)
    region: str = Field(default="", max_length=64)
    description: str = Field(default="", max_length=512)
    active: bool = True


class Participant(SQLModel, table=True):
    """A wallet that has traded; min_valid_nonce mirrors the on-chain invalidation."""

    __tablename__ = "participants"

    address: str = Field(primary_key=True, max_length=42)
    min_valid_nonce: int = _big(default=0)


class NonceInvalidation(SQLModel, table=True):
    """History of `min_valid_nonce` raises, so snapshots of past hours stay exact."""

    __tablename__ = "nonce_invalidations"

    id: int | None = Field(default=None, primary_key=True)
    participant: str = Field(max_length=42, index=True)
    min_nonce: int = _big()
    recorded_at: float
    source: str = Field(default="chain", max_length=16)


class Order(SQLModel, table=True):
    """A signed order as accepted, with its cancel (if any) and the operator's receipt.

    The columns from order_hash to signature are `orders.SignedOrder`'s fields (a test
    keeps them in step); the rest is the intake's bookkeeping.

    An order placed by a signed batch (`batch_tables.OrderBatch`) has `batch_hash` set:
    its `signature` and `receipt_signature` are then the batch's and its batch receipt's.
    Likewise `cancel_batch_hash` for an order a batch cancelled or replaced."""

    __tablename__ = "orders"

    __table_args__ = (
        UniqueConstraint("participant", "nonce"),
        Index("ix_orders_window", "from_hour", "until_hour"),
        Index("ix_orders_open", "participant", "cancelled_at", "until_hour", "nonce"),
    )

    order_hash: str = Field(primary_key=True, max_length=66)
    participant: str = Field(max_length=42, index=True)
    nonce: int = _big()
    from_hour: int = _big()
    until_hour: int = _big()
    replaces: str | None = Field(default=None, max_length=66)
    portfolio: dict[str, float] = _json()
    curve: list[list[float]] = _json()
    signature: str = Field(max_length=132)
    terms: dict[str, Any] | None = _json(nullable=True)
    portfolios: list[dict[str, Any]] | None = _json(nullable=True)
    accepted_at: float
    receipt_signature: str = Field(max_length=132)
    cancelled_at: float | None = None
    cancel_signature: str | None = Field(default=None, max_length=132)
    cancel_receipt_signature: str | None = Field(default=None, max_length=132)
    replaced_by: str | None = Field(default=None, max_length=66)
    batch_hash: str | None = Field(default=None, max_length=66)
    cancel_batch_hash: str | None = Field(default=None, max_length=66)

    @classmethod
    def accepted(cls, order: SignedOrder, *, accepted_at: float, receipt_signature: str) -> Order:
        """The row of a signed order accepted at `accepted_at` (Unix seconds)."""
        fields = {name: getattr(order, name) for name in SIGNED_ORDER_FIELDS}
        return cls(**fields, accepted_at=accepted_at, receipt_signature=receipt_signature)


class AuthChallenge(SQLModel, table=True):
    """A one-time sign-in nonce issued to an address."""

    __tablename__ = "auth_challenges"

    nonce: str = Field(primary_key=True, max_length=64)
    address: str = Field(max_length=42)
    issued_at: int = _big()
    expires_at: int = _big()
    used: bool = False


class HourResult(SQLModel, table=True):
    """Public summary of one cleared hour and its on-chain commitment (oracle fills)."""

    __tablename__ = "hour_results"

    hour: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    cleared_at: float
    n_orders: int
    welfare: float
    certificate: dict[str, Any] = _json()
    orders_root: str | None = Field(default=None, max_length=66)
    prices_root: str | None = Field(default=None, max_length=66)
    positions_root: str | None = Field(default=None, max_length=66)
    commit_tx_hash: str | None = Field(default=None, max_length=66)
    committed_at: float | None = None


class HourProduct(SQLModel, table=True):
    """Per hour and product: price, traded volume, slope of aggregate net demand."""

    __tablename__ = "hour_products"

    hour: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    product: str = Field(primary_key=True, max_length=128)
    price: float
    volume: float
    slope: float
    leaf: str | None = Field(default=None, max_length=66)
    merkle_proof: list[str] | None = _json(nullable=True)


class HourOrder(SQLModel, table=True):
    """Per hour and standing order: its trade rate (GB/h of its portfolio); `accepted`
    whether a non-convex order was accepted (None for a curve order); `portfolio_rates`
    the rate of each named portfolio of a portfolio order {name: GB/h} (None otherwise)."""

    __tablename__ = "hour_orders"

    hour: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    order_hash: str = Field(primary_key=True, max_length=66)
    participant: str = Field(max_length=42, index=True)
    quantity: float
    accepted: bool | None = None
    portfolio_rates: dict[str, float] | None = _json(nullable=True)


class HourParticipant(SQLModel, table=True):
    """Per hour and participant: trades {product: GB/h} and cash (negative = pays)."""

    __tablename__ = "hour_participants"

    hour: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    participant: str = Field(primary_key=True, max_length=42)
    trades: dict[str, float] = _json()
    cash: float
    leaf: str | None = Field(default=None, max_length=66)
    merkle_proof: list[str] | None = _json(nullable=True)


class Position(SQLModel, table=True):
    """A participant's accumulated holding of one product after the last clearing.

    quantity: GB/h as a float (for display and the strategies); wei: the same holding
    exactly, in 10^-18 GB/h (a decimal integer string), the sum of the committed
    integer trades (money rule 2) and auction awards: what real-time delivery and
    settlement read, so a forward held for a year stays exact to the wei."""

    __tablename__ = "positions"

    participant: str = Field(primary_key=True, max_length=42)
    product: str = Field(primary_key=True, max_length=128)
    quantity: float
    wei: str = Field(default="0", max_length=80)
    updated_hour: int = _big()


class ServerSecret(SQLModel, table=True):
    """A random secret of this deployment, generated at the first start (hex)."""

    __tablename__ = "server_secrets"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=256)
    created_at: float


# The clearing oracle's tables (and the expected-position reports) live in their own
# modules; importing them here puts them on `metadata` wherever the schema is assembled
# (migrations, the schema-matches test).
from flowmarket.db import auction_tables as _auction_tables  # noqa: E402,F401
from flowmarket.db import authorisation_tables as _authorisation_tables  # noqa: E402,F401
from flowmarket.db import batch_tables as _batch_tables  # noqa: E402,F401
from flowmarket.db import expected_tables as _expected_tables  # noqa: E402,F401
from flowmarket.db import oracle_tables as _oracle_tables  # noqa: E402,F401
from flowmarket.db import usage_tables as _usage_tables  # noqa: E402,F401
