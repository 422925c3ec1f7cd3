"""Engines and schema migrations: SQLite by default, PostgreSQL when the URL says so."""

from __future__ import annotations

import threading
import weakref
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from flowmarket.jsontext import dumps

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for `url`. PostgreSQL URLs use psycopg 3; for SQLite the file's folder
    is created and WAL journaling and a 30 s busy timeout are set. JSON columns are
    written by `jsontext.dumps` (an hour's journal 6x faster) and read by the standard
    library."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3, not psycopg2
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True, json_serializer=dumps)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        parsed,
        connect_args={"check_same_thread": False, "timeout": 30},
        json_serializer=dumps,
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


_WRITE_TURNS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()


def write_turn(engine: Engine) -> AbstractContextManager[Any]:
    """This thread's turn to write to `engine` in this process.

    SQLite has one writer. A connection that finds it taken polls in SQLite's busy
    handler, sleeping up to 100 ms between tries, and loses to any writer that comes
    in between: under load a few requests starved for seconds while later ones passed
    (bench/README.md, the load test's tail). So a process's threads take turns behind
    one lock per engine, whose waiters wake as soon as it is released, and at most one
    connection per process polls SQLite. PostgreSQL locks rows, not the database: no
    turn (a null context)."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    lock = _WRITE_TURNS.get(engine)
    if lock is None:
        lock = _WRITE_TURNS.setdefault(engine, threading.Lock())
    return lock


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the migrations up to `revision` (idempotent)."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)
