"""A dishonest oracle whose hour does not balance, caught from the command line on a real
node (docs/settlement.md, "Balance of an hour").

Week 1's hour 5 has two orders (curves as (GB/h, tokens/GB) points):

- alice buys up to 5 GB/h of premium paying 10 down to 9 tokens/GB;
- bob sells 1 to 5 GB/h at 2, less below (points −5 at 2, −1 at 2, 0 at 1).

All 5 trade at 2 (the prior is 0, so the price rule picks the lowest clearing price).
The oracle commits bob's fill shaved to −4 GB/h while alice's stays +5: each fill is on
its own curve at 2 (bob's is flat from −5 to −1 there), so no `challengeTrade` can catch
it, but premium's trade lines sum to 5 − 4 = +1 GB/h over a gross of 9, far outside the
tolerance of 9·10^-6. `verify --hour` names premium; `challenge --hour` sends
`challengeBalance`: the hour is void, the week's root deleted, the demo bond of 1 000
tokens is dave's to the wei, and alice, who allowed pulls, is never debited. On the
honest hour each balance view answers false, `challengeBalance` reverts and the command
refuses to send.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from challenge_harness import challenge_voids_the_hour
from market_harness import TOKEN, Market
from settlement_harness import post_root

from flowmarket.actions.actor import Actor
from flowmarket.actions.verify import PublicationFiles, verify_hour
from flowmarket.chain.leaves import settlement_week
from flowmarket.clearing import ResultDoc, clear_document
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


def book(market: Market, hour: int) -> dict[str, Any]:
    """Each order signed by its participant for the hour (ids `a-H`, `b-H` kept as names)."""
    domain = Domain(int(market.w3.eth.chain_id), market.deployment.addresses["ClearingLedger"])
    alice = message(market.address("alice"), {"premium": 1.0}, [[0, 10], [5, 9]],
                    nonce=hour, hours=(hour, hour))  # fmt: skip
    bob = message(market.address("bob"), {"premium": 1.0}, [[-5, 2], [-1, 2], [0, 1]],
                  nonce=hour, hours=(hour, hour))  # fmt: skip
    return {
        "products": ["premium"],
        "orders": [
            {**signed_order(domain, market.keys["alice"], alice), "id": f"a-{hour}"},
            {**signed_order(domain, market.keys["bob"], bob), "id": f"b-{hour}"},
        ],
    }


def shaved(result: ResultDoc, market: Market, hour: int) -> ResultDoc:
    """The result with bob's fill and trade shaved from −5 to −4 GB/h (paid 8 tokens)."""
    out = copy.deepcopy(result)
    out["orders"][f"b-{hour}"]["quantity"] = -4.0
    out["participants"][market.address("bob")] = {"trades": {"premium": -4.0}, "cash": 8.0}
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


def test_an_unbalanced_hour_is_flagged_challenged_and_its_victim_never_debited(
    market: Market, cli: Any
) -> None:
    state: Path = cli.state
    alice, bob = market.address("alice"), market.address("bob")
    market.send("timelock", "MarketParameters", "setChallengeWindow", CHALLENGE_WINDOW_S)
    market.advance(HOURS_PER_WEEK * 3600)
    first = market.deployment.genesis_hour + HOURS_PER_WEEK
    hour = first + TRADING_BIT
    committed = None
    prior: dict[str, float] = {}
    for h in range(first, first + HOURS_PER_WEEK):
        orders = book(market, h) if h == hour else EMPTY
        result = clear_document(orders, {"prices": {p: v for p, v in prior.items() if p in
                                                    orders["products"]}})  # fmt: skip
        if h == hour:
            assert result["prices"] == {"premium": 2.0}
            assert {o: e["quantity"] for o, e in result["orders"].items()} == {
                f"a-{h}": 5.0, f"b-{h}": -5.0}  # fmt: skip
            result = shaved(result, market, h)
            committed = publish_and_commit(market, state, h, orders, result)
        else:
            publish_and_commit(market, state, h, orders, result)
        prior = result["prices"]
    assert committed is not None
    amounts = committed.amounts
    week = settlement_week(
        1,
        [(alice, amounts.net_cash[alice]), (bob, amounts.net_cash[bob])],
        amounts.total_fees,
        {alice: 1 << TRADING_BIT, bob: 1 << TRADING_BIT},
    )
    post_root(market, week)
    settlement = market.deployment.addresses["WeeklySettlement"]
    market.send("alice", "CapacityToken", "approve", settlement, 10**30)  # pulls allowed

    verified = cli("verify", "--hour", str(hour), "--files", str(state))
    assert verified.returncode == 1, verified.stdout + verified.stderr
    out = verified.stdout
    assert f"hour {hour}: MISMATCH" in out
    # By hand: premium's lines are alice +5 and bob −4: +1 GB/h over a gross of 9.
    assert (
        "product premium: its committed trades sum to +1 GB/h, not zero (gross 9 GB/h) "
        "(provable: challengeBalance)" in out
    ), out
    assert "provable: challengeTrade" not in out  # both fills are on their curves at 2

    challenge_voids_the_hour(market, cli, hour, "challengeBalance", week.item(alice).as_tuple())


def test_an_honest_hour_gives_no_balance_challenge(market: Market, cli: Any) -> None:
    state: Path = cli.state
    market.advance(3600)
    hour = int(market.view("ClearingLedger", "nextHour"))
    orders = book(market, hour)
    bundle = publish_and_commit(market, state, hour, orders, clear_document(orders, {"prices": {}}))
    lines = bundle.lines
    assert lines.count == 2
    ledger = market.contract("ClearingLedger")
    a, b = lines.item(0).as_tuple(), lines.item(1).as_tuple()
    checks = [
        ("isUnbalanced", [hour, a, b, True]),
        ("isUnbalanced", [hour, b, b, False]),
        ("isUnbalanced", [hour, a, a, False]),
        ("isLinesMalformed", [hour, a, b, True]),
    ]
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
