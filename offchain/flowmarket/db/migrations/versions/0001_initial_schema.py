"""Initial schema: catalogue, participants, signed orders, auth challenges, hourly results.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 03:01:19.572790
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "auth_challenges",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("issued_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_auth_challenges")),
    )
    op.create_table(
        "hour_orders",
        sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("order_hash", sa.String(length=66), nullable=False),
        sa.Column("participant", sa.String(length=42), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "order_hash", name=op.f("pk_hour_orders")),
    )
    with op.batch_alter_table("hour_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hour_orders_participant"), ["participant"], unique=False
        )

    op.create_table(
        "hour_participants",
        sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("participant", sa.String(length=42), nullable=False),
        sa.Column("trades", sa.JSON(), nullable=False),
        sa.Column("cash", sa.Float(), nullable=False),
        sa.Column("leaf", sa.String(length=66), nullable=True),
        sa.Column("merkle_proof", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("hour", "participant", name=op.f("pk_hour_participants")),
    )
    op.create_table(
        "hour_products",
        sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("product", sa.String(length=128), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("volume", sa.Float(), nullable=False),
        sa.Column("slope", sa.Float(), nullable=False),
        sa.Column("leaf", sa.String(length=66), nullable=True),
        sa.Column("merkle_proof", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("hour", "product", name=op.f("pk_hour_products")),
    )
    op.create_table(
        "hour_results",
        sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("cleared_at", sa.Float(), nullable=False),
        sa.Column("n_orders", sa.Integer(), nullable=False),
        sa.Column("welfare", sa.Float(), nullable=False),
        sa.Column("certificate", sa.JSON(), nullable=False),
        sa.Column("orders_root", sa.String(length=66), nullable=True),
        sa.Column("prices_root", sa.String(length=66), nullable=True),
        sa.Column("positions_root", sa.String(length=66), nullable=True),
        sa.Column("commit_tx_hash", sa.String(length=66), nullable=True),
        sa.Column("committed_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("hour", name=op.f("pk_hour_results")),
    )
    op.create_table(
        "nonce_invalidations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant", sa.String(length=42), nullable=False),
        sa.Column("min_nonce", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nonce_invalidations")),
    )
    with op.batch_alter_table("nonce_invalidations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nonce_invalidations_participant"), ["participant"], unique=False
        )

    op.create_table(
        "orders",
        sa.Column("order_hash", sa.String(length=66), nullable=False),
        sa.Column("participant", sa.String(length=42), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("from_hour", sa.BigInteger(), nullable=False),
        sa.Column("until_hour", sa.BigInteger(), nullable=False),
        sa.Column("replaces", sa.String(length=66), nullable=True),
        sa.Column("portfolio", sa.JSON(), nullable=False),
        sa.Column("curve", sa.JSON(), nullable=False),
        sa.Column("signature", sa.String(length=132), nullable=False),
        sa.Column("accepted_at", sa.Float(), nullable=False),
        sa.Column("receipt_signature", sa.String(length=132), nullable=False),
        sa.Column("cancelled_at", sa.Float(), nullable=True),
        sa.Column("cancel_signature", sa.String(length=132), nullable=True),
        sa.Column("cancel_receipt_signature", sa.String(length=132), nullable=True),
        sa.Column("replaced_by", sa.String(length=66), nullable=True),
        sa.PrimaryKeyConstraint("order_hash", name=op.f("pk_orders")),
        sa.UniqueConstraint("participant", "nonce", name=op.f("uq_orders_participant")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orders_participant"), ["participant"], unique=False)
        batch_op.create_index("ix_orders_window", ["from_hour", "until_hour"], unique=False)

    op.create_table(
        "participants",
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("min_valid_nonce", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_participants")),
    )
    op.create_table(
        "positions",
        sa.Column("participant", sa.String(length=42), nullable=False),
        sa.Column("product", sa.String(length=128), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("updated_hour", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("participant", "product", name=op.f("pk_positions")),
    )
    op.create_table(
        "products",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=512), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_products")),
    )


def downgrade() -> None:

    op.drop_table("products")
    op.drop_table("positions")
    op.drop_table("participants")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_window")
        batch_op.drop_index(batch_op.f("ix_orders_participant"))

    op.drop_table("orders")
    with op.batch_alter_table("nonce_invalidations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nonce_invalidations_participant"))

    op.drop_table("nonce_invalidations")
    op.drop_table("hour_results")
    op.drop_table("hour_products")
    op.drop_table("hour_participants")
    with op.batch_alter_table("hour_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hour_orders_participant"))

    op.drop_table("hour_orders")
    op.drop_table("auth_challenges")
