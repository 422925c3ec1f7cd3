"""A dishonest oracle whose entries are not its trade lines, caught from the command line
on a real node (docs/settlement.md, "Entries bound to the trade lines").

Week 1's hour 5 is `test_balance_cli`'s book, cleared honestly: alice buys 5 GB/h of
premium from bob at 2 tokens/GB, fee 10 bps (alice −10.01 net, bob +9.99). The oracle
commits the honest fills, trade lines and holdings, but entries that debit alice 3 tokens
more (−13.01) and credit its own wallet 3 tokens (an entry with no trades), and publishes
them as committed. By hand, alice's cash + fee is −13 where her one line gives −2 × 5 =
−10 tokens, 3 tokens outside money rule 3's one wei. `verify --hour` names alice;
`challenge --hour` sends `challengeBalance` with `isEntryOffHoldings`: the hour is void,
the week's root (built from those entries) deleted, the demo bond of 1 000 tokens is
dave's to the wei, and alice, who allowed pulls, is never debited.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from challenge_harness import challenge_voids_the_hour
from market_harness import TOKEN, Market
from settlement_harness import post_root
from test_balance_cli import (
    CHALLENGE_WINDOW_S,
    DEMO_FEE_BPS,
    EMPTY,
    HOURS_PER_WEEK,
    TRADING_BIT,
    book,
)

from flowmarket.chain.leaves import settlement_week
from flowmarket.clearing import ResultDoc, clear_document
from flowmarket.oracle.hour_commitment import (
    HourBundle,
    build_hour_bundle,
    entries_document,
    with_entries,
)
from flowmarket.oracle.publication import Publication, write_publication
from flowmarket.oracle.publish import write_order_set

STOLEN = 3 * TOKEN


def commit_and_publish(
    market: Market, state: Path, hour: int, orders: dict[str, Any], result: ResultDoc, thief: str
) -> HourBundle:
    """Commit the hour; in the trading hour, with alice's entry debited and `thief`'s
    credited by STOLEN, and publish the entries as committed."""
    bundle = build_hour_bundle(result, hour=hour, fee_bps=DEMO_FEE_BPS, orders=orders["orders"])
    doc = entries_document(bundle)
    if orders is not EMPTY:
        doc = copy.deepcopy(doc)
        alice = market.address("alice")
        doc[alice]["cash"] = str(int(doc[alice]["cash"]) - STOLEN)
        doc[thief] = {"cash": str(STOLEN), "fee": "0", "trades": {}}
        bundle = with_entries(bundle, doc)
    market.send("oracle", "ClearingLedger", "commitHour", hour, bundle.commitment.as_tuple())
    write_order_set(state, hour, orders, {})  # type: ignore[arg-type]
    commitment = bundle.commitment.to_json()
    write_publication(state, Publication(hour, DEMO_FEE_BPS, result, commitment, "0x", 0, doc))
    return bundle


def test_an_entry_that_debits_alice_is_flagged_challenged_and_alice_never_debited(
    market: Market,
    cli: Any,
) -> None:
    state: Path = cli.state
    alice, thief = market.address("alice"), market.address("oracle")
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
        bundle = commit_and_publish(market, state, h, orders, result, thief)
        if h == hour:
            committed = bundle
        prior = result["prices"]
    assert committed is not None
    amounts = committed.amounts
    # By hand: alice −10.01 − 3 = −13.01 tokens, the thief +3.
    assert amounts.net_cash[alice] == -13 * TOKEN - TOKEN // 100
    assert amounts.net_cash[thief] == STOLEN
    bob = market.address("bob")
    week = settlement_week(
        1,
        [(who, amounts.net_cash[who]) for who in (alice, bob, thief)],
        amounts.total_fees,
        {alice: 1 << TRADING_BIT, bob: 1 << TRADING_BIT, thief: 1 << TRADING_BIT},
    )
    post_root(market, week)
    settlement = market.deployment.addresses["WeeklySettlement"]
    market.send("alice", "CapacityToken", "approve", settlement, 10**30)  # pulls allowed

    verified = cli("verify", "--hour", str(hour), "--files", str(state))
    assert verified.returncode == 1, verified.stdout + verified.stderr
    out = verified.stdout
    assert (
        f"entry of {alice}: cash -13 before its fee, its trade lines at the hour's prices "
        "give -10 (off by -3) (provable: challengeBalance)" in out
    ), out
    assert f"entry of {thief}: cash 3 before its fee, and it has no trade line" in out

    challenge_voids_the_hour(market, cli, hour, "challengeBalance", week.item(alice).as_tuple())
