"""Clearing oracle: clock, per-hour journal, exact hourly amounts (wei strings), weekly
settlement records, reported expected positions and alerts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 03:22:06.283850
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "expected_positions",
        sa.Column("participant", sa.String(length=42), nullable=False),
        sa.Column("product", sa.String(length=128), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("reported_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("participant", "product", name=op.f("pk_expected_positions")),
    )
    op.create_table(
        "oracle_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("hour", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.String(length=1024), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oracle_alerts")),
    )
    with op.batch_alter_table("oracle_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oracle_alerts_kind"), ["kind"], unique=False)

    op.create_table(
        "oracle_clock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("genesis_hour", sa.BigInteger(), nullable=False),
        sa.Column("epoch_s", sa.Float(), nullable=False),
        sa.Column("hour_length_s", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oracle_clock")),
    )
    op.create_table(
        "oracle_hour_amounts",
        sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("participant", sa.String(length=42), nullable=False),
        sa.Column("net_cash", sa.String(length=80), nullable=False),
        sa.Column("fee", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("hour", "participant", name=op.f("pk_oracle_hour_amounts")),
    )
    op.create_table(
        "oracle_hours",
        sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("close_time", sa.Float(), nullable=False),
        sa.Column("fee_bps", sa.Integer(), nullable=False),
        sa.Column("engine_doc", sa.JSON(), nullable=False),
        sa.Column("owners", sa.JSON(), nullable=False),
        sa.Column("collateral", sa.JSON(), nullable=False),
        sa.Column("result_doc", sa.JSON(), nullable=True),
        sa.Column("tx_nonce", sa.BigInteger(), nullable=True),
        sa.Column("tx_hash", sa.String(length=66), nullable=True),
        sa.Column("raw_tx", sa.Text(), nullable=True),
        sa.Column("commit_block", sa.BigInteger(), nullable=True),
        sa.Column("commitment", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("hour", name=op.f("pk_oracle_hours")),
    )
    op.create_table(
        "oracle_weeks",
        sa.Column("week", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root", sa.String(length=66), nullable=False),
        sa.Column("fees", sa.String(length=80), nullable=False),
        sa.Column("amounts", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("week", name=op.f("pk_oracle_weeks")),
    )


def downgrade() -> None:
    op.drop_table("oracle_weeks")
    op.drop_table("oracle_hours")
    op.drop_table("oracle_hour_amounts")
    op.drop_table("oracle_clock")
    with op.batch_alter_table("oracle_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oracle_alerts_kind"))

    op.drop_table("oracle_alerts")
    op.drop_table("expected_positions")
