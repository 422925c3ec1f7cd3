"""Trade-to-target plans: targets rise to need at delivery, orders clear in the engine."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from flowmarket.catalogue import CatalogueSpec, Horizons, load_spec, parse_name
from flowmarket.clearing import clear_document
from flowmarket.clearing.curves import validate_book
from flowmarket.clearing.document import parse_orders
from flowmarket.strategy import StrategyParams, curve_quantity, needs_from_rows, plan_orders

H = 498710  # 2026-11-22T14 UTC, a Sunday
DEMO = load_spec("demo")
PARAMS = StrategyParams(risk_aversion=1.0, capital_cost=0.08)


def _flat_needs(region: str, type_: str, hours: range, need: float, value: float = 2.0):  # type: ignore[no-untyped-def]
    return needs_from_rows((region, type_, d, need, value) for d in hours)


def test_target_for_a_delivery_hour_rises_monotonically_to_the_full_need() -> None:
    delivery = H + 167
    needs = _flat_needs("eu-west", "premium", range(delivery, delivery + 1), 120.0)
    targets = []
    for hour in range(H, delivery + 1):
        plan = plan_orders(needs, DEMO, hour, {}, PARAMS, "sp")
        (target,) = plan.targets
        assert parse_name(target.product).start == delivery
        targets.append(target.target)
    assert targets[0] == pytest.approx(120.0 / 168, rel=1e-3)
    assert all(b > a for a, b in itertools.pairwise(targets))
    assert targets[-1] == 120.0
    assert plan.targets[0].product == "rt:eu-west:premium:2026-11-29T13"


def test_trading_to_target_each_hour_reaches_the_need_at_delivery() -> None:
    delivery = H + 30
    needs = _flat_needs("us-east", "fast", range(H, H + 168), 50.0)
    positions: dict[str, float] = {}
    for hour in range(H, delivery + 1):
        plan = plan_orders(needs, DEMO, hour, positions, PARAMS, "sp")
        for order in plan.orders:
            (name,) = order["portfolio"]
            if parse_name(name).start == delivery:  # filled at valuation: exactly the trade
                points = [(q, p) for q, p in order["curve"]]
                positions[name] = positions.get(name, 0.0) + curve_quantity(points, 2.0)
    total = sum(positions.values())
    assert total == pytest.approx(50.0)
    assert positions["fwd-h:us-east:fast:2026-11-23T20"] == pytest.approx(
        50.0 * 167 / 168, rel=1e-3
    )


def test_the_trade_is_target_minus_what_is_already_held() -> None:
    needs = _flat_needs("eu-west", "regular", range(H, H + 3), 100.0)
    fresh = plan_orders(needs, DEMO, H, {}, PARAMS, "p")
    held = {"fwd-h:eu-west:regular:2026-11-22T15": 40.0, "rt:eu-west:regular:2026-11-22T14": 100.0}
    plan = plan_orders(needs, DEMO, H, held, PARAMS, "p")
    trades = {t.product: t.trade for t in plan.targets}
    base = {t.product: t.trade for t in fresh.targets}
    assert trades["rt:eu-west:regular:2026-11-22T14"] == pytest.approx(0.0)
    assert trades["fwd-h:eu-west:regular:2026-11-22T15"] == pytest.approx(
        base["fwd-h:eu-west:regular:2026-11-22T15"] - 40.0
    )
    assert (
        trades["fwd-h:eu-west:regular:2026-11-22T16"] == base["fwd-h:eu-west:regular:2026-11-22T16"]
    )


def test_coarse_forwards_trade_the_hours_no_finer_product_covers() -> None:
    spec = CatalogueSpec("t", ("a",), ("premium",), Horizons(1, 2, 1))
    hours = range(H, H + 24 * 800)
    needs = _flat_needs("a", "premium", hours, 10.0)
    params = StrategyParams(risk_aversion=2.0, capital_cost=0.0, horizon_hours=24 * 800)
    plan = plan_orders(needs, spec, H, {}, params, "p")
    by_kind: dict[str, list[float]] = {}
    for t in plan.targets:
        by_kind.setdefault(t.product.split(":")[0], []).append(t.target)
    assert len(by_kind["rt"]) == 1 and len(by_kind["fwd-h"]) == 23
    assert len(by_kind["fwd-m"]) == 2 * 48 and len(by_kind["fwd-y"]) == 48
    assert max(by_kind["fwd-y"]) < min(by_kind["fwd-m"]) < min(by_kind["fwd-h"])
    # An annual position counts towards every hour it covers, so it reduces what the
    # monthly forward of a month inside that year still has to buy, by the same rate.
    before = {t.product: t.trade for t in plan.targets}
    annual = "fwd-y:a:premium:2027:09:wd"
    again = plan_orders(needs, spec, H, {annual: before[annual]}, params, "p")
    after = {t.product: t.trade for t in again.targets}
    assert after[annual] == pytest.approx(0.0, abs=1e-9)
    january = "fwd-m:a:premium:2027-01:09:wd"
    assert after[january] == pytest.approx(before[january] - before[annual])
    december = "fwd-m:a:premium:2026-12:09:wd"
    assert after[december] == pytest.approx(before[december])


def test_orders_pass_the_engine_validation_and_clear_against_a_seller() -> None:
    buyer = _flat_needs("eu-west", "premium", range(H, H + 168), 80.0, 3.0)
    seller = _flat_needs("eu-west", "premium", range(H, H + 168), -100.0, 1.5)
    doc = {
        "orders": list(plan_orders(buyer, DEMO, H, {}, PARAMS, "buyer").orders)
        + list(plan_orders(seller, DEMO, H, {}, PARAMS, "seller").orders)
    }
    validate_book(parse_orders(doc))
    result = clear_document(doc)
    assert result["certificate"]["max_imbalance"] < 1e-6
    rt = "rt:eu-west:premium:2026-11-22T14"
    assert 1.5 < result["prices"][rt] < 3.0
    assert result["products"][rt]["volume"] > 0
    assert result["participants"]["buyer"]["cash"] < 0


def test_higher_risk_aversion_gives_tighter_orders_in_the_plan() -> None:
    needs = _flat_needs("eu-west", "premium", range(H, H + 168), 80.0, 3.0)
    widths = []
    for aversion in (0.5, 2.0, 8.0):
        plan = plan_orders(needs, DEMO, H + 10, {}, StrategyParams(aversion, 0.08), "p")
        order = plan.orders[5]
        q = np.array([p[0] for p in order["curve"]])
        widths.append(float(q[-1] - q[0]))
    assert widths[0] > widths[1] > widths[2]


def test_a_coarse_forward_is_valued_for_every_hour_it_delivers() -> None:
    # A unit of the monthly forward of December 2026, 09:00 on weekdays, is 1 GB in each
    # of its 23 hours (1-4, 7-11, 14-18, 21-25 and 28-31 December), paid once: at a
    # valuation of 2 per GB its order trades exactly to target at 46 per unit.
    spec = CatalogueSpec("t", ("a",), ("premium",), Horizons(1, 2, 0))
    needs = _flat_needs("a", "premium", range(H, H + 24 * 70), 10.0, value=2.0)
    params = StrategyParams(risk_aversion=2.0, capital_cost=0.0, horizon_hours=24 * 70)
    plan = plan_orders(needs, spec, H, {}, params, "p")
    name = "fwd-m:a:premium:2026-12:09:wd"
    (target,) = [t for t in plan.targets if t.product == name]
    (order,) = [o for o in plan.orders if name in o["portfolio"]]
    assert target.valuation == pytest.approx(46.0)
    points = [(float(q), float(p)) for q, p in order["curve"]]
    assert curve_quantity(points, 46.0) == pytest.approx(target.trade)
