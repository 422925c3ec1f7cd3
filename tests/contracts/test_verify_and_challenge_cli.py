"""A dishonest oracle caught the way anyone would catch it: a real node, the oracle's
publication files, and the `flowmarket` command in a subprocess.

Week 1 is cleared and committed hour by hour as the oracle does (order set, re-clear,
roots), all hours empty but hour 5 of the week, whose book is (curves as
(GB/h, tokens/GB) points, straight between them):

- alice buys up to 5 GB/h of premium paying 10 down to 9 tokens/GB;
- bob sells up to 5 at 1 up to 2.

All 5 trade at any price in [2, 9]; the prior is 0 (no earlier priced hour), so the
price rule picks 2. Cash (−price × trade): alice −10 tokens, bob +10. Fees at the demo
profile's 10 bps of |price × trade| = 0.01 token each. Entries (net of fees): alice
−10.01, bob +9.99; fees 0.02 (Σ = 0).

1. The oracle posts week 1's root with alice's leaf inflated by 90 tokens (−100.01) and
   bob's by 90 (+99.99), and publishes those leaves. `verify --week 1` flags both leaves
   (exit 1); `challenge --week 1` by dave sends `challengeLeafSum`: the root is void, the
   demo bond of 1 000 tokens is dave's, the bond is empty, and alice, whose allowance
   would have let a pull take 100.01 tokens, is never debited.
2. Separately the oracle commits the hour as if bob's curve stopped at 4 GB/h: 4 trade,
   and alice, who wants all 5 below 9, takes 4 only at her curve's 10 − 4/5 = 9.2
   tokens/GB: alice −36.8 cash, fee 0.0368; bob +36.8, fee 0.0368. `verify --hour` names
   the roots and both entries against the re-cleared ones above.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from market_harness import TOKEN, Market
from settlement_harness import post_root

from flowmarket.actions.actor import Actor
from flowmarket.actions.verify import PublicationFiles, fill_tuple, verify_week
from flowmarket.chain.deploy import save_deployment
from flowmarket.chain.leaves import (
    SettlementWeek,
    decode_settlement_value,
    settlement_value,
    settlement_week,
)
from flowmarket.chain.sorted_tree import SortedTree
from flowmarket.clearing import ResultDoc, clear_document
from flowmarket.config import Settings
from flowmarket.oracle.hour_commitment import build_hour_bundle
from flowmarket.oracle.publication import (
    Publication,
    write_publication,
    write_week_publication,
)
from flowmarket.oracle.publish import write_order_set

FLOWMARKET = str(Path(sys.executable).with_name("flowmarket"))
HOURS_PER_WEEK = 168
DEMO_FEE_BPS = 10
DEMO_BOND = 1_000 * TOKEN  # the demo profile's oracle_bond
# The demo profile's window is 120 s of the node's clock, which runs with the wall clock:
# a verify of 168 hours on a loaded machine can outlast it. The tests widen it (as
# governance may) so that they check the proofs, not the machine's speed.
CHALLENGE_WINDOW_S = 3_600
MILLI = 10**15
TRADING_BIT = 5  # hour 5 of the week


def book(market: Market, hour: int, *, bob_gb: float = 5.0) -> dict[str, Any]:
    """The trading hour's order set (`bob_gb`: how far bob's sell curve reaches)."""
    return {
        "products": ["premium"],
        "orders": [
            {"id": f"a-{hour}", "participant": market.address("alice"),
             "portfolio": {"premium": 1.0}, "curve": [[0, 10], [5, 9]]},
            {"id": f"b-{hour}", "participant": market.address("bob"),
             "portfolio": {"premium": 1.0}, "curve": [[-bob_gb, 2], [0, 1]]},
        ],
    }  # fmt: skip


EMPTY: dict[str, Any] = {"products": [], "orders": []}


def publish_and_commit(
    market: Market, state: Path, hour: int, orders: dict[str, Any], result: ResultDoc
) -> None:
    """What the oracle does with a cleared hour: commit its roots, publish its files."""
    bundle = build_hour_bundle(result, hour=hour, fee_bps=DEMO_FEE_BPS, orders=orders["orders"])
    market.send("oracle", "ClearingLedger", "commitHour", hour, bundle.commitment.as_tuple())
    write_order_set(state, hour, orders, {})  # type: ignore[arg-type]
    publication = Publication(hour, DEMO_FEE_BPS, result, bundle.commitment.to_json(), "0x", 0)
    write_publication(state, publication)


def commit_week_one(market: Market, state: Path, *, bob_gb: float = 5.0) -> int:
    """Clear, commit and publish every hour of week 1; returns its first hour. With
    `bob_gb` the trading hour is committed as if bob's curve reached only that far (the
    published order set is the true one)."""
    market.advance(HOURS_PER_WEEK * 3600)
    first = market.deployment.genesis_hour + HOURS_PER_WEEK
    prior: dict[str, float] = {}
    for hour in range(first, first + HOURS_PER_WEEK):
        orders = book(market, hour) if hour == first + TRADING_BIT else EMPTY
        known = {p: v for p, v in prior.items() if p in orders["products"]}  # as the oracle
        cleared = book(market, hour, bob_gb=bob_gb) if hour == first + TRADING_BIT else orders
        result = clear_document(cleared, {"prices": known})
        publish_and_commit(market, state, hour, orders, result)
        prior = result["prices"]
    return first


def widen_challenge_window(market: Market) -> None:
    market.send("timelock", "MarketParameters", "setChallengeWindow", CHALLENGE_WINDOW_S)


def restake(market: Market) -> None:
    """The operator restakes the bond's size after a slash."""
    market.mint("oracle", DEMO_BOND)
    market.send(
        "oracle", "CapacityToken", "approve", market.deployment.addresses["OracleBond"], DEMO_BOND
    )
    market.send("oracle", "OracleBond", "stake", DEMO_BOND)


