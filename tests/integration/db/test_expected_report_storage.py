"""Expected-position reports on both databases: racing reports leave the highest nonce
applied, the same report raced is stored once, and zero withdraws a product."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.api.expected_intake import VerifiedReport
from flowmarket.backend.participation import SqlBackend
from flowmarket.db import oracle_repo
from flowmarket.errors import Conflict

ALICE = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"


def verified(nonce: int, positions: dict[str, float]) -> VerifiedReport:
    return VerifiedReport(
        report_hash="0x" + f"{nonce:032x}{abs(hash(tuple(positions.items()))):032x}"[:64],
        participant=ALICE,
        nonce=nonce,
        deadline=2_000_000_000,
        positions=positions,
        signature="0x" + "11" * 65,
    )


def store(backend: SqlBackend, report: VerifiedReport, at: float) -> str:
    try:
        _, _, duplicate = backend.store_expected_report(
            report, reported_at=at, receipt_signature="0x" + "22" * 65
        )
    except Conflict as exc:
        return f"conflict:{exc.field}"
    return "duplicate" if duplicate else "stored"


def oracle_view(engine: Engine) -> dict[str, float]:
    with Session(engine) as session:
        return oracle_repo.expected_positions(session, participants=[ALICE])[ALICE]


def test_racing_reports_leave_the_highest_nonce_applied(engine: Engine) -> None:
    backend = SqlBackend(engine)
    reports = [verified(n, {"premium-eu": float(n), f"x{n}": 1.0}) for n in range(1, 9)]
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda r: store(backend, r, 1000.0 + r.nonce), reports))

    applied = [r.nonce for r, outcome in zip(reports, outcomes, strict=True) if outcome == "stored"]
    assert set(outcomes) <= {"stored", "conflict:report.nonce"}
    assert applied[-1] == 8
    view = oracle_view(engine)
    assert view["premium-eu"] == 8.0
    assert {name for name in view if name.startswith("x")} == {f"x{n}" for n in applied}
    assert backend.expected_positions(ALICE).last_nonce == 8


def test_the_same_report_raced_from_eight_threads_is_stored_once(engine: Engine) -> None:
    backend = SqlBackend(engine)
    report = verified(3, {"premium-eu": 2.0})
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda k: store(backend, report, 1000.0 + k), range(8)))
    assert sorted(outcomes) == ["duplicate"] * 7 + ["stored"]
    assert oracle_view(engine) == {"premium-eu": 2.0}


def test_a_later_report_overwrites_named_products_and_zero_withdraws(engine: Engine) -> None:
    backend = SqlBackend(engine)
    assert store(backend, verified(1, {"premium-eu": 2.0, "regular-eu": -1.0}), 10.0) == "stored"
    assert store(backend, verified(2, {"regular-eu": 0.0, "fast-us": 4.5}), 20.0) == "stored"
    assert store(backend, verified(2, {"premium-eu": 9.0}), 30.0) == "conflict:report.nonce"

    current = backend.expected_positions(ALICE)
    assert oracle_view(engine) == {"premium-eu": 2.0, "fast-us": 4.5}
    assert [(p.product, p.reported_at) for p in current.positions] == [
        ("fast-us", 20.0),
        ("premium-eu", 10.0),
    ]
    assert (current.last_nonce, current.next_nonce) == (2, 3)
