"""A few simulated hours of the demo's agents through the clearing engine."""

from __future__ import annotations

import math

import pytest

from flowmarket.agents import HourOutcome, demo_population, simulate
from flowmarket.catalogue import CatalogueSpec, Horizons, load_spec

H = 498710  # 2026-11-22T14 UTC
SMALL = CatalogueSpec("small", ("eu-west", "us-east"), ("premium", "regular", "fast"), Horizons(1))


def _check_hour(out: HourOutcome, costs: dict[tuple[str, str], float]) -> None:
    result = out.result
    assert result["certificate"]["max_imbalance"] < 1e-6
    realtime = [p for p in result["prices"] if p.startswith("rt:")]
    assert len(realtime) == 3 * len(SMALL.regions) or len(realtime) == 12
    for name in realtime:
        assert result["products"][name]["volume"] > 1e-3, (out.hour, name)
    for name, price in result["prices"].items():
        _, region, type_, _ = name.split(":")
        cost = costs[(region, type_)]
        # Between the supplier's lowest marginal cost and the buyers' highest valuation.
        assert 0.6 * cost <= price <= 3.0 * cost, (name, price, cost)
    assert math.fsum(p["cash"] for p in result["participants"].values()) == pytest.approx(
        0.0, abs=1e-6 * sum(abs(p["cash"]) for p in result["participants"].values())
    )


def test_six_hours_trade_every_realtime_product_at_sensible_prices() -> None:
    population = demo_population(SMALL, seed=11)
    state, outcomes = simulate(SMALL, population.agents, H, 6)
    for out in outcomes:
        _check_hour(out, population.reference_cost)
    assert {a.name for a in population.agents} <= set(state.cash) | {"arbitrage"}
    assert state.cash["network"] > 0 > state.cash["provider"]
    # Orders persist: each hour, per region and type, the new real-time product and the
    # forward entering the window get new orders; last hour's real-time order and the
    # forward that just became real time are cancelled; the 22 others stand or are replaced.
    later = outcomes[-1].changes["provider"]
    assert len(later.placed) == len(later.cancelled) == 6 * 2
    assert later.kept + len(later.replaced) == 6 * 22


def test_the_demo_catalogue_clears_with_every_agent_for_two_hours() -> None:
    spec = load_spec("demo")
    population = demo_population(spec, seed=3)
    _, outcomes = simulate(spec, population.agents, H, 2)
    for out in outcomes:
        _check_hour(out, population.reference_cost)
        traded = {p for row in out.result["participants"].values() for p in row["trades"]}
        assert len(traded) > 1500
    roles = {getattr(a, "role", type(a).__name__) for a in population.agents}
    assert roles == {"Supplier", "Arbitrageur", "service provider", "reseller", "synthetic"}
    participants = outcomes[-1].result["participants"]
    assert participants["arbitrage"]["trades"]  # spreads traded once prices exist


def test_a_simulation_is_deterministic_given_the_seed() -> None:
    runs = [simulate(SMALL, demo_population(SMALL, seed=s).agents, H, 3)[1] for s in (5, 5, 6)]
    first, again, other = ([o.result["prices"] for o in run] for run in runs)
    assert first == again
    assert first != other