@pytest.fixture
def cli(market: Market, settings: Settings, rpc_url: str, tmp_path: Path) -> Any:
    state = tmp_path / "state"
    save_deployment(dataclasses.replace(settings, state_dir=state), market.deployment)
    env = dict(
        os.environ,
        FLOWMARKET_RPC_URL=rpc_url,
        FLOWMARKET_STATE_DIR=str(state),
        FLOWMARKET_ARTIFACTS_DIR=str(settings.artifacts_dir),
    )
    (tmp_path / "password").write_text("dave's password\n")
    (tmp_path / "key").write_text(market.keys["dave"])

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [FLOWMARKET, *args], env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path
        )

    imported = run("wallet", "import", "--wallet", "dave", "--key-file", "key",
                   "--password-file", "password")  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    run.state = state  # type: ignore[attr-defined]
    return run


def test_an_inflated_weekly_leaf_is_flagged_by_verify_and_challenged_from_the_cli(
    market: Market, cli: Any
) -> None:
    state: Path = cli.state
    alice, bob = market.address("alice"), market.address("bob")
    widen_challenge_window(market)
    first = commit_week_one(market, state)
    settlement = market.deployment.addresses["WeeklySettlement"]
    market.send("alice", "CapacityToken", "approve", settlement, 10**30)  # pulls allowed
    hours = {alice: 1 << TRADING_BIT, bob: 1 << TRADING_BIT}
    inflated = settlement_week(
        1, [(alice, -100 * TOKEN - 10 * MILLI), (bob, 100 * TOKEN - 10 * MILLI)], 20 * MILLI, hours
    )
    post_root(market, inflated)
    write_week_publication(state, inflated)

    verified = cli("verify", "--week", "1", "--files", str(state))
    assert verified.returncode == 1, verified.stdout + verified.stderr
    out = verified.stdout
    assert f"hour {first + TRADING_BIT}: OK (2 entries re-cleared)" in out
    assert "167 more hours: OK, no entries" in out
    assert "week 1: MISMATCH" in out
    # By hand: alice −10.01 tokens, bob +9.99; the leaves say −100.01 and +99.99.
    assert (
        f"leaf of {alice}: {-100 * TOKEN - 10 * MILLI} wei, its committed hourly "
        f"entries sum to {-10 * TOKEN - 10 * MILLI} wei (provable: challengeLeafSum)" in out
    )
    assert (
        f"leaf of {bob}: {100 * TOKEN - 10 * MILLI} wei, its committed hourly "
        f"entries sum to {10 * TOKEN - 10 * MILLI} wei (provable: challengeLeafSum)" in out
    )

    dave_before, alice_before = market.balance("dave"), market.balance("alice")
    challenged = cli("challenge", "--week", "1", "--files", str(state), "--wallet", "dave",
                     "--password-file", "password", "--yes")  # fmt: skip
    assert challenged.returncode == 0, challenged.stdout + challenged.stderr
    assert "WeeklySettlement.challengeLeafSum" in challenged.stdout
    assert "week 1's root is voided; the oracle's bond now holds 0 tokens" in challenged.stdout
    assert market.balance("dave") == dave_before + DEMO_BOND
    assert market.view("OracleBond", "bonded") == 0
    assert market.view("WeeklySettlement", "weekRoot", 1)[0] == bytes(32)

    market.advance(CHALLENGE_WINDOW_S)
    with market.reverts("SettlementRootMissing"):
        item = inflated.item(alice).as_tuple()
        market.send("dave", "WeeklySettlement", "executeSettlement", 1, item)
    assert market.balance("alice") == alice_before, "alice is never debited"

    status = cli("bond", "status")
    assert status.returncode == 0, status.stderr
    assert "staked                    0 tokens" in status.stdout
    assert "accepts roots             no: 1,000 tokens short, roots are refused" in status.stdout
    again = cli("challenge", "--week", "1", "--files", str(state), "--wallet", "dave",
                "--password-file", "password", "--yes")  # fmt: skip
    assert again.returncode != 0  # nothing posted any more: nothing to prove


