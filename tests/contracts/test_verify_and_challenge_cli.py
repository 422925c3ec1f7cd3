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

from pathlib import Path
from typing import Any

from challenge_harness import challenge_voids_the_hour
from market_harness import TOKEN, Market
from settlement_harness import post_root

from flowmarket.actions.actor import Actor
from flowmarket.actions.verify import PublicationFiles, fill_tuple, verify_week
from flowmarket.chain.fill_check import judge_fill
from flowmarket.chain.leaves import (
    SettlementWeek,
    decode_settlement_value,
    settlement_value,
    settlement_week,
)
from flowmarket.chain.sorted_tree import SortedTree
from flowmarket.clearing import ResultDoc, clear_document
from flowmarket.collateral import cut_orders
from flowmarket.oracle.hour_commitment import build_hour_bundle
from flowmarket.oracle.publication import (
    Publication,
    write_publication,
    write_week_publication,
)
from flowmarket.oracle.publish import write_order_set
from flowmarket.signing import Domain, OrderMessage
from signed_books import message, signed_batch, signed_order

HOURS_PER_WEEK = 168
DEMO_FEE_BPS = 10
DEMO_BOND = 1_000 * TOKEN  # the demo profile's oracle_bond
# The demo profile's window is 120 s of the node's clock, which runs with the wall clock:
# a verify of 168 hours on a loaded machine can outlast it. The tests widen it (as
# governance may) so that they check the proofs, not the machine's speed.
CHALLENGE_WINDOW_S = 3_600
MILLI = 10**15
TRADING_BIT = 5  # hour 5 of the week


def domain(market: Market) -> Domain:
    return Domain(int(market.w3.eth.chain_id), market.deployment.addresses["ClearingLedger"])


def alice_buys(market: Market, hour: int) -> OrderMessage:
    return message(market.address("alice"), {"premium": 1.0}, [[0, 10], [5, 9]],
                   nonce=hour, hours=(hour, hour))  # fmt: skip


def book(market: Market, hour: int, *, alice_key: str | None = None) -> dict[str, Any]:
    """The trading hour's order set, each order signed by its participant (`alice_key`:
    who signs alice's order, default alice)."""
    bob_sells = message(market.address("bob"), {"premium": 1.0}, [[-5, 2], [0, 1]],
                        nonce=hour, hours=(hour, hour))  # fmt: skip
    return {
        "products": ["premium"],
        "orders": [
            signed_order(
                domain(market), alice_key or market.keys["alice"], alice_buys(market, hour)
            ),
            signed_order(domain(market), market.keys["bob"], bob_sells),
        ],
    }


def bob_stops_at(orders: dict[str, Any], bob_gb: float) -> dict[str, Any]:
    """What a dishonest oracle clears instead: bob's curve reaching only `bob_gb`."""
    alice, bob = orders["orders"]
    return {**orders, "orders": [alice, {**bob, "curve": [[-bob_gb, 2], [0, 1]]}]}


EMPTY: dict[str, Any] = {"products": [], "orders": []}


def publish_and_commit(
    market: Market, state: Path, hour: int, orders: dict[str, Any], result: ResultDoc
) -> None:
    """What the oracle does with a cleared hour: commit its roots, publish its files."""
    bundle = build_hour_bundle(
        result,
        hour=hour,
        fee_bps=DEMO_FEE_BPS,
        orders=orders["orders"],
        batches=orders.get("batches"),
    )
    market.send("oracle", "ClearingLedger", "commitHour", hour, bundle.commitment.as_tuple())
    write_order_set(state, hour, orders, {})  # type: ignore[arg-type]
    publication = Publication(hour, DEMO_FEE_BPS, result, bundle.commitment.to_json(), "0x", 0)
    write_publication(state, publication)


