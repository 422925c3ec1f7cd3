"""Participants' signed expected-position reports and their report nonces.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 06:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "expected_position_reports",
        sa.Column("report_hash", sa.String(length=66), nullable=False),
        sa.Column("participant", sa.String(length=42), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("deadline", sa.BigInteger(), nullable=False),
        sa.Column("positions", sa.JSON(), nullable=False),
        sa.Column("signature", sa.String(length=132), nullable=False),
        sa.Column("receipt_signature", sa.String(length=132), nullable=False),
        sa.Column("reported_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("report_hash", name=op.f("pk_expected_position_reports")),
        sa.UniqueConstraint(
            "participant", "nonce", name=op.f("uq_expected_position_reports_participant")
        ),
    )
    with op.batch_alter_table("expected_position_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_expected_position_reports_participant"), ["participant"], unique=False
        )
    op.create_table(
        "expected_report_nonces",
        sa.Column("participant", sa.String(length=42), nullable=False),
        sa.Column("last_nonce", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("participant", name=op.f("pk_expected_report_nonces")),
    )


def downgrade() -> None:
    op.drop_table("expected_report_nonces")
    with op.batch_alter_table("expected_position_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expected_position_reports_participant"))
    op.drop_table("expected_position_reports")