def test_a_wrong_trade_in_a_committed_hour_is_flagged_by_verify(market: Market, cli: Any) -> None:
    state: Path = cli.state
    alice, bob = market.address("alice"), market.address("bob")
    market.advance(3600)
    hour = int(market.view("ClearingLedger", "nextHour"))
    orders = book(market, hour)
    honest = clear_document(orders, {"prices": {}})
    wrong = clear_document(book(market, hour, bob_gb=4.0), {"prices": {}})  # bob sells only 4
    publish_and_commit(market, state, hour, orders, wrong)

    verified = cli("verify", "--hour", str(hour), "--files", str(state))
    assert verified.returncode == 1, verified.stdout + verified.stderr
    out = verified.stdout
    assert f"hour {hour}: MISMATCH" in out
    assert "MISMATCH entries root: on chain 0x" in out
    assert "MISMATCH orders root" in out  # the committed order quantities differ too
    # By hand (module docstring): committed 4 GB at 9.2, re-cleared 5 GB at 2.
    assert (f"entry of {alice}: committed cash -36.836800 fee 0.036800 (premium +4 GB), "
            "re-cleared cash -10.010000 fee 0.010000 (premium +5 GB)") in out  # fmt: skip
    assert (f"entry of {bob}: committed cash +36.763200 fee 0.036800 (premium -4 GB), "
            "re-cleared cash +9.990000 fee 0.010000 (premium -5 GB)") in out  # fmt: skip
    assert honest["participants"][alice]["trades"] == {"premium": 5.0}

    # The honest hour after it verifies.
    market.advance(3600)
    publish_and_commit(
        market, state, hour + 1, orders, clear_document(orders, {"prices": wrong["prices"]})
    )
    ok = cli("verify", "--hour", str(hour + 1), "--files", str(state))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"hour {hour + 1}: OK (2 entries re-cleared)" in ok.stdout


