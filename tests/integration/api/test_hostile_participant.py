"""A hostile participant floods the market while honest ones trade, through the API, the
real oracle and a real node (issue: hostile input, "Must show").

Mallory sends curves of 10³⁰ GB/h, numbers at the edge of double precision (NaN and
Infinity literals, 10³⁰⁸, subnormals, a price step of 10⁻¹³ at the margin) and
self-crossing pairs (a buy above its own sell); it holds 10 tokens of collateral. Every
hour must commit with a certificate within tolerance, and the honest participants'
results (prices, their trades and cash, their positions) must equal those of the same
hours run without Mallory: the same deployment and the same honest orders on a fresh
database, from the same chain state.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hostile_harness import TOKEN, LiveMarket, address, live_market
from sqlmodel import Session
from web3 import Web3

from flowmarket.chain.build import ArtifactSet
from flowmarket.clearing import clear_document
from flowmarket.config import Settings
from flowmarket.db import oracle_repo
from flowmarket.errors import FieldError
from flowmarket.oracle.hour_commitment import build_hour_bundle

HOURS = 3
HONEST = ("supplier", "buyer", "reseller")
# 10 GB/h over a price step of 10⁻¹³ tokens, a little above premium's clearing price:
# backed by Mallory's collateral and inside every limit, but no double-precision price
# resolves its quantity. The certificate gate names it; the oracle quarantines it.
FLAT = [(-5.0, 6.00000000000005), (5.0, 5.99999999999995)]


def honest_orders(market: LiveMarket, hour: int, previous: dict[str, str]) -> dict[str, str]:
    """This hour's honest book: each participant replaces its order of last hour (prices
    moving with the hour), through the API. Returns {participant: order id}."""
    shift = 0.5 * (hour - market.genesis)
    curves = {
        "supplier": ({"premium": 1.0}, [(-60.0, 9.0 + shift), (0.0, 2.0 + shift)]),
        "buyer": ({"premium": 1.0}, [(0.0, 13.0 - shift), (45.0, 3.0)]),
        "reseller": ({"regular": 1.0, "premium": -0.5}, [(-10.0, 4.0), (0.0, 2.5), (8.0, 0.5)]),
    }
    out = {}
    for who, (portfolio, curve) in curves.items():
        last = market.genesis + HOURS - 1
        response = market.submit(
            who, portfolio, curve, hours=(hour, last), replaces=previous.get(who)
        )
        assert response.status_code == 200, response.text
        out[who] = response.json()["order"]["order_hash"]
    return out


def flood(market: LiveMarket, hour: int) -> dict[str, list[int]]:
    """Mallory's hour: every hostile request it sends, by kind, and the statuses."""
    statuses: dict[str, list[int]] = {}

    def send(kind: str, portfolio: dict[str, float], curve: Any) -> None:
        try:  # signed when its numbers can be signed at all
            body = market.body("mallory", portfolio, curve, hours=(hour, hour))
        except FieldError:  # else a signature over other numbers
            body = market.body(
                "mallory", {"premium": 1.0}, [(0.0, 2.0), (1.0, 1.0)], hours=(hour, hour)
            )
            body["order"] |= {"portfolio": portfolio, "curve": [list(p) for p in curve]}
        response = market.client.post("/v1/orders", json=body)
        statuses.setdefault(kind, []).append(response.status_code)

    for scale in (1e12, 1e20, 1e30, 1e300):
        send("giant", {"premium": 1.0}, [(-scale, 12.0), (scale, 4.0)])
        send("giant", {"premium": 1.0, "regular": -1.0}, [(0.0, scale), (1.0, 4.0)])
    send("edge", {"premium": 1.0}, [(-1.7e308, 12.0), (1.7e308, 4.0)])
    send("edge", {"premium": 1.0}, [(-5e-324, 12.0), (5e-324, 4.0)])
    send("edge", {"premium": 5e-324}, [(-1.0, 12.0), (1.0, 4.0)])
    for literal in ("NaN", "Infinity", "-Infinity", "1e400"):
        body = json.dumps(market.body("mallory", {"premium": 1.0}, [], hours=(hour, hour)))
        raw = body.replace('"curve": []', f'"curve": [[-1, {literal}], [1, 4]]')
        response = market.client.post(
            "/v1/orders", content=raw.encode(), headers={"content-type": "application/json"}
        )
        statuses.setdefault("edge", []).append(response.status_code)
    send("crossing", {"premium": 1.0}, [(0.0, 14.0), (100.0, 13.0)])  # buys above
    send("crossing", {"premium": 1.0}, [(-100.0, 2.0), (0.0, 1.0)])  # its own sell
    send("flat", {"premium": 1.0}, FLAT)
    return statuses


