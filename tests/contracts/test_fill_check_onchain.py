"""`ClearingLedger.isFillOffCurve` judges exactly as its Python twin (`chain.fill_check`),
including at the tolerance's edges (one unit inside and one outside, where rounding
decides), and proves nothing from evidence that is not committed."""

from __future__ import annotations

import random
from typing import Any

from market_harness import TOKEN, Market, commitment

from flowmarket.chain import leaves
from flowmarket.chain.fill_check import judge_fill
from flowmarket.merkle import MerkleTree

W = TOKEN
PRODUCTS = ["premium/eu", "regular/eu", "regular/us"]


def random_curve(rng: random.Random) -> tuple[list[int], list[int]]:
    points = rng.randint(1, 6)
    if points == 1:
        return [0], [rng.randint(-5, 20) * W // 4]
    quantities = sorted(rng.sample(range(-40, 41), points))
    if quantities[0] > 0 or quantities[-1] < 0:
        quantities[0 if quantities[0] > 0 else -1] = 0
        quantities.sort()
    prices = sorted((rng.randint(-20, 80) * W // 8 for _ in range(points)), reverse=True)
    if rng.random() < 0.3 and points > 1:  # a flat piece
        k = rng.randrange(points - 1)
        prices[k + 1] = prices[k]
    return [q * W // 4 for q in quantities], prices


def test_the_contract_and_its_python_twin_agree(market: Market) -> None:
    rng = random.Random(13)
    alice = market.address("alice")
    # A highest order price of 20 tokens: its slack (2e-5) exceeds some portfolios' own.
    market.as_timelock("MarketParameters", "setOrderLimits", (10**9, 10**9, 20 * W))
    max_price = market.view("MarketParameters", "orderLimits")[2]
    assert max_price == 20 * W
    prices = {p: rng.randint(-8, 80) * W // 8 + rng.randint(0, 999) for p in PRODUCTS}
    cases: list[tuple[int, list[str], list[int], list[int], list[int]]] = []
    for _ in range(40):
        names = sorted(rng.sample(PRODUCTS, rng.randint(1, 3)))
        weights = [rng.choice([W, -W, W // 2, 3 * W]) for _ in names]
        q, p = random_curve(rng)
        judged = judge_fill(0, weights, q, p, [prices[n] for n in names], max_price)
        for quantity in (
            judged.lowest,
            judged.lowest - 1,
            judged.highest,
            judged.highest + 1,
            rng.randint(-40, 40) * W // 4,
        ):
            cases.append((quantity, names, weights, q, p))
    fill_leaves = [
        leaves.fill_leaf(
            leaves.order_key(f"o-{i}"),
            alice,
            quantity,
            leaves.terms_hash([leaves.product_id(n) for n in names], weights, q, p),
        )
        for i, (quantity, names, weights, q, p) in enumerate(cases)
    ]
    orders_tree = MerkleTree.from_leaves(fill_leaves)
    price_leaves = {n: leaves.price_leaf(leaves.product_id(n), v) for n, v in prices.items()}
    prices_tree = MerkleTree.from_leaves(price_leaves.values())
    market.advance(3600)
    hour = int(market.view("ClearingLedger", "nextHour"))
    summary = commitment(hour)
    market.send("oracle", "ClearingLedger", "commitHour", hour,
                (orders_tree.root, prices_tree.root, *summary[2:]))  # fmt: skip
    outcomes = set()
    for i, (quantity, names, weights, q, p) in enumerate(cases):
        fill = (leaves.order_key(f"o-{i}"), alice, quantity,
                [leaves.product_id(n) for n in names], weights, q, p,
                orders_tree.proof(fill_leaves[i]))  # fmt: skip
        evidence: list[Any] = [(prices[n], prices_tree.proof(price_leaves[n])) for n in names]
        expected = judge_fill(
            quantity, weights, q, p, [prices[n] for n in names], max_price
        ).off_curve
        got = market.view("ClearingLedger", "isFillOffCurve", hour, fill, evidence)
        assert got == expected, (i, quantity, names, weights, q, p)
        outcomes.add(got)
        if got:  # a price that is not the committed one, or one missing, proves nothing
            wrong = [(price + 1, proof) for price, proof in evidence]
            assert not market.view("ClearingLedger", "isFillOffCurve", hour, fill, wrong)
            assert not market.view("ClearingLedger", "isFillOffCurve", hour, fill, evidence[1:])
            moved = (*fill[:2], quantity + 1, *fill[3:])  # not the committed fill
            assert not market.view("ClearingLedger", "isFillOffCurve", hour, moved, evidence)
    assert outcomes == {True, False}
