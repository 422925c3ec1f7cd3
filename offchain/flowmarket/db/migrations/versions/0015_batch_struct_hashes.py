"""A batch's orders' EIP-712 struct hashes kept with the batch:
`order_batches.order_struct_hashes` (JSON list, batch order). The API computes them to
check the batch's signature; the oracle lists them in every hour's order set (`batches`),
and without them hashed every member's stored order again. Existing batches keep NULL:
their members' hashes are still computed from the stored orders.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 17:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("order_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_struct_hashes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("order_batches", schema=None) as batch_op:
        batch_op.drop_column("order_struct_hashes")
