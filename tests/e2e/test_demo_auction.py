"""`flowmarket demo --auction`: a clock auction and an expansion auction with five bidders
before the first hour, committed and paid on chain, the clock awards credited as
positions that the following hours' clearings trade on top of.

Reads what the demo left: its summary, its SQLite database (positions, credits, the
hours' trades) and the gas table built from the chain's receipts.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from test_demo import run_demo

WAD = 10**18


@pytest.fixture(scope="module")
def auction_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    state = tmp_path_factory.mktemp("demo-auction")
    done = run_demo(
        state, "--auction", "--hours", "3", "--after-hours", "0", "--synthetic", "2",
        "--catalogue", "demo-tiny",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Primary auctions (before the first hour)" in done.stdout
    return state, json.loads((state / "summary.json").read_text())


def test_five_bidders_run_a_clock_auction_to_the_end_and_pay_on_chain(
    auction_demo: tuple[Path, dict[str, Any]],
) -> None:
    _, summary = auction_demo
    release, expansion = summary["auctions"]["demo-release"], summary["auctions"]["demo-expansion"]
    assert release["bidders"] >= 5 and release["rounds"] >= 2 and release["winners"] >= 1
    assert release["credited_positions"] == release["winners"]
    assert expansion["payments"] == expansion["cost_of_built"]  # cost recovered exactly
    paid = {line["kind"]: line["transactions"] for line in summary["gas"]["by_kind"]}
    assert paid["CapacityAuction.commitResults"] == 2
    assert paid["CapacityAuction.payAward"] == release["winners"] + expansion["winners"]


def test_awards_are_positions_the_next_hours_trade_on_top_of(
    auction_demo: tuple[Path, dict[str, Any]],
) -> None:
    state, _ = auction_demo
    db = sqlite3.connect(state / "flowmarket.sqlite")
    result = json.loads(
        db.execute("select result from auctions where name='demo-release'").fetchone()[0]
    )
    awarded: dict[tuple[str, str], float] = defaultdict(float)
    for award in result["awards"]:
        for product, quantity in award["quantities"].items():
            awarded[award["bidder"], product] += int(quantity) / WAD
    seller = json.loads(
        db.execute("select spec from auctions where name='demo-release'").fetchone()[0]
    )["seller"]
    for product in {p for _, p in awarded}:
        awarded[seller, product] = -sum(
            q for (b, p), q in awarded.items() if p == product and b != seller
        )
    traded: dict[tuple[str, str], float] = defaultdict(float)
    for participant, trades in db.execute("select participant, trades from hour_participants"):
        for product, quantity in json.loads(trades).items():
            traded[participant, product] += quantity
    positions = {
        (p, k): q for p, k, q in db.execute("select participant, product, quantity from positions")
    }
    assert db.execute("select count(*) from auction_credits").fetchone()[0] == len(result["awards"])
    for (who, product), award in awarded.items():
        assert positions.get((who, product), 0.0) == pytest.approx(
            award + traded[who, product], abs=1e-6
        )
    assert any(traded[key] for key in awarded), "the hours traded none of the awarded products"
