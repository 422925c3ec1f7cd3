"""Non-convex orders: `orders.terms` (the kind and parameters of an all-or-nothing,
minimum-fill or start-up-cost order; NULL for a curve order) and `hour_orders.accepted`
(whether the hour accepted a non-convex order; NULL for a curve order). Existing rows
are curve orders: both stay NULL.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("terms", sa.JSON(), nullable=True))
    with op.batch_alter_table("hour_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accepted", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hour_orders", schema=None) as batch_op:
        batch_op.drop_column("accepted")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("terms")
