"""A cleared hour with non-convex orders, as the oracle commits it and a verifier checks
it: the exact amounts balance as for a convex hour, and the no-loss check of
`flowmarket verify` (`actions.no_loss`) against hand-computed cases."""

from __future__ import annotations

from typing import Any

import pytest
from eth_utils.address import to_checksum_address

from flowmarket.actions.no_loss import curve_integral, no_loss_problems
from flowmarket.clearing import clear_document
from flowmarket.money import WAD
from flowmarket.oracle.hour_commitment import build_hour_bundle
from flowmarket.orders import engine_order

TV = to_checksum_address("0x" + "a1" * 20)
NET = to_checksum_address("0x" + "b2" * 20)
USER = to_checksum_address("0x" + "c3" * 20)
EVENT = [f"fwd-h:eu-west:premium:2026-12-05T{h}" for h in (18, 19)]


def book(limit: float) -> dict[str, Any]:
    """Two hours; a seller of each hour at 3 + q/10 per GB (up to 50 GB/h), a small
    buyer of each hour, and a 10 GB/h block over both hours at `limit` per unit."""
    orders: list[dict[str, Any]] = []
    for k, product in enumerate(EVENT):
        orders.append(
            {"id": f"sell{k}", "participant": NET, "portfolio": {product: 1.0},
             "curve": [[-50.0, 8.0], [0.0, 3.0]]}
        )  # fmt: skip
        orders.append(
            {"id": f"buy{k}", "participant": USER, "portfolio": {product: 1.0},
             "curve": [[0.0, 6.0], [20.0, 2.0]]}
        )  # fmt: skip
    block = {
        "id": "event",
        "participant": TV,
        "portfolio": {p: 1.0 for p in EVENT},
        "kind": "all_or_nothing",
        "quantity": 10.0,
        "price": limit,
        "nonce": 4,  # a published order set's signed fields: ignored by the clearing
        "signature": "0x" + "00" * 65,
    }
    orders.append(engine_order(block))  # type: ignore[arg-type]
    return {"products": EVENT, "orders": orders, "nonconvex_rule": "no_loss"}


def test_an_accepted_block_commits_exact_balanced_amounts_and_does_not_lose() -> None:
    doc = book(limit=12.0)
    result = clear_document(doc, None)
    assert result["orders"]["event"]["accepted"] is True
    bundle = build_hour_bundle(result, hour=500_000, fee_bps=10)
    trades = bundle.amounts.trades
    for product in EVENT:  # positions balance to the wei in each product
        assert sum(book_.get(product, 0) for book_ in trades.values()) == 0
        # the float residual of the other orders' trades is spread over every holder in
        # proportion to |trade| (money's rule for every hour): the block's share is a
        # few wei of its 10 GB/h
        assert abs(trades[TV][product] - 10 * WAD) <= 10 * WAD // 10**14
    # the block's cash by hand: −Σ price × 10 GB/h, in wei from the committed prices
    prices = bundle.amounts.prices
    exact = -sum(prices[p] * trades[TV][p] for p in EVENT)
    assert bundle.amounts.cash[TV] in (exact // WAD, exact // WAD + 1)
    assert abs(bundle.amounts.cash[TV] + 10 * sum(prices.values())) <= 10**6
    assert abs(sum(bundle.amounts.cash.values())) <= len(trades)  # rounding only
    rho = sum(result["prices"][p] for p in EVENT)
    assert rho <= 12.0 + 1e-9  # no loss: the block pays at most its limit per unit
    assert no_loss_problems(doc["orders"], result["orders"], result["prices"]) == []


def test_a_block_too_cheap_for_the_sellers_is_rejected_and_trades_nothing() -> None:
    doc = book(limit=5.0)  # the sellers start at 3 per GB and hour: 6 > 5 for both hours
    result = clear_document(doc, None)
    assert result["orders"]["event"] == {"quantity": 0.0, "accepted": False}
    amounts = build_hour_bundle(result, hour=500_000, fee_bps=10).amounts
    assert amounts.trades.get(TV, {}) == {} and amounts.cash.get(TV, 0) == 0


def test_curve_integral_by_hand() -> None:
    assert curve_integral([[0.0, 10.0], [20.0, 6.0]], 10.0) == pytest.approx(90.0)
    # selling 50 on [[-50, 12], [0, 10]]: −(50 × (12 + 10) / 2)
    assert curve_integral([[-50.0, 12.0], [0.0, 10.0]], -50.0) == pytest.approx(-550.0)
    assert curve_integral([[-50.0, 12.0], [0.0, 10.0]], -25.0) == pytest.approx(-262.5)


BLOCK = {"id": "b", "portfolio": {"x": 1.0, "y": 2.0}, "kind": "all_or_nothing",
         "quantity": 10.0, "price": 45.0}  # fmt: skip
PLANT = {"id": "p", "portfolio": {"x": 1.0}, "kind": "startup",
         "curve": [[-50.0, 12.0], [0.0, 10.0]], "fixed_cost": 30.0}  # fmt: skip
FILL = {"id": "f", "portfolio": {"x": 1.0}, "kind": "min_fill",
        "curve": [[0.0, 10.0], [20.0, 6.0]], "min_quantity": 5.0}  # fmt: skip


@pytest.mark.parametrize(
    ("order", "outcome", "prices", "problem"),
    [
        # ρ = 7 + 2 × 14 = 35 ≤ 45: gains 100
        (BLOCK, {"quantity": 10.0, "accepted": True}, {"x": 7.0, "y": 14.0}, None),
        # ρ = 8 + 2 × 19 = 46 > 45: loses 10 tokens/h
        (BLOCK, {"quantity": 10.0, "accepted": True}, {"x": 8.0, "y": 19.0}, "loses 10"),
        (BLOCK, {"quantity": 5.0, "accepted": True}, {"x": 1.0, "y": 1.0}, "not 10"),
        (BLOCK, {"quantity": 1.0, "accepted": False}, {"x": 1.0, "y": 1.0}, "rejected but"),
        (BLOCK, {"quantity": 0.0}, {"x": 1.0, "y": 1.0}, "no accepted/rejected"),
        # sells 50 at 12: −550 − 30 + 600 = 20
        (PLANT, {"quantity": -50.0, "accepted": True}, {"x": 12.0}, None),
        # sells 50 at 11.5: −550 − 30 + 575 = −5
        (PLANT, {"quantity": -50.0, "accepted": True}, {"x": 11.5}, "loses 5"),
        (FILL, {"quantity": 4.0, "accepted": True}, {"x": 1.0}, "below its minimum"),
        # buys 10 at 9: 90 − 90 = 0, exactly no loss
        (FILL, {"quantity": 10.0, "accepted": True}, {"x": 9.0}, None),
        (FILL, {"quantity": 0.0, "accepted": False}, {"x": 100.0}, None),
    ],
)
def test_no_loss_check_by_hand(
    order: dict[str, Any], outcome: dict[str, Any], prices: dict[str, float], problem: str | None
) -> None:
    curve = {"id": "c", "portfolio": {"x": 1.0}, "curve": [[0.0, 1.0], [1.0, 0.0]]}
    found = no_loss_problems([curve, order], {order["id"]: outcome, "c": {"quantity": 1}}, prices)
    if problem is None:
        assert found == []
    else:
        assert len(found) == 1 and problem in found[0], found
