"""Authorisations: participants' signed limits on one portfolio (rate and position).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "authorisations",
        sa.Column("auth_hash", sa.String(length=66), nullable=False),
        sa.Column("participant", sa.String(length=42), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("from_hour", sa.BigInteger(), nullable=False),
        sa.Column("until_hour", sa.BigInteger(), nullable=False),
        sa.Column("replaces", sa.String(length=66), nullable=True),
        sa.Column("portfolio", sa.JSON(), nullable=False),
        sa.Column("direction", sa.String(length=4000), nullable=False),
        sa.Column("min_rate", sa.String(length=80), nullable=True),
        sa.Column("max_rate", sa.String(length=80), nullable=True),
        sa.Column("min_position", sa.String(length=80), nullable=True),
        sa.Column("max_position", sa.String(length=80), nullable=True),
        sa.Column("signature", sa.String(length=132), nullable=False),
        sa.Column("receipt_signature", sa.String(length=132), nullable=False),
        sa.Column("accepted_at", sa.Float(), nullable=False),
        sa.Column("cancelled_at", sa.Float(), nullable=True),
        sa.Column("cancel_signature", sa.String(length=132), nullable=True),
        sa.Column("cancel_receipt_signature", sa.String(length=132), nullable=True),
        sa.Column("replaced_by", sa.String(length=66), nullable=True),
        sa.PrimaryKeyConstraint("auth_hash", name=op.f("pk_authorisations")),
        sa.UniqueConstraint("participant", "nonce", name=op.f("uq_authorisations_participant")),
    )
    with op.batch_alter_table("authorisations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_authorisations_participant"), ["participant"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("authorisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_authorisations_participant"))
    op.drop_table("authorisations")