def test_a_wrong_trade_is_challenged_from_the_cli_and_its_victim_never_debited(
    market: Market, cli: Any
) -> None:
    """The oracle commits week 1's trading hour as if bob's curve stopped at 4 GB/h (module
    docstring: alice then pays 9.2 tokens/GB for 4 GB instead of 2 for 5) and posts the
    root that adds up what it committed. Bob's committed fill, −4 GB/h, is off his curve
    (which sells all 5 at any price from 2 up) at the committed 9.2: dave proves it with
    `challenge --hour`. The hour is void, the root deleted, the bond (1 000 tokens) is
    dave's to the wei, and alice, who allowed pulls, is never debited. A root that still
    counts the void hour is itself provably wrong (`challengeLeafHours`)."""
    state: Path = cli.state
    alice, bob = market.address("alice"), market.address("bob")
    widen_challenge_window(market)
    first = commit_week_one(market, state, bob_gb=4.0)
    hour = first + TRADING_BIT
    settlement = market.deployment.addresses["WeeklySettlement"]
    market.send("alice", "CapacityToken", "approve", settlement, 10**30)  # pulls allowed
    # What the oracle committed, by hand: 4 GB at 9.2 = 36.8 tokens; fees 10 bps = 0.0368.
    a_cash, b_cash, fees = -36_836_800 * 10**12, 36_763_200 * 10**12, 73_600 * 10**12
    hours = {alice: 1 << TRADING_BIT, bob: 1 << TRADING_BIT}
    committed = settlement_week(1, [(alice, a_cash), (bob, b_cash)], fees, hours)
    post_root(market, committed)
    write_week_publication(state, committed)

    verified = cli("verify", "--hour", str(hour), "--files", str(state))
    assert verified.returncode == 1, verified.stdout + verified.stderr
    assert (
        f"fill of order b-{hour} by {bob}: -4 GB/h, its curve gives -5.000005 to -4.999995 "
        "GB/h at portfolio price 9.2 (provable: challengeTrade)" in verified.stdout
    )
    assert f"fill of order a-{hour}" not in verified.stdout  # alice's 4 at 9.2 is her curve

    dave_before, alice_before = market.balance("dave"), market.balance("alice")
    challenged = cli("challenge", "--hour", str(hour), "--files", str(state), "--wallet", "dave",
                     "--password-file", "password", "--yes")  # fmt: skip
    assert challenged.returncode == 0, challenged.stdout + challenged.stderr
    assert "WeeklySettlement.challengeTrade" in challenged.stdout
    assert f"hour {hour} is void; the oracle's bond now holds 0 tokens" in challenged.stdout
    assert market.balance("dave") == dave_before + DEMO_BOND
    assert market.view("OracleBond", "bonded") == 0
    assert market.view("WeeklySettlement", "isHourVoided", hour)
    assert market.view("WeeklySettlement", "weekRoot", 1)[0] == bytes(32)

    market.advance(CHALLENGE_WINDOW_S)
    with market.reverts("SettlementRootMissing"):
        market.send("dave", "WeeklySettlement", "executeSettlement", 1,
                    committed.item(alice).as_tuple())  # fmt: skip
    assert market.balance("alice") == alice_before, "alice is never debited"

    again = cli("challenge", "--hour", str(hour), "--files", str(state), "--wallet", "dave",
                "--password-file", "password", "--yes")  # fmt: skip
    assert again.returncode != 0
    assert "SettlementHourAlreadyVoided" in again.stdout + again.stderr

    # The oracle restakes and reposts the same sums: the void hour's bit is provably wrong,
    # and verify names the call (the void hour itself is no longer a problem of the week).
    restake(market)
    post_root(market, committed)
    actor = Actor.reading(market.w3, market.deployment, market.artifacts, market.address("dave"))
    verdict = verify_week(actor, PublicationFiles(state), 1)
    assert all(h.ok for h in verdict.hours)
    assert [f.function for f in verdict.faults] == ["challengeLeafHours", "challengeLeafHours"]
    by_text = {f.description: f for f in verdict.faults}
    fault = by_text[f"leaf of {alice} counts hour {hour}, void on chain"]
    receipt = market.send("dave", "WeeklySettlement", "challengeLeafHours", *fault.args)
    (voided,) = market.events(receipt, "WeeklySettlement", "SettlementRootVoided")
    assert (voided["week"], voided["paid"]) == (1, DEMO_BOND)


