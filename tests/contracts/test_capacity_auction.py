"""CapacityAuction: results committed once by the oracle, awards paid once to the seller.

Roots and proofs come from the Python twin (`chain.auction_leaves`): a proof that
verifies on chain shows both sides encode the same bytes.
"""

from __future__ import annotations

from typing import Any

import pytest
from market_harness import TOKEN, Market

from flowmarket.chain.auction_leaves import award_leaf, award_tree, awards_hash, bid_leaf, bid_tree
from flowmarket.signing.auction_bids import auction_id

AUCTION = auction_id("release-2027-q1")
PRODUCT = "fwd-m:eu-west:premium:2027-01:09:wd"
CLOCK = 0


@pytest.fixture
def auction_market(market: Market) -> Market:
    """The session market (`flowmarket deploy` deploys CapacityAuction with it)."""
    return market


def _awards(m: Market) -> dict[str, tuple[int, dict[str, int]]]:
    return {
        m.address("alice"): (88 * TOKEN, {PRODUCT: 8 * TOKEN}),
        m.address("bob"): (77 * TOKEN, {PRODUCT: 7 * TOKEN}),
    }


def _commit(m: Market, *, deadline_in: int = 3600, **changes: Any) -> Any:
    tree = award_tree(AUCTION, _awards(m))
    bids = bid_tree([b"\x01" * 32, b"\x02" * 32, b"\x03" * 32])
    values = {
        "kind": CLOCK,
        "awardsRoot": tree.root,
        "bidsRoot": bids.root,
        "seller": m.address("carol"),
        "totalPayments": 165 * TOKEN,
        "winners": 2,
        "payDeadline": m.now() + deadline_in,
    }
    values.update(changes)
    m.send("oracle", "CapacityAuction", "commitResults", AUCTION, tuple(values.values()))
    return tree


def _pay_args(m: Market, tree: Any, who: str) -> tuple[Any, ...]:
    bidder = m.address(who)
    payment, quantities = tree.awards[bidder]
    return (AUCTION, bidder, payment, awards_hash(quantities), tree.proofs()[bidder])


def test_the_oracle_commits_results_whose_python_leaves_verify_on_chain(
    auction_market: Market,
) -> None:
    m = auction_market
    tree = _commit(m)
    args = _pay_args(m, tree, "alice")
    assert m.view("CapacityAuction", "verifyAward", *args)
    wrong = (args[0], args[1], args[2] + 1, args[3], args[4])
    assert not m.view("CapacityAuction", "verifyAward", *wrong)
    bids = bid_tree([b"\x01" * 32, b"\x02" * 32, b"\x03" * 32])
    proof = bids.proof(bid_leaf(b"\x02" * 32))
    assert m.view("CapacityAuction", "verifyBid", AUCTION, b"\x02" * 32, proof)
    record = m.view("CapacityAuction", "auction", AUCTION)
    assert record[0][1] == tree.root and tuple(record[1:3]) == (0, 0)
    assert award_leaf(AUCTION, args[1], args[2], args[3]) == tree.leaf(args[1])


def test_only_the_oracle_commits_and_only_once(auction_market: Market) -> None:
    m = auction_market
    with m.reverts("MarketNotOracle"):
        m.send(
            "alice", "CapacityAuction", "commitResults", AUCTION,
            (CLOCK, b"\x01" * 32, b"\x02" * 32, m.address("carol"), 1, 1, m.now() + 60),
        )  # fmt: skip
    _commit(m)
    with m.reverts("AuctionAlreadyCommitted"):
        _commit(m)


def test_commit_refuses_zero_roots_a_zero_seller_and_a_past_deadline(
    auction_market: Market,
) -> None:
    m = auction_market
    with m.reverts("AuctionZeroRoot"):
        _commit(m, awardsRoot=bytes(32))
    with m.reverts("AuctionZeroRoot"):
        _commit(m, bidsRoot=bytes(32))
    with m.reverts("AuctionZeroSeller"):
        _commit(m, seller="0x" + "00" * 20)
    with m.reverts("AuctionDeadlineInPast"):
        _commit(m, deadline_in=-1)


