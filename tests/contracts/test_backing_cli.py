"""A dishonest oracle that counts its own order twice, caught from the command line on a
real node (docs/settlement.md, "Backing of a trade line").

Week 1's hour 5 has two orders (curves as (GB/h, tokens/GB) points):

- alice buys up to 10 GB/h of premium at 3 tokens/GB (a flat curve);
- the oracle's own wallet sells 1 to 5 GB/h at 2, less below (−5 at 2, −1 at 2, 0 at 1).

All 5 the oracle offers trade at 3 (alice's price: she wants more than is offered). The
oracle publishes an order set that lists its order twice and a result in which alice
buys 10 at 3 and its own wallet sells 10 for 30 tokens: alice's fill (+10) is on her flat
curve at 3 and the oracle's (−5) on its own, so no `challengeTrade` catches it,
but the fills tree holds two leaves with the oracle's order key (`isFillsMalformed`).
`verify --hour` names the order; `challenge --hour` sends `challengeBalance`: the hour is
void, the week's root deleted, the demo bond of 1 000 tokens is dave's to the wei, and
alice, who allowed pulls, is never debited. On the honest hour each backing view answers
false, `challengeBalance` reverts with SettlementNotAFault and the command refuses.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from challenge_harness import challenge_voids_the_hour
from market_harness import TOKEN, Market
from settlement_harness import post_root

from flowmarket.actions.actor import Actor
from flowmarket.actions.verify import PublicationFiles, fill_tuple, verify_hour
from flowmarket.chain.leaves import settlement_week
from flowmarket.clearing import ResultDoc, clear_document
from flowmarket.hashing import keccak
from flowmarket.oracle.hour_commitment import build_hour_bundle
from flowmarket.oracle.publication import Publication, write_publication
from flowmarket.oracle.publish import write_order_set
from flowmarket.signing import Domain
from signed_books import message, signed_order

HOURS_PER_WEEK = 168
DEMO_FEE_BPS = 10
DEMO_BOND = 1_000 * TOKEN
CHALLENGE_WINDOW_S = 3_600
TRADING_BIT = 5
EMPTY: dict[str, Any] = {"products": [], "orders": []}


def book(market: Market, hour: int, *, twice: bool = False) -> dict[str, Any]:
    """Each order signed by its participant for the hour (ids `a-H`, `o-H`)."""
    domain = Domain(int(market.w3.eth.chain_id), market.deployment.addresses["ClearingLedger"])
    alice = message(market.address("alice"), {"premium": 1.0}, [[0, 3], [10, 3]],
                    nonce=hour, hours=(hour, hour))  # fmt: skip
    mine = message(market.address("oracle"), {"premium": 1.0}, [[-5, 2], [-1, 2], [0, 1]],
                   nonce=hour, hours=(hour, hour))  # fmt: skip
    own = {**signed_order(domain, market.keys["oracle"], mine), "id": f"o-{hour}"}
    return {
        "products": ["premium"],
        "orders": [
            {**signed_order(domain, market.keys["alice"], alice), "id": f"a-{hour}"},
            own,
            *([own] if twice else []),
        ],
    }


def counted_twice(result: ResultDoc, market: Market, hour: int) -> ResultDoc:
    """The result with the oracle's order sold twice: alice +10 GB/h for 30 tokens."""
    out = copy.deepcopy(result)
    out["prices"] = {"premium": 3.0}
    out["orders"][f"a-{hour}"]["quantity"] = 10.0
    out["orders"][f"o-{hour}"]["quantity"] = -5.0
    out["participants"][market.address("alice")] = {"trades": {"premium": 10.0}, "cash": -30.0}
    out["participants"][market.address("oracle")] = {"trades": {"premium": -10.0}, "cash": 30.0}
    return out


def publish_and_commit(
    market: Market, state: Path, hour: int, orders: dict[str, Any], result: ResultDoc
) -> Any:
    bundle = build_hour_bundle(result, hour=hour, fee_bps=DEMO_FEE_BPS, orders=orders["orders"])
    market.send("oracle", "ClearingLedger", "commitHour", hour, bundle.commitment.as_tuple())
    write_order_set(state, hour, orders, {})  # type: ignore[arg-type]
    publication = Publication(hour, DEMO_FEE_BPS, result, bundle.commitment.to_json(), "0x", 0)
    write_publication(state, publication)
    return bundle


