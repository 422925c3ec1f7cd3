"""Alembic migrations produce exactly the schema the SQLModel tables declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

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