def test_a_winner_pays_the_seller_once_and_the_event_names_the_award(
    auction_market: Market,
) -> None:
    m = auction_market
    tree = _commit(m)
    m.approve("alice", "CapacityAuction", 88 * TOKEN)
    alice, carol = m.balance("alice"), m.balance("carol")
    receipt = m.send("dave", "CapacityAuction", "payAward", *_pay_args(m, tree, "alice"))
    assert m.balance("alice") == alice - 88 * TOKEN
    assert m.balance("carol") == carol + 88 * TOKEN
    (event,) = m.events(receipt, "CapacityAuction", "AwardPaid")
    assert (event["bidder"], event["payment"]) == (m.address("alice"), 88 * TOKEN)
    assert m.view("CapacityAuction", "isPaid", AUCTION, m.address("alice"))
    assert tuple(m.view("CapacityAuction", "auction", AUCTION)[1:3]) == (88 * TOKEN, 1)
    m.approve("alice", "CapacityAuction", 88 * TOKEN)
    with m.reverts("AuctionAlreadyPaid"):
        m.send("alice", "CapacityAuction", "payAward", *_pay_args(m, tree, "alice"))


def test_a_payment_needs_a_valid_proof_and_the_window_open(auction_market: Market) -> None:
    m = auction_market
    tree = _commit(m, deadline_in=600)
    m.approve("bob", "CapacityAuction", 100 * TOKEN)
    args = list(_pay_args(m, tree, "bob"))
    with m.reverts("AuctionInvalidProof"):
        m.send("bob", "CapacityAuction", "payAward", args[0], args[1], args[2] - 1, *args[3:])
    m.advance(601)
    with m.reverts("AuctionPaymentWindowOver"):
        m.send("bob", "CapacityAuction", "payAward", *args)
    assert not m.view("CapacityAuction", "isPaid", AUCTION, m.address("bob"))


def test_a_root_that_promises_more_than_its_total_cannot_move_more(
    auction_market: Market,
) -> None:
    m = auction_market
    tree = _commit(m, totalPayments=100 * TOKEN)  # the leaves add up to 165
    m.approve("alice", "CapacityAuction", 88 * TOKEN)
    m.approve("bob", "CapacityAuction", 77 * TOKEN)
    m.send("alice", "CapacityAuction", "payAward", *_pay_args(m, tree, "alice"))
    with m.reverts("AuctionExceedsTotal"):
        m.send("bob", "CapacityAuction", "payAward", *_pay_args(m, tree, "bob"))


def test_payments_stop_while_the_market_is_paused(auction_market: Market) -> None:
    m = auction_market
    tree = _commit(m)
    m.approve("alice", "CapacityAuction", 88 * TOKEN)
    m.send("timelock", "MarketParameters", "pause")
    with m.reverts("MarketIsPaused"):
        m.send("alice", "CapacityAuction", "payAward", *_pay_args(m, tree, "alice"))
    client = m.clients["alice"]
    auction = client.contract(
        m.artifacts["CapacityAuction"], m.deployment.addresses["CapacityAuction"]
    )
    with m.reverts("AuctionNotCommitted"):
        client.call(auction.functions.auction(b"\x09" * 32))


def _unpause(m: Market) -> None:
    """Unpause as the timelock (impersonated on the dev node): only governance unpauses."""
    timelock = m.deployment.addresses["MarketTimelock"]
    m.w3.provider.make_request("hardhat_impersonateAccount", [timelock])  # type: ignore[arg-type]
    m.w3.provider.make_request("hardhat_setBalance", [timelock, hex(10**20)])  # type: ignore[arg-type]
    tx = m.contract("MarketParameters").functions.unpause().transact({"from": timelock})
    m.w3.eth.wait_for_transaction_receipt(tx)
    m.w3.provider.make_request("hardhat_stopImpersonatingAccount", [timelock])  # type: ignore[arg-type]


def test_time_spent_paused_does_not_count_against_the_payment_window(
    auction_market: Market,
) -> None:
    m = auction_market
    tree = _commit(m, deadline_in=600)
    committed = int(m.view("CapacityAuction", "auction", AUCTION)[0][6])
    m.approve("alice", "CapacityAuction", 88 * TOKEN)
    m.send("timelock", "MarketParameters", "pause")
    m.advance(1_000)  # past the committed deadline, all of it paused
    _unpause(m)
    paused = int(m.view("MarketParameters", "pausedSeconds"))
    assert int(m.view("CapacityAuction", "payDeadlineOf", AUCTION)) == committed + paused
    assert m.now() > committed
    m.send("alice", "CapacityAuction", "payAward", *_pay_args(m, tree, "alice"))
    assert m.view("CapacityAuction", "isPaid", AUCTION, m.address("alice"))
    m.advance(601)
    m.approve("bob", "CapacityAuction", 77 * TOKEN)
    with m.reverts("AuctionPaymentWindowOver"):
        m.send("bob", "CapacityAuction", "payAward", *_pay_args(m, tree, "bob"))
