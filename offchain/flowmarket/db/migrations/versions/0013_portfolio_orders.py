"""Portfolio orders (a curve over several named portfolios, docs/portfolios.md):
`orders.portfolios` (the named portfolios as signed, [{"name", "weight", "products"}];
NULL for an order over one inline portfolio) and `hour_orders.portfolio_rates` (the rate
each of a portfolio order's portfolios traded in the hour, {name: GB/h}; NULL for other
orders). Existing rows are orders over one inline portfolio: both stay NULL.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 21:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("portfolios", sa.JSON(), nullable=True))
    with op.batch_alter_table("hour_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("portfolio_rates", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hour_orders", schema=None) as batch_op:
        batch_op.drop_column("portfolio_rates")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("portfolios")
