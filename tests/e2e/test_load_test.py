"""bench/load_test.py on a real small market, and its checks failing when they must.

One short run (a node with the market deployed, `flowmarket serve`, `flowmarket oracle
run` with 8-second market hours, 200 signed orders/s for 24 s: three hours cleared)
must pass every check. Then the kept run is tampered with the way a broken market
would break it, and the same checks must name the fault: an order deleted from the
database is lost; an order taken out of an hour's journaled book is a live order
missing from it; a replaced order put back into a book is stale; a receipt whose entry
was changed no longer matches the batch; an hour removed from the oracle's log was
never published.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from flowmarket.backend.serve import open_database
from flowmarket.db.models import Order
from flowmarket.db.oracle_tables import OracleHourBook

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import load_test  # noqa: E402  (bench/ is not a package)

pytestmark = pytest.mark.chain

ARGS = [
    "--minutes", "0.4", "--rate", "200", "--batch-size", "20", "--replace-every-s", "2",
    "--hour-length-s", "8", "--workers", "1", "--oracle-grace-s", "90",
    "--publish-within-s", "60",  # the first hour compiles the engine: seconds when loaded
]  # fmt: skip


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    folder = tmp_path_factory.mktemp("load")
    command = [sys.executable, str(ROOT / "bench" / "load_test.py"), *ARGS, "--keep", str(folder)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    yield folder, done.stdout + done.stderr
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def fresh_copy(kept: tuple[Path, str], tmp_path: Path) -> tuple[load_test.Run, Path]:
    """The kept run copied (database, record, oracle log), so each test tampers alone."""
    folder, _ = kept
    run = load_test.Run.load_from(folder / load_test.RUN_FILE)
    source = run.database_url.removeprefix("sqlite:///")
    target = tmp_path / "market.sqlite"
    target.write_bytes(Path(source).read_bytes())
    (tmp_path / load_test.ORACLE_LOG).write_bytes((folder / load_test.ORACLE_LOG).read_bytes())
    run.database_url = f"sqlite:///{target}"
    run.save(tmp_path / load_test.RUN_FILE)
    return run, tmp_path


def failures(run: load_test.Run, folder: Path) -> list[str]:
    return load_test.check_run(run, folder).failures


def book(run: load_test.Run, hour: int) -> list[str]:
    """The ids in the journaled book of `hour`."""
    engine = open_database(run.database_url)
    with engine.connect() as connection:
        doc = connection.execute(
            select(OracleHourBook.engine_doc).where(OracleHourBook.hour == hour)  # type: ignore[arg-type]
        ).scalar_one()
    engine.dispose()
    return [o["id"] for o in doc["orders"]]


def test_a_small_run_passes_every_check(kept: tuple[Path, str]) -> None:
    folder, output = kept
    assert "every check passed" in output, output[-3000:]
    run = load_test.Run.load_from(folder / load_test.RUN_FILE)
    # 200 orders/s in sets of 20 replaced every 2 s: 20 wallets, 12 sets each in 24 s.
    assert run.wallets == 20 and len(run.planned) == 240
    assert sum(len(p.ids) for p in run.planned) == 4800
    assert run.hours() == [run.genesis_hour + k for k in range(3)]
    # At each close every wallet has exactly one standing set that bids for the hour
    # (the one sent last, or its replacement if that was accepted before the close).
    for hour in run.hours():
        assert len(book(run, hour)) == 20 * 20
    rows = [line.split(" | ") for line in output.splitlines() if line[:6].isdigit()]
    assert [int(r[0]) for r in rows] == run.hours()
    assert all(r[4] == "0" and r[5] == "0" for r in rows)  # nothing missing, nothing stale


def test_an_order_deleted_from_the_database_is_lost(kept: tuple[Path, str], tmp_path: Path) -> None:
    run, folder = fresh_copy(kept, tmp_path)
    assert failures(run, folder) == []
    victim = run.planned[-1].ids[3]  # the last batch: live, replaces nothing later
    engine = open_database(run.database_url)
    with engine.begin() as connection:
        connection.execute(delete(Order).where(Order.order_hash == victim))  # type: ignore[arg-type]
    engine.dispose()
    found = failures(run, folder)
    assert len(found) == 1 and "stored 4,799, lost 1" in found[0] and victim in found[0]
    command = [sys.executable, str(ROOT / "bench" / "load_test.py"), "--check", str(folder)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 1 and "FAIL  orders receipted 4,800, stored 4,799" in done.stdout


def test_a_live_order_missing_from_the_book_and_a_replaced_one_in_it(
    kept: tuple[Path, str], tmp_path: Path
) -> None:
    run, folder = fresh_copy(kept, tmp_path)
    hour = run.hours()[0]
    ids = book(run, hour)
    # A replaced order: the wallet's first set was replaced long before the first close.
    replaced = run.planned[0].ids[0]
    assert replaced not in ids
    engine = open_database(run.database_url)
    with engine.begin() as connection:
        doc: dict[str, Any] = connection.execute(
            select(OracleHourBook.engine_doc).where(OracleHourBook.hour == hour)  # type: ignore[arg-type]
        ).scalar_one()
        # The book in acceptance order: the middle one's set was sent about a second
        # before the close (answered before it) and replaced about a second after it
        # (the oldest and the newest orders may have been in flight at the close).
        dropped = doc["orders"].pop(len(doc["orders"]) // 2)
        doc["orders"].append({**dropped, "id": replaced})
        connection.execute(
            update(OracleHourBook).where(OracleHourBook.hour == hour).values(engine_doc=doc)  # type: ignore[arg-type]
        )
    engine.dispose()
    found = failures(run, folder)
    assert len(found) == 2
    assert f"hour {hour}: 1 live orders missing" in found[0] and dropped["id"] in found[0]
    assert found[1] == f"hour {hour}: 1 replaced orders in the book"


def test_a_wrong_receipt_and_an_unpublished_hour(kept: tuple[Path, str], tmp_path: Path) -> None:
    run, folder = fresh_copy(kept, tmp_path)
    run.answers[5].entries[0][0] = run.planned[6].ids[0]
    log = folder / load_test.ORACLE_LOG
    last = run.hours()[-1]
    lines = [
        line
        for line in log.read_text().splitlines()
        if not (f'"hour": {last}' in line and "hour done" in line)
    ]
    log.write_text("\n".join(lines))
    found = failures(run, folder)
    assert len(found) == 2
    assert "receipts checked (operator signature, entries, root): 1 wrong [(5," in found[0]
    assert found[1] == f"hour {last}: published within 60 s of its close (never s after its close)"


def test_keeping_a_run_in_a_folder_that_holds_one_is_refused(tmp_path: Path) -> None:
    """A second run kept in the same folder would reuse the first one's database (every
    batch refused for its nonces, the oracle refusing the new clock): refused up front."""
    (tmp_path / "market.sqlite").write_bytes(b"a kept run")
    command = [sys.executable, str(ROOT / "bench" / "load_test.py"), *ARGS, "--keep", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"--keep: {tmp_path} is not empty" in done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "market.sqlite").read_bytes() == b"a kept run"
