"""Primary capacity auctions: auctions, clock rounds, signed bids, position credits.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 08:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auction_bids",
        sa.Column("bid_hash", sa.String(length=66), nullable=False),
        sa.Column("auction", sa.String(length=64), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("bidder", sa.String(length=42), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("signature", sa.String(length=132), nullable=False),
        sa.Column("receipt_signature", sa.String(length=132), nullable=False),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("bid_hash", name=op.f("pk_auction_bids")),
        sa.UniqueConstraint(
            "auction", "round", "bidder", "revision", name=op.f("uq_auction_bids_auction")
        ),
    )
    with op.batch_alter_table("auction_bids", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auction_bids_auction"), ["auction"], unique=False)

    op.create_table(
        "auction_credits",
        sa.Column("auction", sa.String(length=64), nullable=False),
        sa.Column("bidder", sa.String(length=42), nullable=False),
        sa.Column("quantities", sa.JSON(), nullable=False),
        sa.Column("hour", sa.BigInteger(), nullable=False),
        sa.Column("credited_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("auction", "bidder", name=op.f("pk_auction_credits")),
    )
    op.create_table(
        "auction_rounds",
        sa.Column("auction", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("start", sa.JSON(), nullable=False),
        sa.Column("end", sa.JSON(), nullable=False),
        sa.Column("opens_at", sa.Float(), nullable=False),
        sa.Column("closes_at", sa.Float(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.Column("closed_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("auction", "number", name=op.f("pk_auction_rounds")),
    )
    op.create_table(
        "auctions",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("opened_at", sa.Float(), nullable=True),
        sa.Column("bids_close_at", sa.Float(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("awards_root", sa.String(length=66), nullable=True),
        sa.Column("bids_root", sa.String(length=66), nullable=True),
        sa.Column("pay_deadline", sa.BigInteger(), nullable=True),
        sa.Column("commit_tx_hash", sa.String(length=66), nullable=True),
        sa.Column("committed_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_auctions")),
    )


def downgrade() -> None:
    op.drop_table("auctions")
    op.drop_table("auction_rounds")
    op.drop_table("auction_credits")
    with op.batch_alter_table("auction_bids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auction_bids_auction"))

    op.drop_table("auction_bids")
