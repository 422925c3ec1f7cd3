"""A portfolio order in the governed limits, the collateral worst case and the collateral
cut (docs/portfolios.md), by hand."""

from __future__ import annotations

from flowmarket.collateral import cut_orders
from flowmarket.order_limits import OrderLimits, OrderRisk, parts_breach, portfolio_parts
from flowmarket.orders import SignedOrder, engine_order, orders_document, risk_parts

TOKEN = 10**18
CURVE = [[0.0, 10.0], [6.0, 10.0]]  # up to 6 together at up to 10


def order(weights: tuple[float, float] = (1.0, 0.5)) -> SignedOrder:
    portfolios = [
        {"name": "east", "weight": weights[0], "products": {"e1": 1.0, "e2": -1.0}},
        {"name": "west", "weight": weights[1], "products": {"w": 2.0}},
    ]
    return SignedOrder("0xabc", "0xP", 1, 10, 12, None, {}, CURVE, "0xsig", None, portfolios)


def test_each_portfolio_trades_the_range_over_its_weight_at_the_price_times_it() -> None:
    parts = risk_parts(order())
    assert parts == [
        ({"e1": 1.0, "e2": -1.0}, [[0.0, 10.0], [6.0, 10.0]]),
        ({"w": 2.0}, [[0.0, 5.0], [12.0, 5.0]]),
    ]
    risk = OrderRisk.of_parts(parts)
    # east: 6 × (1 + 1) = 12 GB/h of products; west: 12 × 2 = 24
    assert risk.rate == 36.0
    # own prices per GB of product: east 10 / 2 = 5, west 5 / 2 = 2.5
    # no prices: east 6 × (1 + 1) × 5 = 60; west 12 × 2 × 2.5 = 60
    assert risk.exposure({}) == 120 * TOKEN
    # last prices above the own ones count: e1 at 20 (> 5), w at 4 (> 2.5)
    prices = {"e1": 20 * TOKEN, "w": 4 * TOKEN}
    # east: 6 × (1 × 20 + 1 × 5) = 150; west: 12 × 2 × 4 = 96
    assert risk.exposure(prices) == 246 * TOKEN


def test_one_part_is_the_single_portfolio_rule() -> None:
    portfolio, curve = {"a": 1.0, "b": -3.0}, [[-3.0, 7.0], [2.0, 1.0]]
    single = OrderRisk.of(portfolio, curve)
    assert single == OrderRisk.of_parts([(portfolio, curve)])
    # own price 7 / 4 = 1.75 per GB of product: 3 × (1 + 3) × 1.75 = 21 tokens
    assert single.exposure({}) == 21 * TOKEN


def test_the_limits_name_the_portfolio_or_the_sum() -> None:
    breach = parts_breach(risk_parts(order()), CURVE, OrderLimits(30, 1_000, 50 * TOKEN))
    assert breach is not None and breach.field == "order.portfolios"  # 12 + 24 > 30
    assert "36 GB/h" in breach.reason
    narrow = portfolio_parts([(1.0, {"e": 1.0}), (0.25, {"w": 1.0})], CURVE)
    limits = OrderLimits(20, 1_000, 50 * TOKEN)
    breach = parts_breach(narrow, CURVE, limits)  # west alone: 6 / 0.25 = 24 > 20
    assert breach is not None and breach.field == "order.portfolios[1]"
    assert parts_breach(risk_parts(order()), CURVE, OrderLimits(40, 1_000, 50 * TOKEN)) is None


def test_the_engine_document_names_the_portfolios_and_a_cut_removes_the_order() -> None:
    document = orders_document([order()], hour=11)
    assert document["products"] == ["e1", "e2", "w"]
    assert document["portfolios"] == {
        "0xabc:east": {"participant": "0xP", "products": {"e1": 1.0, "e2": -1.0}},
        "0xabc:west": {"participant": "0xP", "products": {"w": 2.0}},
    }
    (published,) = document["orders"]
    assert engine_order(published) == {
        "id": "0xabc",
        "participant": "0xP",
        "portfolios": {"0xabc:east": 1.0, "0xabc:west": 0.5},
        "curve": CURVE,
    }
    doc = {"products": document["products"], "orders": [engine_order(published)]}
    kept, changes = cut_orders(doc, cut={"0xP": {"e1": 3.0}})
    assert kept["orders"] == [] and changes == {"0xabc": "removed"}
