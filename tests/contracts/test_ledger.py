"""ClearingLedger: hour commitments, ordering, roles, pause, and proofs built in Python."""

from __future__ import annotations

from dataclasses import dataclass

from market_harness import TOKEN, Market, commitment

from flowmarket.chain import leaves
from flowmarket.merkle import MerkleTree

HOURS_PER_WEEK = 168


@dataclass(frozen=True)
class Hour:
    """An hour with real trees: 5 prices (one negative), 3 entries, 4 orders."""

    prices: dict[bytes, int]
    entries: list[tuple[str, int, int, bytes]]
    orders: dict[bytes, int]

    @property
    def prices_tree(self) -> MerkleTree:
        return MerkleTree.from_leaves(leaves.price_leaf(p, v) for p, v in self.prices.items())

    @property
    def entries_tree(self) -> MerkleTree:
        return MerkleTree.from_leaves(leaves.entry_leaf(*e) for e in self.entries)

    @property
    def orders_tree(self) -> MerkleTree:
        return MerkleTree.from_leaves(leaves.order_leaf(k, q) for k, q in self.orders.items())

    def commitment(self) -> tuple[object, ...]:
        roots = (self.orders_tree.root, self.prices_tree.root, self.entries_tree.root)
        return (*roots, 1, 2, 6 * 10**15, 0, 0, bytes(32), 0, bytes(32), 0, bytes(32), 0)


def real_hour(market: Market) -> Hour:
    prices = {leaves.product_id(f"premium/r{i}/h0"): (i - 1) * 10**17 for i in range(5)}
    alice, bob, carol = (market.address(w) for w in ("alice", "bob", "carol"))
    ids = list(prices)[:2]
    entries = [
        (alice, -3 * TOKEN, 3 * 10**15, leaves.trades_hash(ids, [2 * TOKEN, TOKEN])),
        (bob, 2 * TOKEN, 2 * 10**15, leaves.trades_hash(ids[:1], [-2 * TOKEN])),
        (carol, TOKEN - 5 * 10**15, 10**15, leaves.trades_hash(ids[1:], [-TOKEN])),
    ]
    orders = {leaves.order_key(f"order-{i}"): (i - 2) * TOKEN for i in range(4)}
    return Hour(prices=prices, entries=entries, orders=orders)


def test_session_ledger_has_week_zero_committed_and_expects_the_next_hour(market: Market) -> None:
    genesis = market.view("ClearingLedger", "genesisHour")
    assert market.view("ClearingLedger", "nextHour") == genesis + HOURS_PER_WEEK
    assert market.view("ClearingLedger", "isWeekCommitted", 0)
    assert not market.view("ClearingLedger", "isWeekCommitted", 1)
    assert market.view("ClearingLedger", "isCommitted", genesis)
    assert not market.view("ClearingLedger", "isCommitted", genesis - 1)


def test_commits_the_next_hour_stores_it_and_emits_the_summary(market: Market) -> None:
    hour = market.view("ClearingLedger", "nextHour")
    receipt = market.send("oracle", "ClearingLedger", "commitHour", hour, commitment(hour))
    [event] = market.events(receipt, "ClearingLedger", "HourCommitted")
    assert event["hour"] == hour and event["fees"] == 7 * TOKEN
    assert tuple(market.view("ClearingLedger", "hourCommitment", hour)) == commitment(hour)
    assert market.view("ClearingLedger", "nextHour") == hour + 1


def test_rejects_an_hour_whose_bidding_window_has_not_closed_on_chain(market: Market) -> None:
    now_hour = market.now() // 3600
    while (hour := market.view("ClearingLedger", "nextHour")) <= now_hour:
        market.send("oracle", "ClearingLedger", "commitHour", hour, commitment(hour))
    with market.reverts("LedgerHourNotClosed"):
        market.send("oracle", "ClearingLedger", "commitHour", hour, commitment(hour))
    market.advance(hour * 3600 - market.now())
    market.send("oracle", "ClearingLedger", "commitHour", hour, commitment(hour))


def test_rejects_commit_from_an_account_that_is_not_the_oracle(market: Market) -> None:
    hour = market.view("ClearingLedger", "nextHour")
    with market.reverts("MarketNotOracle"):
        market.send("alice", "ClearingLedger", "commitHour", hour, commitment(hour))


def test_rejects_skipping_or_repeating_an_hour(market: Market) -> None:
    hour = market.view("ClearingLedger", "nextHour")
    with market.reverts("LedgerWrongHour"):
        market.send("oracle", "ClearingLedger", "commitHour", hour + 1, commitment(hour + 1))
    with market.reverts("LedgerWrongHour"):
        market.send("oracle", "ClearingLedger", "commitHour", hour - 1, commitment(hour - 1))


def test_rejects_commit_while_the_market_is_paused(market: Market) -> None:
    market.send("timelock", "MarketParameters", "pause")
    hour = market.view("ClearingLedger", "nextHour")
    with market.reverts("MarketIsPaused"):
        market.send("oracle", "ClearingLedger", "commitHour", hour, commitment(hour))


def test_reading_an_uncommitted_hour_reverts(market: Market) -> None:
    hour = market.view("ClearingLedger", "nextHour")
    with market.reverts("LedgerHourNotCommitted"):
        market.clients["alice"].call(
            market.contract("ClearingLedger").functions.hourCommitment(hour)
        )


def test_verifies_python_proofs_of_prices_entries_and_orders(market: Market) -> None:
    hour = market.view("ClearingLedger", "nextHour")
    data = real_hour(market)
    market.send("oracle", "ClearingLedger", "commitHour", hour, data.commitment())
    assert any(price < 0 for price in data.prices.values())
    for product, price in data.prices.items():
        proof = data.prices_tree.proof(leaves.price_leaf(product, price))
        assert market.view("ClearingLedger", "verifyPrice", hour, product, price, proof)
    for entry in data.entries:
        proof = data.entries_tree.proof(leaves.entry_leaf(*entry))
        assert market.view("ClearingLedger", "verifyEntry", hour, *entry, proof)
    for key, quantity in data.orders.items():
        proof = data.orders_tree.proof(leaves.order_leaf(key, quantity))
        assert market.view("ClearingLedger", "verifyOrder", hour, key, quantity, proof)


def test_rejects_a_bad_proof_a_wrong_value_and_a_wrong_hour(market: Market) -> None:
    hour = market.view("ClearingLedger", "nextHour")
    data = real_hour(market)
    market.send("oracle", "ClearingLedger", "commitHour", hour, data.commitment())
    product, price = next(iter(data.prices.items()))
    proof = data.prices_tree.proof(leaves.price_leaf(product, price))
    assert not market.view("ClearingLedger", "verifyPrice", hour, product, price + 1, proof)
    assert not market.view("ClearingLedger", "verifyPrice", hour, product, price, proof[::-1])
    assert not market.view("ClearingLedger", "verifyPrice", hour - 1, product, price, proof)
    entry = data.entries[0]
    entry_proof = data.entries_tree.proof(leaves.entry_leaf(*entry))
    # An entry proof does not verify a price: the trees are distinct commitments.
    assert not market.view("ClearingLedger", "verifyPrice", hour, product, price, entry_proof)
    tampered = (entry[0], entry[1] + 1, entry[2], entry[3])
    assert not market.view("ClearingLedger", "verifyEntry", hour, *tampered, entry_proof)
