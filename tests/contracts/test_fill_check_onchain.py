"""`ClearingLedger.isFillOffCurve` judges exactly as its Python twin (`chain.fill_check`),
including at the tolerance's edges (one unit inside and one outside, where rounding
decides) and with the collateral rule's windows (some cutting the curve, some not
containing 0: malformed), and proves nothing from evidence that is not committed."""

from __future__ import annotations

import random
from typing import Any

from market_harness import TOKEN, Market, commitment

from flowmarket.actions.verify import fill_in_tree
from flowmarket.chain import leaves
from flowmarket.chain.fill_check import judge_fill
from flowmarket.merkle import MerkleTree
from flowmarket.oracle.fills_tree import fills_tree
from flowmarket.oracle.hour_commitment import FillTerms

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


def random_window(rng: random.Random, q: list[int]) -> tuple[int, int]:
    """The curve's range, a cut towards balance inside it, or (rarely) one without 0."""
    draw = rng.random()
    if draw < 0.4:
        return q[0], q[-1]
    if draw < 0.9:
        return rng.randint(q[0], 0), rng.randint(0, q[-1])
    return (W, 2 * W) if rng.random() < 0.5 else (-2 * W, -W)


def fill_terms(
    i: int,
    who: str,
    quantity: int,
    names: list[str],
    weights: list[int],
    q: list[int],
    p: list[int],
    window: tuple[int, int],
) -> FillTerms:
    """A fill with these terms (its signature is not what this test judges)."""
    return FillTerms(f"o-{i}", who, quantity, tuple(names), tuple(weights), tuple(q), tuple(p),
                     window, i, 0, 0, bytes(32), bytes(65))  # fmt: skip


def test_the_contract_and_its_python_twin_agree(market: Market) -> None:
    rng = random.Random(13)
    alice = market.address("alice")
    # A highest order price of 20 tokens: its slack (2e-5) exceeds some portfolios' own.
    market.as_timelock("MarketParameters", "setOrderLimits", (10**9, 10**9, 20 * W))
    max_price = market.view("MarketParameters", "orderLimits")[2]
    assert max_price == 20 * W
    prices = {p: rng.randint(-8, 80) * W // 8 + rng.randint(0, 999) for p in PRODUCTS}
    cases: list[FillTerms] = []
    for _ in range(40):
        names = sorted(rng.sample(PRODUCTS, rng.randint(1, 3)))
        weights = [rng.choice([W, -W, W // 2, 3 * W]) for _ in names]
        q, p = random_curve(rng)
        window = random_window(rng, q)
        judged = judge_fill(0, weights, q, p, [prices[n] for n in names], max_price, window=window)
        for quantity in (
            judged.lowest,
            judged.lowest - 1,
            judged.highest,
            judged.highest + 1,
            rng.randint(-40, 40) * W // 4,
        ):
            cases.append(fill_terms(len(cases), alice, quantity, names, weights, q, p, window))
    fills = fills_tree(cases, [])
    price_leaves = {n: leaves.price_leaf(leaves.product_id(n), v) for n, v in prices.items()}
    prices_tree = MerkleTree.from_leaves(price_leaves.values())
    market.advance(3600)
    hour = int(market.view("ClearingLedger", "nextHour"))
    summary = commitment(hour)
    committed = (summary[0], prices_tree.root, *summary[2:12], fills.root, fills.count)
    market.send("oracle", "ClearingLedger", "commitHour", hour, committed)
    outcomes = set()
    kinds = set()
    window_decides = set()
    for case in cases:
        fill = fill_in_tree(fills, case)
        names = list(case.products)
        evidence: list[Any] = [(prices[n], prices_tree.proof(price_leaves[n])) for n in names]
        judged = judge_fill(case.quantity, case.weights, case.curve_quantities,
                            case.curve_prices, [prices[n] for n in names], max_price,
                            window=case.window)  # fmt: skip
        got = market.view("ClearingLedger", "isFillOffCurve", hour, fill, evidence)
        assert got == judged.off_curve, case
        outcomes.add(got)
        kinds.add(judged.malformed)
        uncut = judge_fill(case.quantity, case.weights, case.curve_quantities,
                           case.curve_prices, [prices[n] for n in names], max_price)  # fmt: skip
        window_decides.add(uncut.off_curve != judged.off_curve)
        quantity = case.quantity
        if got and not judged.malformed:  # malformed terms need no prices
            # a price that is not the committed one, or one missing, proves nothing
            wrong = [(price + 1, proof) for price, proof in evidence]
            assert not market.view("ClearingLedger", "isFillOffCurve", hour, fill, wrong)
            assert not market.view("ClearingLedger", "isFillOffCurve", hour, fill, evidence[1:])
        if got:
            moved = (*fill[:2], quantity + 1, *fill[3:])  # not the committed fill
            assert not market.view("ClearingLedger", "isFillOffCurve", hour, moved, evidence)
            wider = (*fill[:7], fill[7] - 1, *fill[8:])  # not the committed window
            assert not market.view("ClearingLedger", "isFillOffCurve", hour, wider, evidence)
    assert outcomes == {True, False}
    assert kinds == {True, False}  # some windows without 0 were judged malformed
    assert window_decides == {True, False}  # some cuts made a fill on the whole curve a fault
