"""Exact positions: `positions.wei`, each holding in 10^-18 GB/h as the sum of the
committed integer trades, so real-time delivery reads forwards held for months to the
wei. Existing rows get their float quantity rounded to the wei (money.to_wad).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 16:00:00.000000
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("wei", sa.String(length=80), nullable=False, server_default="0")
        )
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT participant, product, quantity FROM positions"))
    for participant, product, quantity in list(rows):
        wei = int((Decimal(float(quantity)) * 10**18).to_integral_value(rounding=ROUND_HALF_EVEN))
        connection.execute(
            sa.text("UPDATE positions SET wei = :w WHERE participant = :p AND product = :k"),
            {"w": str(wei), "p": participant, "k": product},
        )


def downgrade() -> None:
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.drop_column("wei")
