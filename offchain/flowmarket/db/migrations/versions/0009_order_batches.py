"""Signed order batches (`POST /v1/orders/batch`): the batch table and, on orders, the
batch that placed or cancelled each one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_batches",
        sa.Column("batch_hash", sa.String(length=66), nullable=False),
        sa.Column("participant", sa.String(length=42), nullable=False),
        sa.Column("signature", sa.String(length=132), nullable=False),
        sa.Column("recorded_at", sa.Float(), nullable=False),
        sa.Column("entries_root", sa.String(length=66), nullable=False),
        sa.Column("receipt_signature", sa.String(length=132), nullable=False),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("batch_hash", name=op.f("pk_order_batches")),
    )
    with op.batch_alter_table("order_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_order_batches_participant"), ["participant"], unique=False
        )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batch_hash", sa.String(length=66), nullable=True))
        batch_op.add_column(sa.Column("cancel_batch_hash", sa.String(length=66), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("cancel_batch_hash")
        batch_op.drop_column("batch_hash")
    with op.batch_alter_table("order_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_batches_participant"))
    op.drop_table("order_batches")
