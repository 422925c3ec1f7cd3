"""Engines and schema migrations: SQLite by default, PostgreSQL when the URL says so."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for `url`. PostgreSQL URLs use psycopg 3; for SQLite the file's folder
    is created, WAL journaling and a 30 s busy timeout are set and writers take turns
    (`WriteTurn`)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3, not psycopg2
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    database = None if parsed.database in (None, "", ":memory:") else Path(parsed.database)
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)
    turn = write_turn(database)
    engine = create_engine(
        parsed,
        connect_args={
            "check_same_thread": False,
            "timeout": BUSY_TIMEOUT_S,
            "factory": TurnTakingConnection,
        },
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        dbapi_connection.turn = turn

    return engine


BUSY_TIMEOUT_S = 30.0
# A writer that cannot get its turn within this long writes anyway and leaves the wait to
# SQLite's busy handler (which then fails it with "database is locked"): a hung holder
# must not hang every writer for ever.
TURN_WAIT_S = BUSY_TIMEOUT_S
TURN_POLL_S = 0.001


class WriteTurn:
    """One writer at a time on a SQLite file, across threads and processes.

    SQLite has one writer. A connection that finds the write lock taken polls in
    SQLite's busy handler, sleeping up to 100 ms between tries, and loses to any writer
    that comes in between: under load a few API requests starved for seconds while
    later ones passed, and the oracle's first write after a close waited 2.2 s behind
    the API's workers (bench/README.md, the load test's tail). So writers queue here
    instead: a thread lock per process, whose waiters wake as soon as it is released,
    and an `flock` on `<database>.write-turn` between processes, tried every
    millisecond by at most one thread of each. A connection takes its turn at the first
    statement that writes (where SQLite's own lock is taken: Python's sqlite3 begins a
    transaction there, reads before it run outside one) and gives it back when the
    transaction commits, rolls back or the connection closes."""

    def __init__(self, lock_file: Path | None) -> None:
        self._threads = threading.Lock()
        self._lock_file = lock_file
        self._fd: int | None = None
        self._fd_pid = 0

    def take(self) -> bool:
        """Wait for the turn; False when it did not come within TURN_WAIT_S."""
        deadline = time.monotonic() + TURN_WAIT_S
        if not self._threads.acquire(timeout=TURN_WAIT_S):
            return False
        if self._lock_file is None:
            return True
        fd = self._descriptor()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self._threads.release()
                    return False
                time.sleep(TURN_POLL_S)

    def give_back(self) -> None:
        if self._fd is not None and self._fd_pid == os.getpid():
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def _descriptor(self) -> int:
        # A forked child shares its parent's open file and with it the parent's lock:
        # each process opens its own.
        if self._fd is None or self._fd_pid != os.getpid():
            assert self._lock_file is not None
            self._fd = os.open(f"{self._lock_file}.write-turn", os.O_RDWR | os.O_CREAT, 0o600)
            self._fd_pid = os.getpid()
        return self._fd


_TURNS: dict[str, WriteTurn] = {}
_TURNS_LOCK = threading.Lock()


def write_turn(database: Path | None) -> WriteTurn:
    """This process's turn object for a SQLite file (shared by every engine on it, so its
    threads queue together), or a per-call one for an in-memory database."""
    if database is None:
        return WriteTurn(None)
    key = str(database.resolve())
    with _TURNS_LOCK:
        return _TURNS.setdefault(key, WriteTurn(Path(key)))


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class TurnTakingConnection(sqlite3.Connection):
    """A sqlite3 connection whose cursors take the write turn before a transaction's first
    write; the turn is given back when the transaction ends."""

    turn: WriteTurn | None = None
    holding = False

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or TurnTakingCursor)

    def take_turn(self) -> None:
        if not self.holding and self.turn is not None:
            self.holding = self.turn.take()

    def give_back_turn(self) -> None:
        if self.holding and self.turn is not None:
            self.holding = False
            self.turn.give_back()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.give_back_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.give_back_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_back_turn()


class TurnTakingCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        if sql.lstrip()[:7].upper().startswith(WRITES):
            self.connection.take_turn()  # type: ignore[attr-defined]
        return super().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Any:
        if sql.lstrip()[:7].upper().startswith(WRITES):
            self.connection.take_turn()  # type: ignore[attr-defined]
        return super().executemany(sql, seq_of_parameters)


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
