"""SQLite writers take turns (`db.engine.WriteTurn`): a write waits for the turn, not in
SQLite's busy handler, whether the holder is another thread or another process; the turn
is given back when a transaction ends either way; a holder that never lets go delays a
writer by TURN_WAIT_S, not for ever."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from flowmarket.db import engine as db_engine
from flowmarket.db.engine import make_engine, upgrade, write_turn
from flowmarket.db.oracle_tables import OracleAlert

WAIT_S = 0.5  # long enough for a writer that does not wait for the turn to be done


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[Path, Engine]]:
    path = tmp_path / "turns.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    yield path, engine
    engine.dispose()


def alert(engine: Engine, message: str) -> None:
    with engine.begin() as connection:
        connection.execute(insert(OracleAlert).values(kind="test", message=message, at=0.0))


def alerts(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(OracleAlert)).scalar_one())


def test_a_write_waits_while_another_thread_holds_the_turn(
    database: tuple[Path, Engine],
) -> None:
    path, engine = database
    turn = write_turn(path)
    assert write_turn(path) is turn  # one turn per file in a process, whatever the engine
    with ThreadPoolExecutor(1) as pool:
        assert turn.take()  # SQLite itself is free: only the turn holds the writer back
        try:
            writing = pool.submit(alert, engine, "waited")
            time.sleep(WAIT_S)
            assert not writing.done()
            assert alerts(engine) == 0
        finally:
            turn.give_back()
        writing.result(timeout=10)
    assert alerts(engine) == 1


def test_a_write_waits_while_another_process_holds_the_turn(
    database: tuple[Path, Engine],
) -> None:
    path, engine = database
    holder = os.open(f"{path}.write-turn", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(holder, fcntl.LOCK_EX)  # as another process's turn
    script = (
        "import sys\n"
        "from sqlalchemy import insert\n"
        "from flowmarket.db.engine import make_engine\n"
        "from flowmarket.db.oracle_tables import OracleAlert\n"
        "engine = make_engine(sys.argv[1])\n"
        "print('writing', flush=True)\n"
        "with engine.begin() as connection:\n"
        "    connection.execute(insert(OracleAlert).values(kind='test', message='child', at=0.0))\n"
        "print('written', flush=True)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, f"sqlite:///{path}"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "writing"
        time.sleep(WAIT_S)
        assert child.poll() is None
        assert alerts(engine) == 0
        fcntl.flock(holder, fcntl.LOCK_UN)
        assert child.stdout.readline().strip() == "written"
        assert child.wait(timeout=30) == 0
    finally:
        child.kill()
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
        os.close(holder)
    assert alerts(engine) == 1


def test_the_turn_is_given_back_when_a_write_fails(
    database: tuple[Path, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, engine = database
    monkeypatch.setattr(db_engine, "TURN_WAIT_S", 2.0)
    alert(engine, "first")
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(OracleAlert).values(kind="test", message="x", at=0.0))
        connection.execute(insert(OracleAlert).values(id=1, kind="test", message="dup", at=0.0))
    turn = write_turn(path)
    with ThreadPoolExecutor(1) as pool:  # another thread: the lock is not re-entrant
        started = time.monotonic()
        assert pool.submit(turn.take).result(timeout=10)
        assert time.monotonic() - started < 1.0
        pool.submit(turn.give_back).result(timeout=10)
    assert alerts(engine) == 1  # the failed transaction left nothing


def test_a_holder_that_never_lets_go_delays_a_writer_by_the_wait_only(
    database: tuple[Path, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, engine = database
    monkeypatch.setattr(db_engine, "TURN_WAIT_S", 0.3)
    holder = os.open(f"{path}.write-turn", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        started = time.monotonic()
        alert(engine, "late")  # SQLite is free: written once the wait is over
        waited = time.monotonic() - started
        alert(engine, "later")  # the thread lock was released with the failed wait
    finally:
        os.close(holder)
    assert 0.3 <= waited < 5.0
    assert alerts(engine) == 2