def test_an_honest_fill_cannot_be_challenged(market: Market, cli: Any) -> None:
    """The honest hour (5 GB at 2) gives no fault to verify, and its fills sent anyway
    revert with the custom error: bob's −5 and alice's +5 are on their curves at 2, and a
    wrong price proof proves nothing either."""
    state: Path = cli.state
    market.advance(3600)
    hour = int(market.view("ClearingLedger", "nextHour"))
    orders = book(market, hour)
    publish_and_commit(market, state, hour, orders, clear_document(orders, {"prices": {}}))
    bundle = PublicationFiles(state).claimed_bundle(hour)
    assert bundle is not None and len(bundle.fills) == 2
    for fill in bundle.fills.values():
        price = bundle.amounts.prices["premium"]
        assert price == 2 * TOKEN
        proof = bundle.prices_tree.proof(bundle.price_leaf("premium"))
        for evidence in ([(price, proof)], [(price + 1, proof)]):
            with market.reverts("SettlementNotAFault"):
                market.send("dave", "WeeklySettlement", "challengeTrade", hour,
                            fill_tuple(bundle, fill), evidence)  # fmt: skip
    assert market.view("OracleBond", "bonded") == DEMO_BOND
    refused = cli("challenge", "--hour", str(hour), "--files", str(state), "--wallet", "dave",
                  "--password-file", "password", "--yes")  # fmt: skip
    assert refused.returncode != 0
    assert f"hour {hour}: OK (2 entries re-cleared)" in refused.stdout


def test_each_kind_of_wrong_leaf_verify_finds_is_accepted_as_proof_on_chain(
    market: Market, cli: Any
) -> None:
    """The verifier's evidence for the other provable faults, sent as it builds it: an hour
    left out of alice's bitmap, alice left out of the tree, running sums that do not
    continue. Each voids the root and pays the bond (restaked after each)."""
    state: Path = cli.state
    alice, bob = market.address("alice"), market.address("bob")
    widen_challenge_window(market)
    first = commit_week_one(market, state)
    actor = Actor.reading(market.w3, market.deployment, market.artifacts, market.address("dave"))
    files = PublicationFiles(state)
    stranger = "0x" + "ee" * 20
    fees, a_cash, b_cash = 20 * MILLI, -10 * TOKEN - 10 * MILLI, 10 * TOKEN - 10 * MILLI
    honest = [(alice, a_cash), (bob, b_cash)]
    both = {alice: 1 << TRADING_BIT, bob: 1 << TRADING_BIT}
    correct = settlement_week(1, honest, fees, both)
    pairs = list(zip(correct.tree.keys, correct.tree.values, strict=True))
    v = decode_settlement_value(pairs[1][1])
    pairs[1] = (
        pairs[1][0],
        settlement_value(v.amount, v.hours, v.credits_before + 1, v.debits_before),
    )
    sums_broken = SettlementWeek(1, dict(honest), both, fees, SortedTree(pairs))
    # (the faults verify lists, the one sent, the root). The stranger's leaf, an amount
    # without a single entry, is also a wrong sum (of no entries), listed first by address.
    wrong = [
        (["challengeLeafHours"], 0, settlement_week(1, honest, fees, {bob: 1 << TRADING_BIT})),
        (
            ["challengeLeafSum", "challengeMissingParticipant"],
            1,
            settlement_week(1, [(stranger, a_cash), (bob, b_cash)], fees, {bob: 1 << TRADING_BIT}),
        ),
        (["challengeRunningSums"], 0, sums_broken),
    ]
    for functions, sent, week in wrong:
        post_root(market, week)
        write_week_publication(state, week)
        verdict = verify_week(actor, files, 1)
        assert not verdict.ok
        assert [h.hour for h in verdict.hours if h.ok] == list(range(first, first + HOURS_PER_WEEK))
        assert [f.function for f in verdict.faults] == functions
        fault = verdict.faults[sent]
        receipt = market.send("dave", "WeeklySettlement", fault.function, *fault.args)
        (voided,) = market.events(receipt, "WeeklySettlement", "SettlementRootVoided")
        assert (voided["week"], voided["paid"]) == (1, DEMO_BOND)
        restake(market)
    # The correct root verifies.
    post_root(market, correct)
    write_week_publication(state, correct)
    verdict = verify_week(actor, files, 1)
    assert verdict.ok and verdict.faults == [] and verdict.problems == []
