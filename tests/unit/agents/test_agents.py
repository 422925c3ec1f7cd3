"""Each agent's behaviour in isolation: the curves it offers and when it replaces them."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from flowmarket.agents import (
    Arbitrageur,
    Capacity,
    DemandProfile,
    MarketView,
    Supplier,
    apply_change,
    diff_orders,
    make_order,
)
from flowmarket.agents.noise import normals, stream_key
from flowmarket.agents.term_arbitrageur import TermArbitrageur, children
from flowmarket.catalogue import CatalogueSpec, Holdings, Horizons, parse_name, product_names
from flowmarket.clearing.curves import validate_book
from flowmarket.clearing.document import parse_orders
from flowmarket.strategy import curve_quantity

H = 498710
SPEC = CatalogueSpec("t", ("a", "b"), ("premium",), Horizons(1))


def _view(
    prices: dict[str, float] | None = None, positions: dict[str, float] | None = None
) -> MarketView:
    return MarketView(H, SPEC, product_names(SPEC, H), prices or {}, Holdings(positions or {}))


def _at(order: dict[str, object], price: float) -> float:
    points = [(float(q), float(p)) for q, p in order["curve"]]  # type: ignore[attr-defined]
    return curve_quantity(points, price)


def test_supplier_offers_full_capacity_in_real_time_and_a_ramp_share_forward() -> None:
    supplier = Supplier("net", (Capacity("a", "premium", 240.0, 1.0, 3.0),), capital_cost=0.0)
    orders = {next(iter(o["portfolio"])): o for o in supplier.orders(_view())}
    assert len(orders) == 24
    validate_book(parse_orders({"orders": list(orders.values())}))
    rt = orders["rt:a:premium:2026-11-22T14"]
    assert _at(rt, 3.0) == pytest.approx(-240.0) and _at(rt, 1.0) == 0.0
    assert _at(rt, 2.0) == pytest.approx(-120.0)  # upward supply: half capacity at mid cost
    far = orders["fwd-h:a:premium:2026-11-23T13"]
    assert _at(far, 3.0) == pytest.approx(-240.0 / 24)  # ramp(23 h of 24) = 1/24


def test_supplier_buys_back_what_it_sold_when_the_price_falls_below_its_cost() -> None:
    supplier = Supplier("net", (Capacity("a", "premium", 100.0, 1.0, 3.0),))
    view = _view(positions={"fwd-h:a:premium:2026-11-22T14": -70.0})
    (rt,) = [o for o in supplier.orders(view) if "rt:a:premium:2026-11-22T14" in o["portfolio"]]
    assert _at(rt, 0.5) == pytest.approx(70.0)
    assert _at(rt, 3.5) == pytest.approx(-30.0)  # only the unsold capacity is left to sell


def test_arbitrageur_waits_for_prices_then_sells_a_rich_spread_and_buys_a_cheap_one() -> None:
    arb = Arbitrageur("arb", (("a", "b"),), ("premium",), limit=10.0, hours_ahead=3)
    assert arb.orders(_view()) == []
    names = product_names(SPEC, H)
    prices = {n: 2.0 for n in names}
    prices["rt:a:premium:2026-11-22T14"] = 2.6  # spread a − b = 0.6 now, 0 in the next hours
    orders = arb.orders(_view(prices))
    assert len(orders) == 3
    validate_book(parse_orders({"orders": orders}))
    rich, cheap = orders[0], orders[1]
    assert rich["portfolio"] == {
        "rt:a:premium:2026-11-22T14": 1.0,
        "rt:b:premium:2026-11-22T14": -1.0,
    }
    assert _at(rich, 0.6) < 0 < _at(cheap, 0.0)


def test_demand_forecast_converges_to_the_realised_need_at_delivery() -> None:
    profile = DemandProfile("a", "premium", 100.0, 0.3, 20, 0.8, 2.0, 0.2, stream_key(1, "x"))
    delivery = np.array([H + 30], dtype=np.int64)
    realised = float(profile.realised(delivery)[0])
    errors = [
        abs(float(profile.forecast(delivery, now)[0]) - realised) for now in range(H - 40, H + 31)
    ]
    assert errors[0] == pytest.approx(abs(float(profile.base(delivery)[0]) - realised))
    assert errors[0] > 0 and errors[-1] == 0.0
    assert all(b <= a for a, b in itertools.pairwise(errors))
    hours = np.arange(H, H + 48, dtype=np.int64)
    peak = hours[(hours % 24) == 20]
    assert np.all(profile.base(peak) > profile.base(peak + 6))


def test_noise_is_standard_normal_and_the_same_in_any_order_of_calls() -> None:
    key = stream_key(42, "provider:a:premium")
    hours = np.arange(0, 20000, dtype=np.int64)
    z = normals(key, hours)
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    assert np.array_equal(normals(key, hours[::-1])[::-1], z)
    assert not np.array_equal(normals(stream_key(43, "provider:a:premium"), hours), z)


def test_standing_orders_are_replaced_only_when_they_moved() -> None:
    standing = {
        "p/x": make_order("p", "x", {"x": 1.0}, [(-10.0, 3.0), (10.0, 1.0)]),
        "p/y": make_order("p", "y", {"y": 1.0}, [(-10.0, 3.0), (10.0, 1.0)]),
        "p/z": make_order("p", "z", {"z": 1.0}, [(-10.0, 3.0), (10.0, 1.0)]),
    }
    wanted = [
        make_order("p", "x", {"x": 1.0}, [(-10.05, 3.0), (10.0, 1.0)]),  # moved 0.5 %: kept
        make_order("p", "y", {"y": 1.0}, [(-8.0, 3.0), (10.0, 1.0)]),  # moved 20 %: replaced
        make_order("p", "w", {"w": 1.0}, [(-1.0, 3.0), (1.0, 1.0)]),  # new: placed
    ]
    change = diff_orders(standing, wanted, tolerance=0.01)
    assert [o["id"] for o in change.placed] == ["p/w"]
    assert [o["id"] for o in change.replaced] == ["p/y"]
    assert change.cancelled == ("p/z",)
    assert change.kept == 1
    apply_change(standing, change)
    assert sorted(standing) == ["p/w", "p/x", "p/y"]
    assert standing["p/x"]["curve"][0] == [-10.0, 3.0]  # the old order stands


def test_supplier_prices_a_monthly_forward_per_unit_for_every_hour_it_delivers() -> None:
    # December 2026 at 09:00 on weekdays is 23 hours, so one unit costs 23 x the per-GB
    # marginal cost; having sold 5 through it, the supplier buys them back below cost.
    spec = CatalogueSpec("t", ("a",), ("premium",), Horizons(1, 1, 0))
    name = "fwd-m:a:premium:2026-12:09:wd"
    view = MarketView(H, spec, product_names(spec, H), {}, Holdings({name: -5.0}))
    supplier = Supplier("net", (Capacity("a", "premium", 240.0, 1.0, 3.0),))
    (order,) = [o for o in supplier.orders(view) if name in o["portfolio"]]
    assert [p for _, p in order["curve"]] == [3.0 * 23, 1.0 * 23]
    assert _at(order, 0.5 * 23) == pytest.approx(5.0)
    assert _at(order, 3.5 * 23) < 0.0  # and sells more at the top of its cost
    validate_book(parse_orders({"orders": [order]}))


def test_term_arbitrageur_sells_a_rich_annual_against_its_twelve_months() -> None:
    december = 499_392  # 2026-12-21T00: all twelve months of 2027 are listed
    spec = CatalogueSpec("t", ("a",), ("premium",), Horizons(1, 12, 1))
    annual = "fwd-y:a:premium:2027:09:wd"
    months = children(parse_name(annual))
    assert months[0] == "fwd-m:a:premium:2027-01:09:wd" and len(months) == 12
    prices = {annual: 130.0, **{m: 10.0 for m in months}}  # 10 over the months' 120
    view = MarketView(december, spec, product_names(spec, december), prices, Holdings({}))
    (order,) = [o for o in TermArbitrageur("t", limit=40.0, band=0.05).orders(view)
                if annual in o["portfolio"]]  # fmt: skip
    assert order["portfolio"] == {annual: 1.0, **{m: -1.0 for m in months}}
    assert _at(order, 6.0) == pytest.approx(-40.0)  # beyond the band (0.05 x 120): all out
    assert _at(order, 3.0) == pytest.approx(-20.0)  # half way into the band
    assert _at(order, 0.0) == pytest.approx(0.0)
    validate_book(parse_orders({"orders": [order]}))