def test_an_order_counted_twice_is_flagged_challenged_and_its_victim_never_debited(
    market: Market, cli: Any
) -> None:
    state: Path = cli.state
    alice, oracle = market.address("alice"), market.address("oracle")
    market.send("timelock", "MarketParameters", "setChallengeWindow", CHALLENGE_WINDOW_S)
    market.advance(HOURS_PER_WEEK * 3600)
    first = market.deployment.genesis_hour + HOURS_PER_WEEK
    hour = first + TRADING_BIT
    committed = None
    for h in range(first, first + HOURS_PER_WEEK):
        if h != hour:
            publish_and_commit(market, state, h, EMPTY, clear_document(EMPTY, {"prices": {}}))
            continue
        result = clear_document(book(market, h), {"prices": {}})
        assert result["prices"] == {"premium": pytest.approx(3.0)}
        assert {o: e["quantity"] for o, e in result["orders"].items()} == {
            f"a-{h}": pytest.approx(5.0), f"o-{h}": pytest.approx(-5.0)}  # fmt: skip
        committed = publish_and_commit(
            market, state, h, book(market, h, twice=True), counted_twice(result, market, h)
        )
    assert committed is not None
    # By hand: the fills tree has 3 leaves, two of them keccak256("o-H") side by side.
    own_key = keccak(f"o-{hour}".encode())
    assert committed.fills_tree.count == 3
    assert committed.fills_tree.keys.count(own_key) == 2
    amounts = committed.amounts
    # By hand: alice pays 30 tokens and 0.1 % fee, the oracle's wallet gets 30 less 0.1 %.
    assert amounts.net_cash[alice] == -30 * TOKEN - 30 * TOKEN // 1000
    assert amounts.net_cash[oracle] == 30 * TOKEN - 30 * TOKEN // 1000
    week = settlement_week(
        1,
        [(alice, amounts.net_cash[alice]), (oracle, amounts.net_cash[oracle])],
        amounts.total_fees,
        {alice: 1 << TRADING_BIT, oracle: 1 << TRADING_BIT},
    )
    post_root(market, week)
    settlement = market.deployment.addresses["WeeklySettlement"]
    market.send("alice", "CapacityToken", "approve", settlement, 10**30)  # pulls allowed

    verified = cli("verify", "--hour", str(hour), "--files", str(state))
    assert verified.returncode == 1, verified.stdout + verified.stderr
    out = verified.stdout
    assert f"hour {hour}: MISMATCH" in out
    assert f"order o-{hour}: two fill leaves in the fills tree (leaves " in out, out
    assert "provable: challengeTrade" not in out  # alice's +10 is on her flat curve at 3

    stdout = challenge_voids_the_hour(
        market, cli, hour, "challengeBalance", week.item(alice).as_tuple()
    )
    assert "two fill leaves" in stdout


def test_an_honest_hour_gives_no_backing_challenge(market: Market, cli: Any) -> None:
    state: Path = cli.state
    market.advance(3600)
    hour = int(market.view("ClearingLedger", "nextHour"))
    orders = book(market, hour)
    bundle = publish_and_commit(market, state, hour, orders, clear_document(orders, {"prices": {}}))
    fills, lines = bundle.fills_tree, bundle.lines
    assert (fills.count, lines.count) == (2, 2)
    ledger = market.contract("ClearingLedger")
    f0, f1 = fills.item(0).as_tuple(), fills.item(1).as_tuple()
    checks: list[tuple[str, list[Any]]] = [
        ("isFillsMalformed", [hour, f0, f1, True]),
        ("isFillsMalformed", [hour, f0, f0, False]),
        ("isFillsMalformed", [hour, f1, f1, False]),
    ]
    for i in range(lines.count):
        line = lines.item(i)
        bracket = [item.as_tuple() for item in fills.lookup(line.key[32:])]
        checks.append(("isLineUnbacked", [hour, line.as_tuple(), bracket]))
        for fill in bundle.fills.values():
            checks.append(("isLineOutsideFill", [hour, fill_tuple(bundle, fill), line.as_tuple()]))
    for function, args in checks:
        assert not market.view("ClearingLedger", function, *args)
        with market.reverts("SettlementNotAFault"):
            market.send("dave", "WeeklySettlement", "challengeBalance", hour,
                        ledger.encode_abi(function, args=args))  # fmt: skip
    actor = Actor.reading(market.w3, market.deployment, market.artifacts, market.address("dave"))
    assert verify_hour(actor, PublicationFiles(state), hour).ok
    refused = cli("challenge", "--hour", str(hour), "--files", str(state), "--wallet", "dave",
                  "--password-file", "password", "--yes")  # fmt: skip
    assert refused.returncode != 0
    assert f"hour {hour}: OK (2 entries re-cleared)" in refused.stdout
    assert market.view("OracleBond", "bonded") == DEMO_BOND
