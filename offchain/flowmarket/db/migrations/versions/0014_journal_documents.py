"""The journal's documents in tables of their own: `oracle_hour_books` (engine_doc,
owners, collateral: written once by the snapshot) and `oracle_hour_clearings`
(result_doc: written by the solve step), keyed by the hour of `oracle_hours`, which
keeps the step, the fee rate and the commit transaction. SQLite rewrites a whole row
when one of its columns changes: with the documents in the journal's row every step
rewrote megabytes (`db.oracle_tables.OracleHour`). Existing rows are copied over.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 12:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _hour() -> sa.Column[int]:
    return sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False)


def upgrade() -> None:
    op.create_table(
        "oracle_hour_books",
        _hour(),
        sa.Column("engine_doc", sa.JSON(), nullable=False),
        sa.Column("owners", sa.JSON(), nullable=False),
        sa.Column("collateral", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hour"], ["oracle_hours.hour"], name=op.f("fk_oracle_hour_books_hour_oracle_hours")
        ),
        sa.PrimaryKeyConstraint("hour", name=op.f("pk_oracle_hour_books")),
    )
    op.create_table(
        "oracle_hour_clearings",
        _hour(),
        sa.Column("result_doc", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hour"],
            ["oracle_hours.hour"],
            name=op.f("fk_oracle_hour_clearings_hour_oracle_hours"),
        ),
        sa.PrimaryKeyConstraint("hour", name=op.f("pk_oracle_hour_clearings")),
    )
    op.execute(
        "INSERT INTO oracle_hour_books (hour, engine_doc, owners, collateral) "
        "SELECT hour, engine_doc, owners, collateral FROM oracle_hours"
    )
    op.execute(
        "INSERT INTO oracle_hour_clearings (hour, result_doc) "
        "SELECT hour, result_doc FROM oracle_hours"
    )
    with op.batch_alter_table("oracle_hours", schema=None) as batch_op:
        for name in ("engine_doc", "owners", "collateral", "result_doc"):
            batch_op.drop_column(name)


def downgrade() -> None:
    with op.batch_alter_table("oracle_hours", schema=None) as batch_op:
        batch_op.add_column(sa.Column("engine_doc", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("owners", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("collateral", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("result_doc", sa.JSON(), nullable=True))
    for name in ("engine_doc", "owners", "collateral"):
        op.execute(
            f"UPDATE oracle_hours SET {name} = (SELECT b.{name} FROM oracle_hour_books b "
            "WHERE b.hour = oracle_hours.hour)"
        )
    op.execute(
        "UPDATE oracle_hours SET result_doc = (SELECT c.result_doc FROM oracle_hour_clearings c "
        "WHERE c.hour = oracle_hours.hour)"
    )
    with op.batch_alter_table("oracle_hours", schema=None) as batch_op:
        for name in ("engine_doc", "owners", "collateral"):
            batch_op.alter_column(name, existing_type=sa.JSON(), nullable=False)
    op.drop_table("oracle_hour_clearings")
    op.drop_table("oracle_hour_books")
