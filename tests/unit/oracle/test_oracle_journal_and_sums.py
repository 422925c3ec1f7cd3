"""The journal's step machine and the exact weekly sums, on a real SQLite database."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session

from flowmarket.backend.serve import open_database
from flowmarket.chain.leaves import settlement_week
from flowmarket.clearing import clear_document
from flowmarket.db import oracle_repo
from flowmarket.db.oracle_tables import OracleHour
from flowmarket.errors import JournalError
from flowmarket.money import hour_amounts
from flowmarket.oracle.journal import advance, commitment_of, load, require, result_of
from flowmarket.oracle.status import oracle_status
from flowmarket.states import JournalStep

SNAPSHOTTED, CLEARED, SENT, COMMITTED, PUBLISHED = JournalStep
WALLETS = [
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(f"sqlite:///{tmp_path / 'oracle.sqlite'}")
    yield engine
    engine.dispose()


def journal_row(hour: int, step: str = SNAPSHOTTED) -> OracleHour:
    return OracleHour(
        hour=hour,
        step=step,
        close_time=float(hour),
        fee_bps=10,
        engine_doc={"products": [], "orders": []},
        owners={},
        collateral={},
        updated_at=time.time(),
    )


def test_the_journal_moves_only_forward_through_its_steps(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        session.add(journal_row(7))
        session.commit()
        row = load(session, 7)
        assert row is not None
        with pytest.raises(JournalError, match="from step 'snapshotted' to 'sent'"):
            advance(session, row, SENT)
        for step in (CLEARED, SENT, SENT, COMMITTED, PUBLISHED):
            advance(session, row, step)
        with pytest.raises(JournalError, match="from step 'published'"):
            advance(session, row, SNAPSHOTTED)
    with Session(engine) as session:
        stored = load(session, 7)
        assert stored is not None and stored.step == PUBLISHED


def test_a_step_change_rewrites_the_small_journal_row_and_not_the_documents(
    engine: Engine,
) -> None:
    """SQLite rewrites a whole row when one of its columns changes: a step change must
    not touch the row of the order set (megabytes an hour at the demo catalogue)."""
    with Session(engine, expire_on_commit=False) as session:
        session.add(journal_row(9))
        session.commit()
    written: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            written.append(" ".join(statement.split()[:3]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with Session(engine, expire_on_commit=False) as session:
            row = require(session, 9, light=True)
            row.result_doc = {"prices": {}, "welfare": 0.0}
            advance(session, row, CLEARED)
            assert sorted(written) == [
                "UPDATE oracle_hour_clearings SET",
                "UPDATE oracle_hours SET",
            ]
            written.clear()
            for step in (SENT, COMMITTED, PUBLISHED):
                advance(session, row, step)
            assert written == ["UPDATE oracle_hours SET"] * 3
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with Session(engine) as session:
        stored = require(session, 9)
        assert (stored.step, stored.engine_doc, stored.result_doc) == (
            PUBLISHED,
            {"products": [], "orders": []},
            {"prices": {}, "welfare": 0.0},
        )


# Written out by hand: the only moves an hour's journal may make.
ALLOWED = {
    ("snapshotted", "cleared"),
    ("cleared", "sent"),
    ("cleared", "committed"),  # the ledger already holds exactly this commitment
    ("sent", "sent"),  # a journaled transaction that never landed is signed again
    ("sent", "committed"),
    ("committed", "published"),
}


@pytest.mark.parametrize("start", list(JournalStep))
@pytest.mark.parametrize("target", list(JournalStep))
def test_advance_allows_exactly_the_listed_transitions(
    engine: Engine, start: JournalStep, target: JournalStep
) -> None:
    hour = 1000 + 10 * list(JournalStep).index(start) + list(JournalStep).index(target)
    with Session(engine, expire_on_commit=False) as session:
        session.add(journal_row(hour, start))
        session.commit()
        row = require(session, hour)
        if (start.value, target.value) in ALLOWED:
            advance(session, row, target)
        else:
            with pytest.raises(JournalError, match=f"from step '{start}' to '{target}'"):
                advance(session, row, target)
    with Session(engine) as session:
        stored = require(session, hour)
        moved = (start.value, target.value) in ALLOWED
        assert stored.step == (target if moved else start)


def test_require_raises_a_journal_error_for_a_missing_hour_or_document(engine: Engine) -> None:
    with Session(engine) as session:
        with pytest.raises(JournalError, match="hour 404: not in the journal"):
            require(session, 404)
        session.add(journal_row(405, CLEARED))
        session.commit()
        row = require(session, 405)
        with pytest.raises(JournalError, match="hour 405: at step 'cleared' but no clearing"):
            result_of(row)
        with pytest.raises(JournalError, match="hour 405: at step 'cleared' but no commitment"):
            commitment_of(row)


def test_an_unknown_stored_step_is_a_journal_error(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(journal_row(406, "halfway"))
        session.commit()
        with pytest.raises(JournalError, match="unknown journal step 'halfway'"):
            advance(session, require(session, 406), CLEARED)


def random_result(rng: random.Random) -> dict[str, Any]:
    orders = []
    for k in range(8):
        sign = 1 if k % 2 else -1
        q = rng.uniform(1, 9)
        orders.append(
            {
                "id": f"o{k}",
                "participant": WALLETS[k % len(WALLETS)],
                "portfolio": {"premium": 1.0, "regular": rng.choice([-0.5, 0.5])}
                if k % 3
                else {"regular": 1.0},
                "curve": [[0, rng.uniform(6, 12)], [q, rng.uniform(0, 5)]]
                if sign > 0
                else [[-q, rng.uniform(6, 12)], [0, rng.uniform(0, 5)]],
            }
        )
    return clear_document({"orders": orders})


def test_weekly_amounts_are_the_exact_sums_of_the_hourly_integers_and_balance_the_fees(
    engine: Engine,
) -> None:
    rng = random.Random(7)
    expected: dict[str, int] = {}
    expected_fees = 0
    with Session(engine) as session:
        for hour in range(100, 112):
            amounts = hour_amounts(random_result(rng), fee_bps=25)
            session.add_all(oracle_repo.amounts_rows(hour, amounts.net_cash, amounts.fees))
            for participant, cash in amounts.net_cash.items():
                expected[participant] = expected.get(participant, 0) + cash
            expected_fees += amounts.total_fees
        session.commit()
        totals, fees = oracle_repo.week_totals(session, first_hour=100, last_hour=111)
        outside, _ = oracle_repo.week_totals(session, first_hour=112, last_hour=200)
    assert totals == expected and fees == expected_fees > 0
    assert outside == {}
    week = settlement_week(0, sorted(totals.items()), fees)  # refuses anything not zero-sum
    assert week.total_debits == week.total_credits + fees


def test_status_reports_last_cleared_and_committed_hours_lag_and_warnings(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        oracle_repo.save_clock(session, genesis_hour=100, epoch_s=1_000.0, hour_length_s=10.0)
        session.add_all(
            [journal_row(100, PUBLISHED), journal_row(101, COMMITTED), journal_row(102, SENT)]
        )
        session.commit()
        oracle_repo.add_alert(session, kind="rpc", message="commit: attempt 1 failed", hour=102)

    status = oracle_status(engine, now=1_055.0)

    assert status["last_cleared_hour"] == 102
    assert status["last_committed_hour"] == 101
    assert status["due_hour"] == 105
    assert status["lag_hours"] == 4
    assert [h["step"] for h in status["in_flight"]] == [COMMITTED, SENT]
    assert status["warnings"][0]["kind"] == "rpc"
