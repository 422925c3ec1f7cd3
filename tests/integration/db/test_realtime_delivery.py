"""Real-time delivery through the oracle's solve step on a real database.

Hand-worked scenario (tests/realtime_steps.py): at delivery of HOUR alice holds 5 GB
premium (real-time, bought at 5), bob 5 GB regular (an hourly forward, converted 1:1
into the real-time product), cat 4 GB regular (real-time, bought at 2). The operator
meters alice 6 GB premium and bob 8 GB regular (cat nothing); eu serves 10 GB. Premium
is served first (6), regular gets the other 4, all bob's. With a 1-token premium:
alice 1 GB over pays 1 × (5 + 1) = 6; bob served 4 of his 5 is credited 1 × 2 = 2 (he
was throttled); cat sells back 4 × 2 = 8; the operator takes −(−6 + 2 + 8) = −4.
The imbalance is settled in the clearing of HOUR + 2.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.cli.main import main
from flowmarket.db import oracle_repo, usage_repo
from flowmarket.db.usage_repo import UsageBatch
from flowmarket.errors import Conflict
from flowmarket.money import WAD
from flowmarket.oracle.hour_commitment import build_hour_bundle
from flowmarket.oracle.journal import require
from realtime_steps import (
    ALICE,
    BOB,
    CAT,
    HOUR,
    OPERATOR,
    clear,
    pair,
    product,
    trade_up_to_delivery,
)

SETTLING = HOUR + 2
TOLERANCE = WAD // 10**6  # the solver's prices and trades are exact to ~1e-9


def report(engine: Engine, entries: list[tuple[str, str, int]], tag: str = "a") -> bool:
    batch = UsageBatch(HOUR, tuple(entries), "0x" + tag * 64, OPERATOR, "0x" + "11" * 65)
    with Session(engine, expire_on_commit=False) as session:
        _, duplicate = usage_repo.store_usage(session, batch, lag=2, reported_at=1.0)
    return duplicate


USAGE = [(product("rt", "premium"), ALICE, 6 * WAD), (product("rt", "regular"), BOB, 8 * WAD)]


def settle(engine: Engine) -> None:
    clear(engine, SETTLING, pair(product("rt", "premium", SETTLING), ALICE, top=10.0, width=10.0))


def test_metered_usage_is_rationed_and_its_imbalance_enters_the_settling_hours_cash(
    engine: Engine,
) -> None:
    trade_up_to_delivery(engine)
    assert report(engine, USAGE) is False
    settle(engine)
    with Session(engine) as session:
        rows = {
            (r.product.split(":")[2], r.participant): r
            for r in usage_repo.settlements(session, hour=HOUR)
        }
        amounts = _amounts(session, SETTLING)
        journal = require(session, SETTLING)
    assert {k: int(r.served) for k, r in rows.items()} == {
        ("premium", ALICE): 6 * WAD,
        ("regular", BOB): 4 * WAD,  # throttled from 8: premium came first
        ("regular", CAT): 0,
    }
    assert int(rows[("regular", BOB)].position) == pytest.approx(5 * WAD, abs=TOLERANCE)
    expected = {ALICE: -6 * WAD, BOB: 2 * WAD, CAT: 8 * WAD, OPERATOR: -4 * WAD}
    imbalance = {p: int(v) for p, v in journal.result_doc["imbalance"].items()}
    assert set(imbalance) == set(expected)
    for participant, wei in expected.items():
        assert imbalance[participant] == pytest.approx(wei, abs=TOLERANCE)
    assert sum(imbalance.values()) == 0
    # The settling hour's committed amounts carry it: net cash + fees sum to exactly 0,
    # and bob and cat, who did not trade in that hour, have entries of their own.
    net, fees = amounts
    assert sum(net.values()) + sum(fees.values()) == 0
    assert net[BOB] == imbalance[BOB] and net[CAT] == imbalance[CAT]
    bundle = build_hour_bundle(journal.result_doc, hour=SETTLING, fee_bps=30)
    assert bundle.entry_fields(CAT)[1] == imbalance[CAT]  # re-derived from the published result


def _amounts(session: Session, hour: int) -> tuple[dict[str, int], dict[str, int]]:
    net: dict[str, int] = {}
    fees: dict[str, int] = {}
    for participant in (ALICE, BOB, CAT, OPERATOR):
        entry = oracle_repo.participant_amounts(session, participant=participant).get(hour)
        if entry is not None:
            net[participant], fees[participant] = entry
    return net, fees


def test_usage_reports_are_idempotent_refuse_changes_and_are_final_once_settled(
    engine: Engine,
) -> None:
    trade_up_to_delivery(engine)
    assert report(engine, USAGE) is False
    assert report(engine, USAGE, tag="b") is True  # the same entries again change nothing
    changed = [(product("rt", "premium"), ALICE, 7 * WAD)]
    with pytest.raises(Conflict, match=r"report\.entries\[0\]\.gb"):
        report(engine, changed)
    settle(engine)
    with pytest.raises(Conflict, match=r"report\.hour.*final"):
        report(engine, [(product("rt", "regular"), CAT, WAD)])
    with Session(engine) as session:
        assert usage_repo.unsettled_reports(session, hour=HOUR) == []
        assert len(usage_repo.settlements(session, hour=HOUR)) == 3


def test_an_unmetered_hour_settles_nothing(engine: Engine) -> None:
    trade_up_to_delivery(engine)
    settle(engine)
    with Session(engine) as session:
        assert "imbalance" not in require(session, SETTLING).result_doc
        assert usage_repo.settlements(session, hour=HOUR) == []


# This hand-made market posts no collateral, so the report's collateral plot has no
# labelled line (matplotlib warns); the delivery section is what this test reads.
@pytest.mark.filterwarnings("ignore:No artists with labels:UserWarning")
def test_the_report_shows_throttling_per_type_and_positions_against_usage(
    engine: Engine, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trade_up_to_delivery(engine)
    report(engine, USAGE)
    settle(engine)
    out = tmp_path / "report.html"
    assert main(["report", "--database-url", database_url, "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert '<section id="delivery">' in html
    # regular: 8 GB demanded, 4 served, 4 throttled; premium 6 of 6
    regular = html.split("<th>regular</th>")[1].split("</tr>")[0]
    assert regular.count(f'data-value="{4 * WAD}"') == 2 and f'data-value="{8 * WAD}"' in regular
    assert "Premium was never rationed in the 1 metered hours." in html
