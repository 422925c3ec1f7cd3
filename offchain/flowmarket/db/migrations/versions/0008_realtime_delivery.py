"""Real-time delivery: metered usage reports, positions at delivery, their settlement.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_KEY = ("hour", "product", "participant")


def _key_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("product", sa.String(length=128), nullable=False),
        sa.Column("participant", sa.String(length=42), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "usage_reports",
        *_key_columns(),
        sa.Column("quantity", sa.String(length=80), nullable=False),
        sa.Column("batch_hash", sa.String(length=66), nullable=False),
        sa.Column("operator", sa.String(length=42), nullable=False),
        sa.Column("signature", sa.String(length=132), nullable=False),
        sa.Column("reported_at", sa.Float(), nullable=False),
        sa.Column("settled_hour", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint(*_KEY, name=op.f("pk_usage_reports")),
    )
    with op.batch_alter_table("usage_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_reports_batch_hash"), ["batch_hash"])
    op.create_table(
        "delivery_positions",
        *_key_columns(),
        sa.Column("quantity", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint(*_KEY, name=op.f("pk_delivery_positions")),
    )
    op.create_table(
        "usage_settlements",
        *_key_columns(),
        *(
            sa.Column(name, sa.String(length=80), nullable=False)
            for name in ("price", "position", "usage", "served", "cash")
        ),
        sa.Column("settled_hour", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*_KEY, name=op.f("pk_usage_settlements")),
    )
    with op.batch_alter_table("usage_settlements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_settlements_settled_hour"), ["settled_hour"])


def downgrade() -> None:
    with op.batch_alter_table("usage_settlements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_settlements_settled_hour"))
    op.drop_table("usage_settlements")
    op.drop_table("delivery_positions")
    with op.batch_alter_table("usage_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_reports_batch_hash"))
    op.drop_table("usage_reports")