def commit_week_one(
    market: Market, state: Path, *, bob_gb: float = 5.0, alice_key: str | None = None
) -> int:
    """Clear, commit and publish every hour of week 1; returns its first hour. With
    `bob_gb` the trading hour is committed as if bob's curve reached only that far (the
    published order set is the true one); with `alice_key` alice's order is signed by
    that key (published and cleared as if alice had signed it)."""
    market.advance(HOURS_PER_WEEK * 3600)
    first = market.deployment.genesis_hour + HOURS_PER_WEEK
    prior: dict[str, float] = {}
    for hour in range(first, first + HOURS_PER_WEEK):
        trading = hour == first + TRADING_BIT
        orders = book(market, hour, alice_key=alice_key) if trading else EMPTY
        known = {p: v for p, v in prior.items() if p in orders["products"]}  # as the oracle
        cleared = bob_stops_at(orders, bob_gb) if trading else orders
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
    wrong = clear_document(bob_stops_at(orders, 4.0), {"prices": {}})  # bob sells only 4
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

    # The honest hour after it verifies (the same curves, signed for that hour).
    later = book(market, hour + 1)
    market.advance(3600)
    publish_and_commit(
        market, state, hour + 1, later, clear_document(later, {"prices": wrong["prices"]})
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
    a_id, b_id = (o["id"] for o in book(market, hour)["orders"])
    assert (
        f"fill of order {b_id} by {bob}: -4 GB/h, its curve gives -5.000005 to -4.999995 "
        "GB/h at portfolio price 9.2 (provable: challengeTrade)" in verified.stdout
    )
    assert f"fill of order {a_id}" not in verified.stdout  # alice's 4 at 9.2 is her curve

    challenge_voids_the_hour(market, cli, hour, "challengeTrade", committed.item(alice).as_tuple())

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


def test_an_invented_order_is_flagged_by_verify_and_challenged_from_the_cli(
    market: Market, cli: Any
) -> None:
    """A thief holding the oracle key invents alice's buy order (the same curve as in the
    module docstring, signed with the oracle key: alice never signed it), publishes it,
    clears and commits week 1's trading hour from it and posts the root that debits alice
    10.01 tokens. Everything re-clears to the committed roots and alice's fill is on the
    invented curve, so no off-curve proof exists; her fill has no signature of hers, and
    dave proves that with `challenge --hour`: the hour is void, the root deleted, the bond
    (1 000 tokens) is dave's to the wei, and alice is never debited."""
    state: Path = cli.state
    alice, bob = market.address("alice"), market.address("bob")
    widen_challenge_window(market)
    first = commit_week_one(market, state, alice_key=market.keys["oracle"])
    hour = first + TRADING_BIT
    invented, bobs = book(market, hour, alice_key=market.keys["oracle"])["orders"]
    settlement = market.deployment.addresses["WeeklySettlement"]
    market.send("alice", "CapacityToken", "approve", settlement, 10**30)  # pulls allowed
    # By hand (module docstring): alice −10.01 tokens, bob +9.99, fees 0.02.
    a_cash, b_cash, fees = -10 * TOKEN - 10 * MILLI, 10 * TOKEN - 10 * MILLI, 20 * MILLI
    hours = {alice: 1 << TRADING_BIT, bob: 1 << TRADING_BIT}
    committed = settlement_week(1, [(alice, a_cash), (bob, b_cash)], fees, hours)
    post_root(market, committed)
    write_week_publication(state, committed)

    verified = cli("verify", "--hour", str(hour), "--files", str(state))
    assert verified.returncode == 1, verified.stdout + verified.stderr
    out = verified.stdout
    assert f"hour {hour}: MISMATCH (2 entries re-cleared)" in out
    assert "MISMATCH orders root" not in out and "MISMATCH entries root" not in out
    assert (
        f"fill of order {invented['id']} by {alice}: +5 GB/h on an order {alice} did not "
        "sign (provable: challengeUnsignedFill)" in out
    )
    assert f"fill of order {bobs['id']}" not in out  # bob signed his
    assert "challengeTrade" not in out  # the fill is on the invented curve
    bundle = PublicationFiles(state).claimed_bundle(hour)
    assert bundle is not None
    fill = bundle.fills[invented["id"]]
    price = bundle.amounts.prices["premium"]
    assert price == 2 * TOKEN
    proof = bundle.prices_tree.proof(bundle.price_leaf("premium"))
    with market.reverts("SettlementNotAFault"):  # the off-curve proof cannot catch it
        market.send("dave", "WeeklySettlement", "challengeTrade", hour,
                    fill_tuple(bundle, fill), [(price, proof)])  # fmt: skip

    challenge_voids_the_hour(
        market, cli, hour, "challengeUnsignedFill", committed.item(alice).as_tuple()
    )


def honest_book(market: Market, hour: int) -> dict[str, Any]:
    """An honest hour of every kind of signed fill: alice's buy signed in a batch with a
    second order and a cancel, bob's sell signed alone, and carol's sell signed alone and
    cut by the collateral rule (she holds +1 premium and is below her requirement: she
    may only sell down to balance, [−1, 0] of her curve (−4, 1) → (0, 0.5)).

    By hand: alice buys 5 at 10 down to 9; carol sells 1 (her cut curve asks 0.5 to
    0.625); bob sells the other 4 at his 1 + 4/5 = 1.8 tokens/GB, the price."""
    d, (alice, bob, carol) = domain(market), (market.address(w) for w in ("alice", "bob", "carol"))
    buys = message(alice, {"premium": 1.0}, [[0, 10], [5, 9]], nonce=hour, hours=(hour, hour))
    low = message(alice, {"premium": 1.0}, [[0, 1.5], [1, 1]], nonce=hour + 1, hours=(hour, hour))
    batch, batches = signed_batch(d, market.keys["alice"], [buys, low], ["0x" + "ab" * 32])
    sells = message(bob, {"premium": 1.0}, [[-5, 2], [0, 1]], nonce=hour, hours=(hour, hour))
    cheap = message(carol, {"premium": 1.0}, [[-4, 1], [0, 0.5]], nonce=hour, hours=(hour, hour))
    orders = {
        "products": ["premium"],
        "orders": [*batch, signed_order(d, market.keys["bob"], sells),
                   signed_order(d, market.keys["carol"], cheap)],
    }  # fmt: skip
    cut, changes = cut_orders(orders, cut={carol: {"premium": 1.0}})
    assert list(changes.values()) == ["clipped"]
    return {**cut, "batches": batches}


def test_an_honest_fill_cannot_be_challenged(market: Market, cli: Any) -> None:
    """The honest hour gives no fault to verify, and its fills sent anyway revert with the
    custom error, off curve or unsigned: the batch's, the single order's and the cut
    order's (whose fill, −1, is off the curve carol signed at 1.8 but on its cut part),
    and a wrong price proof proves nothing either."""
    state: Path = cli.state
    market.advance(3600)
    hour = int(market.view("ClearingLedger", "nextHour"))
    orders = honest_book(market, hour)
    result = clear_document(orders, {"prices": {}})
    assert abs(result["prices"]["premium"] - 1.8) < 1e-9
    publish_and_commit(market, state, hour, orders, result)
    bundle = PublicationFiles(state).claimed_bundle(hour)
    assert bundle is not None and len(bundle.fills) == 4
    kinds = {f.participant: f for f in bundle.fills.values() if f.quantity != 0}
    carol = kinds[market.address("carol")]
    assert carol.quantity == -TOKEN and carol.window == (-TOKEN, 0)
    assert carol.curve_quantities == (-4 * TOKEN, 0)  # the curve she signed, not the cut one
    assert kinds[market.address("alice")].batch_orders  # signed in the batch
    assert kinds[market.address("alice")].quantity == 5 * TOKEN
    uncut = judge_fill(carol.quantity, carol.weights, carol.curve_quantities,
                       carol.curve_prices, [bundle.amounts.prices["premium"]])  # fmt: skip
    assert uncut.off_curve  # without its window, carol's fill would be provably wrong
    price = bundle.amounts.prices["premium"]
    proof = bundle.prices_tree.proof(bundle.price_leaf("premium"))
    for fill in bundle.fills.values():
        for evidence in ([(price, proof)], [(price + 1, proof)]):
            with market.reverts("SettlementNotAFault"):
                market.send("dave", "WeeklySettlement", "challengeTrade", hour,
                            fill_tuple(bundle, fill), evidence)  # fmt: skip
        with market.reverts("SettlementNotAFault"):
            market.send("dave", "WeeklySettlement", "challengeUnsignedFill", hour,
                        fill_tuple(bundle, fill))  # fmt: skip
    assert market.view("OracleBond", "bonded") == DEMO_BOND
    refused = cli("challenge", "--hour", str(hour), "--files", str(state), "--wallet", "dave",
                  "--password-file", "password", "--yes")  # fmt: skip
    assert refused.returncode != 0
    assert f"hour {hour}: OK (3 entries re-cleared)" in refused.stdout


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
