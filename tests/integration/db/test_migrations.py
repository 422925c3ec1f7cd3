"""Alembic migrations produce exactly the schema the SQLModel tables declare."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import Session

from flowmarket.db import oracle_repo
from flowmarket.db.batch_tables import OrderBatch
from flowmarket.db.engine import downgrade, make_engine, upgrade
from flowmarket.db.models import metadata


def schema_diff(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_migrated_schema_matches_the_sqlmodel_metadata(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    assert schema_diff(engine) == []
    engine.dispose()


def test_upgrade_is_idempotent_and_downgrade_removes_every_table(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    upgrade(engine)
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    downgrade(engine, "base")
    assert not set(metadata.tables) & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert schema_diff(engine) == []
    engine.dispose()


def test_upgrading_moves_the_journal_documents_to_their_tables_and_downgrading_back(
    database_url: str,
) -> None:
    """0014 takes the journal's documents out of `oracle_hours` (so that a step change
    rewrites a small row): an hour journaled before it reads the same after it, and a
    downgrade puts the documents back."""
    engine = make_engine(database_url)
    upgrade(engine, "0013")
    documents = {
        "engine_doc": {"products": ["premium"], "orders": [{"id": "a", "curve": [[0, 5]]}]},
        "owners": {"a": "0x" + "11" * 20},
        "collateral": {"participants": {}, "cut_orders": []},
        "result_doc": {"prices": {"premium": 4.5}, "welfare": 1.25},
    }
    old_journal = sa.table(
        "oracle_hours",
        *(sa.column(n) for n in ("hour", "step", "close_time", "fee_bps", "updated_at")),
        *(sa.column(name, sa.JSON) for name in documents),
    )
    with engine.begin() as connection:
        connection.execute(
            old_journal.insert().values(
                hour=7, step="cleared", close_time=1.5, fee_bps=10, updated_at=2.5, **documents
            )
        )
    upgrade(engine)
    with Session(engine) as session:
        row = oracle_repo.journal_hour(session, hour=7)
        assert row is not None and (row.step, row.fee_bps, row.close_time) == ("cleared", 10, 1.5)
        assert {name: getattr(row, name) for name in documents} == documents
        assert {c["name"] for c in inspect(engine).get_columns("oracle_hours")} == {
            "hour", "step", "close_time", "fee_bps", "tx_nonce", "tx_hash", "raw_tx",
            "commit_block", "commitment", "updated_at",
        }  # fmt: skip
    downgrade(engine, "0013")
    with engine.connect() as connection:
        back = connection.execute(sa.select(old_journal).where(old_journal.c.hour == 7)).one()
    assert {name: back._mapping[name] for name in documents} == documents
    downgrade(engine, "base")
    engine.dispose()


def test_batches_stored_before_0015_keep_their_rows_without_struct_hashes(
    database_url: str,
) -> None:
    """0015 adds `order_batches.order_struct_hashes`: a batch stored before it reads back
    with none (its members' hashes are computed from its orders), and a downgrade drops
    the column and keeps the batch."""
    engine = make_engine(database_url)
    upgrade(engine, "0014")
    names = ("batch_hash", "participant", "signature", "recorded_at", "entries_root")
    old_batches = sa.table(
        "order_batches",
        *(sa.column(n) for n in (*names, "receipt_signature")),
        sa.column("entries", sa.JSON),
    )
    batch = "0x" + "ab" * 32
    with engine.begin() as connection:
        connection.execute(
            old_batches.insert().values(
                batch_hash=batch,
                participant="0x" + "11" * 20,
                signature="0x" + "22" * 65,
                recorded_at=1.5,
                entries_root="0x" + "33" * 32,
                receipt_signature="0x" + "44" * 65,
                entries=[["0x" + "55" * 32, "accepted", 0, False]],
            )
        )
    upgrade(engine)
    with Session(engine) as session:
        row = session.get(OrderBatch, batch)
        assert row is not None and row.order_struct_hashes is None
        assert row.entries == [["0x" + "55" * 32, "accepted", 0, False]]
    downgrade(engine, "0014")
    assert "order_struct_hashes" not in {
        c["name"] for c in inspect(engine).get_columns("order_batches")
    }
    with engine.connect() as connection:
        back = connection.execute(sa.select(old_batches)).one()
    assert back._mapping["batch_hash"] == batch and back._mapping["recorded_at"] == 1.5
    downgrade(engine, "base")
    engine.dispose()
