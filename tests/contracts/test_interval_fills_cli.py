"""Fills of an hour cleared in quarter-hours, checked like an hourly hour's: a real node,
the oracle's publication files and the `flowmarket` command (docs/schedule.md, "Fill
leaves of an hour of intervals").

The timelock sets a 900-second clearing interval; the first hour it governs is week 1's
trading hour H, cleared in four quarters. Each quarter's book (curves as (GB/h, tokens/GB)
points, straight between them), the same standing orders:

- alice buys up to 5 GB/h of premium paying 10 down to 9 tokens/GB;
- bob sells up to 5 at 1 up to 2.

All 5 GB/h trade at any price in [2, 9]; quarter 0's prior is hour H − 1's (empty, so 0)
and each later quarter's the quarter before's, so every quarter clears at 2. A quarter
delivers 5 × 900 / 3600 = 1.25 GB: alice pays 2.5 tokens and a fee of 10 bps of 2.5 =
0.0025 a quarter; bob is paid 2.5 less 0.0025. The hour: alice −10.01 tokens, bob +9.99,
fees 0.02. Each quarter's fill has a leaf keyed `interval:J:ID` and a trade line of what
it delivered: +1.25 GB for alice's, −1.25 GB for bob's (`TradeLines.amountIn`).

1. A thief with the oracle key invents alice's order (signed with the oracle key) and
   commits the hour from it. `verify --hour` flags each quarter's fill of it as unsigned;
   `challenge --hour` voids the hour: dave gets the 1,000-token bond to the wei and alice,
   who allowed pulls, is never debited.
2. The honest hour: verify finds nothing; every fill's `challengeUnsignedFill`, its lines'
   `challengeBalance` (`isLineOffFill`, `isLineMissing`) revert not-a-fault, the command
   refuses. Lines committed as rates (5 GB/h, not the 1.25 GB delivered) are off their
   fills: `challengeBalance` with `isLineOffFill` voids that hour.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path
from typing import Any

from challenge_harness import challenge_voids_the_hour
from market_harness import TOKEN, Market
from settlement_harness import post_root

from flowmarket.actions.verify import PublicationFiles, fill_tuple
from flowmarket.chain.leaves import order_key, product_id, settlement_week
from flowmarket.clearing import ResultDoc, clear_document
from flowmarket.oracle.hour_commitment import HourBundle, build_hour_bundle, interval_key
from flowmarket.oracle.publication import Publication, write_publication, write_week_publication
from flowmarket.oracle.publish import write_order_set
from flowmarket.oracle.trade_lines import build_tree, decode_line
from flowmarket.signing import Domain
from signed_books import message, signed_order

HOURS_PER_WEEK = 168
QUARTER_S = 900
DEMO_FEE_BPS = 10
DEMO_BOND = 1_000 * TOKEN
CHALLENGE_WINDOW_S = 3_600
MILLI = 10**15
EMPTY: dict[str, Any] = {"products": [], "orders": []}
PARAMS = "MarketParameters"


def domain(market: Market) -> Domain:
    return Domain(int(market.w3.eth.chain_id), market.deployment.addresses["ClearingLedger"])


def quarter_book(
    market: Market, hour: int, *, alice_key: str, engine: int | None = None
) -> dict[str, Any]:
    """A quarter's order set: alice's buy signed with `alice_key`, bob's sell by bob;
    naming clearing `engine` when given (docs/engine-versions.md)."""
    buys = message(market.address("alice"), {"premium": 1.0}, [[0, 10], [5, 9]],
                   nonce=hour, hours=(hour, hour))  # fmt: skip
    sells = message(market.address("bob"), {"premium": 1.0}, [[-5, 2], [0, 1]],
                    nonce=hour, hours=(hour, hour))  # fmt: skip
    book: dict[str, Any] = {
        "products": ["premium"],
        "orders": [
            signed_order(domain(market), alice_key, buys),
            signed_order(domain(market), market.keys["bob"], sells),
        ],
    }
    return book if engine is None else {**book, "engine": engine}


def publish_and_commit(
    market: Market, state: Path, hour: int, orders: dict[str, Any], result: Any
) -> HourBundle:
    """What the oracle does with a cleared hour (an hourly one, or the interval-hour
    documents): commit its roots, publish its files."""
    bundle = build_hour_bundle(
        result,
        hour=hour,
        fee_bps=DEMO_FEE_BPS,
        orders=orders["orders"],
        order_sets=orders.get("intervals", ()),
    )
    market.send("oracle", "ClearingLedger", "commitHour", hour, bundle.commitment.as_tuple())
    write_order_set(state, hour, orders, {})  # type: ignore[arg-type]
    publication = Publication(hour, DEMO_FEE_BPS, result, bundle.commitment.to_json(), "0x", 0)
    write_publication(state, publication)
    return bundle


def quarters_from_now(market: Market) -> int:
    """The timelock sets 15-minute clearings; returns the first hour they govern."""
    receipt = market.send("timelock", PARAMS, "setClearingInterval", QUARTER_S)
    [event] = market.events(receipt, PARAMS, "ClearingIntervalUpdated")
    return int(event["fromHour"])


def commit_week_one(
    market: Market, state: Path, *, alice_key: str, engine: int | None = None
) -> tuple[int, HourBundle]:
    """Clear, commit and publish every hour of week 1, hour H (the first the quarters
    govern) in four quarters, each naming clearing `engine` when given; returns (H, its
    bundle)."""
    hour = quarters_from_now(market)
    first = market.deployment.genesis_hour + HOURS_PER_WEEK
    assert first < hour < first + HOURS_PER_WEEK, "the quarters start inside week 1"
    assert market.view(PARAMS, "clearingIntervalAt", hour) == QUARTER_S
    market.advance(HOURS_PER_WEEK * 3600)
    committed = None
    for h in range(first, first + HOURS_PER_WEEK):
        if h != hour:
            publish_and_commit(market, state, h, EMPTY, clear_document(EMPTY, {"prices": {}}))
            continue
        books = [quarter_book(market, h, alice_key=alice_key, engine=engine) for _ in range(4)]
        results: list[ResultDoc] = []
        prior: dict[str, float] = {}  # hour H − 1 priced nothing
        for quarter in books:
            results.append(clear_document(quarter, {"prices": prior}))
            prior = results[-1]["prices"]
        assert [r["prices"] for r in results] == [{"premium": 2.0}] * 4
        orders = {"interval_s": QUARTER_S, "intervals": books, "products": [], "orders": []}
        document = {"interval_s": QUARTER_S, "intervals": results}
        committed = publish_and_commit(market, state, h, orders, document)
    assert committed is not None
    return hour, committed


def challenge(cli: Any, hour: int) -> subprocess.CompletedProcess[str]:
    return cli("challenge", "--hour", str(hour), "--files", str(cli.state), "--wallet", "dave",
               "--password-file", "password", "--yes")  # type: ignore[no-any-return]  # fmt: skip


def test_an_invented_order_in_a_quarter_hour_is_flagged_and_challenged_from_the_cli(
    market: Market, cli: Any
) -> None:
    state: Path = cli.state
    alice, bob = market.address("alice"), market.address("bob")
    market.send("timelock", PARAMS, "setChallengeWindow", CHALLENGE_WINDOW_S)
    hour, bundle = commit_week_one(market, state, alice_key=market.keys["oracle"])
    first = market.deployment.genesis_hour + HOURS_PER_WEEK
    invented = quarter_book(market, hour, alice_key=market.keys["oracle"])["orders"][0]
    # By hand (module docstring): alice −10.01 tokens, bob +9.99, fees 0.02.
    a_cash, b_cash, fees = -10 * TOKEN - 10 * MILLI, 10 * TOKEN - 10 * MILLI, 20 * MILLI
    assert (bundle.amounts.net_cash[alice], bundle.amounts.net_cash[bob]) == (a_cash, b_cash)
    assert len(bundle.fills) == 8  # two orders in each of four quarters
    hours = {alice: 1 << (hour - first), bob: 1 << (hour - first)}
    committed = settlement_week(1, [(alice, a_cash), (bob, b_cash)], fees, hours)
    post_root(market, committed)
    write_week_publication(state, committed)
    settlement = market.deployment.addresses["WeeklySettlement"]
    market.send("alice", "CapacityToken", "approve", settlement, 10**30)  # pulls allowed

    verified = cli("verify", "--hour", str(hour), "--files", str(state))
    assert verified.returncode == 1, verified.stdout + verified.stderr
    out = verified.stdout
    assert "MISMATCH orders root" not in out and "MISMATCH entries root" not in out
    for j in range(4):
        assert (
            f"fill of order {interval_key(j, invented['id'])} by {alice}: +5 GB/h on an order "
            f"{alice} did not sign (provable: challengeUnsignedFill)" in out
        ), out
    assert not [line for line in out.splitlines() if "fill of order" in line and bob in line]

    challenge_voids_the_hour(
        market, cli, hour, "challengeUnsignedFill", committed.item(alice).as_tuple()
    )


def test_an_honest_quarter_hour_cannot_be_challenged_and_rate_lines_can(
    market: Market, cli: Any
) -> None:
    state: Path = cli.state
    alice, bob = market.address("alice"), market.address("bob")
    hour, bundle = commit_week_one(market, state, alice_key=market.keys["alice"])
    claimed = PublicationFiles(state).claimed_bundle(hour)
    assert claimed is not None and claimed.commitment == bundle.commitment
    premium = product_id("premium")
    lines = {
        decode_line(k, v).source: decode_line(k, v).amount
        for k, v in zip(bundle.lines.keys, bundle.lines.values, strict=True)
    }
    # By hand: each quarter's fill delivers ±5 × 900 / 3600 = ±1.25 GB; nothing unbacked.
    expected = {}
    for fill in bundle.fills.values():
        assert fill.interval is not None and fill.order_id.startswith(f"interval:{fill.interval}:")
        expected[order_key(fill.order_id)] = 1_250 * MILLI if fill.participant == alice else (
            -1_250 * MILLI)  # fmt: skip
    assert lines == expected and len(lines) == 8
    assert {f.participant for f in bundle.fills.values()} == {alice, bob}

    ledger = market.contract("ClearingLedger")
    for fill in bundle.fills.values():
        proven = fill_tuple(bundle, fill)
        with market.reverts("SettlementNotAFault"):
            market.send("dave", "WeeklySettlement", "challengeUnsignedFill", hour, proven)
        index = bundle.lines.find(premium + order_key(fill.order_id))
        assert index is not None
        line = bundle.lines.item(index).as_tuple()
        for check in (
            ledger.encode_abi("isLineOffFill", args=[hour, proven, 0, line]),
            ledger.encode_abi("isLineMissing", args=[hour, proven, 0, [line]]),
        ):
            with market.reverts("SettlementNotAFault"):
                market.send("dave", "WeeklySettlement", "challengeBalance", hour,
                            bytes.fromhex(check.removeprefix("0x")))  # fmt: skip
    assert market.view("OracleBond", "bonded") == DEMO_BOND
    refused = challenge(cli, hour)
    assert refused.returncode != 0
    assert f"hour {hour}: OK (2 entries re-cleared)" in refused.stdout, refused.stdout

    # The same hour with its lines as rates (5 GB/h, not the 1.25 GB a quarter delivers),
    # committed as the next hour the ledger takes (quarters govern it too): each line is
    # off its fill.
    later = int(market.view("ClearingLedger", "nextHour"))
    assert market.view(PARAMS, "clearingIntervalAt", later) == QUARTER_S
    rates = build_tree({premium + source: amount * 4 for source, amount in lines.items()})
    forged = dataclasses.replace(bundle.commitment, lines_root=rates.root, lines_count=rates.count)
    market.send("oracle", "ClearingLedger", "commitHour", later, forged.as_tuple())
    fill = next(iter(bundle.fills.values()))
    proven = fill_tuple(bundle, fill)
    index = rates.find(premium + order_key(fill.order_id))
    assert index is not None
    line = rates.item(index).as_tuple()
    assert ledger.functions.isLineOffFill(later, proven, 0, line).call()
    check = ledger.encode_abi("isLineOffFill", args=[later, proven, 0, line])
    dave_before = market.balance("dave")
    market.send("dave", "WeeklySettlement", "challengeBalance", later,
                bytes.fromhex(check.removeprefix("0x")))  # fmt: skip
    assert market.view("WeeklySettlement", "isHourVoided", later)
    assert market.balance("dave") == dave_before + DEMO_BOND


def test_a_quarter_hour_under_engine_2_is_re_cleared_with_it_quarter_by_quarter(
    market: Market, cli: Any
) -> None:
    """Engine 2 governs from before the first quarter-hour: each quarter's published order
    set names it and `verify` re-clears the hour; the same quarters published without it
    are each a problem (docs/engine-versions.md)."""
    state: Path = cli.state
    market.send("timelock", PARAMS, "setClearingEngine", 2)
    hour, _ = commit_week_one(market, state, alice_key=market.keys["alice"], engine=2)
    assert market.view(PARAMS, "clearingEngineAt", hour) == 2
    verified = cli("verify", "--hour", str(hour), "--files", str(state))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"hour {hour}: OK (2 entries re-cleared)" in verified.stdout

    orders_file = state / "hours" / f"{hour}.orders.json"
    published = json.loads(orders_file.read_text())
    assert [quarter.pop("engine") for quarter in published["intervals"]] == [2, 2, 2, 2]
    orders_file.write_text(json.dumps(published))
    verified = cli("verify", "--hour", str(hour), "--files", str(state))
    assert verified.returncode == 1, verified.stdout + verified.stderr
    for j in range(4):
        assert (
            f"interval {j}'s order set names clearing engine 1, the chain governed engine 2 "
            f"for hour {hour}"
        ) in verified.stdout, verified.stdout
