"""Standing orders the oracle left out of an hour: beyond the order limits or the
participant's collateral (snapshot), or quarantined by the certificate gate (solve).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_exclusions",
        sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("order_hash", sa.String(length=66), nullable=False),
        sa.Column("participant", sa.String(length=42), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=1024), nullable=False),
        sa.PrimaryKeyConstraint("hour", "order_hash", name=op.f("pk_order_exclusions")),
    )
    with op.batch_alter_table("order_exclusions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_order_exclusions_participant"), ["participant"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("order_exclusions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_exclusions_participant"))
    op.drop_table("order_exclusions")