def run(market: LiveMarket, *, hostile: bool) -> dict[str, Any]:
    """Fund, trade HOURS hours (with Mallory's flood when `hostile`); what the run left:
    each hour's journal, statuses, honest positions, published order set and exclusions,
    and the hours committed on chain."""
    for who in HONEST:
        market.fund(who, 10_000 * TOKEN)
    if hostile:
        market.fund("mallory", 10 * TOKEN)
    previous: dict[str, str] = {}
    records = []
    for hour in range(market.genesis, market.genesis + HOURS):
        previous = honest_orders(market, hour, previous)
        statuses = flood(market, hour) if hostile else {}
        market.clear(hour)
        with Session(market.engine) as session:
            journal = oracle_repo.journal_hour(session, hour=hour)
            positions = oracle_repo.positions_of(session, participants=[address(w) for w in HONEST])
        assert journal is not None and journal.result_doc is not None
        records.append(
            {
                "hour": hour,
                "journal": journal,
                "statuses": statuses,
                "positions": positions,
                "order_set": market.client.get(f"/v1/hours/{hour}/orders").json(),
                "exclusions": market.client.get(f"/v1/hours/{hour}/exclusions").json(),
            }
        )
    committed = {event["hour"]: event for event in market.committed_hours()}
    return {"hours": records, "committed": committed}


def honest_view(record: dict[str, Any]) -> dict[str, Any]:
    result = record["journal"].result_doc
    honest = {address(w) for w in HONEST}
    return {
        "prices": result["prices"],
        "participants": {p: v for p, v in result["participants"].items() if p in honest},
        "positions": record["positions"],
    }


@pytest.fixture
def paired(
    settings: Settings,
    compiled: ArtifactSet,
    rpc_url: str,
    w3: Web3,
    tmp_path: Path,
    chain_snapshot: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The hostile run, then the same chain state and honest orders without Mallory."""
    make = w3.provider.make_request
    start = make("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    with live_market(settings, compiled, rpc_url, w3, tmp_path / "hostile") as market:
        hostile = run(market, hostile=True)
        genesis = market.genesis
    make("evm_revert", [start])  # type: ignore[arg-type]
    with live_market(
        settings, compiled, rpc_url, w3, tmp_path / "honest", genesis=genesis
    ) as alone:
        honest = run(alone, hostile=False)
    return hostile, honest


def test_a_flooding_participant_breaks_no_hour_and_changes_no_honest_result(
    paired: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    hostile, honest = paired
    # Nothing hostile got a 5xx; nothing but the flat order got in.
    for record in hostile["hours"]:
        statuses = record["statuses"]
        for kind in ("giant", "edge", "crossing"):
            assert all(400 <= s < 500 for s in statuses[kind]), (kind, statuses)
        assert statuses["flat"] == [200]
    # Every hour committed, with a certificate within tolerance: the published order set
    # re-clears (the gate passes) to the committed roots; Mallory's order is quarantined.
    committed = hostile["committed"]
    assert sorted(committed) == [r["hour"] for r in hostile["hours"]]
    prior: dict[str, float] = {}
    for record in hostile["hours"]:
        hour, journal, order_set = record["hour"], record["journal"], record["order_set"]
        result = clear_document(order_set, {"prices": prior})
        bundle = build_hour_bundle(result, hour=hour, fee_bps=journal.fee_bps)
        assert committed[hour]["entriesRoot"] == bundle.commitment.entries_root
        assert committed[hour]["pricesRoot"] == bundle.commitment.prices_root
        assert address("mallory") not in {o["participant"] for o in order_set["orders"]}
        assert [(row["participant"], row["stage"]) for row in record["exclusions"]] == [
            (address("mallory"), "quarantine")
        ]
        prior = result["prices"]
    # The honest participants' results equal those of the same hours without Mallory.
    assert [honest_view(r) for r in hostile["hours"]] == [honest_view(r) for r in honest["hours"]]
