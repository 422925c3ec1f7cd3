"""The ramp rises to 100 % at delivery; risk aversion tightens the curve around target."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from flowmarket.errors import FieldError
from flowmarket.strategy import CurveParams, curve_quantity, ramp, target_curve

FIVE_YEARS = 5 * 8760


@pytest.mark.parametrize("capital_cost", [0.0, 0.02, 0.1, 0.5, 3.0])
def test_ramp_falls_from_one_at_delivery_to_zero_at_the_horizon(capital_cost: float) -> None:
    tau = np.arange(0, FIVE_YEARS + 200, 7)
    share = ramp(tau, FIVE_YEARS, capital_cost)
    assert share[0] == 1.0
    assert np.all(np.diff(share) <= 0)
    assert np.all(np.diff(share[tau <= FIVE_YEARS]) < 0)
    assert np.all(share[tau >= FIVE_YEARS] == 0.0)
    assert ramp(-5, FIVE_YEARS, capital_cost) == 1.0


def test_zero_capital_cost_is_the_linear_layering_ramp() -> None:
    tau = np.array([0, 24, 84, 167, 168])
    assert ramp(tau, 168, 0.0).tolist() == pytest.approx([1, 1 - 24 / 168, 0.5, 1 / 168, 0])


def test_higher_capital_cost_holds_less_ahead_of_delivery() -> None:
    tau = np.linspace(1, FIVE_YEARS - 1, 50)
    low, high = ramp(tau, FIVE_YEARS, 0.02), ramp(tau, FIVE_YEARS, 0.2)
    assert np.all(high < low)
    expected = (np.exp(-0.1) - np.exp(-0.5)) / (1 - np.exp(-0.5))  # one year out, c = 10 %/year
    assert (
        float(ramp(8760, FIVE_YEARS, 0.1))
        == pytest.approx(expected)
        == pytest.approx(0.7581, abs=1e-4)
    )


def test_ramp_rejects_bad_parameters_naming_them() -> None:
    with pytest.raises(FieldError, match="capital_cost"):
        ramp(1, 100, -0.1)
    with pytest.raises(FieldError, match="horizon_hours"):
        ramp(1, 0, 0.1)
    with pytest.raises(FieldError, match="risk_aversion"):
        CurveParams(risk_aversion=0.0)
    with pytest.raises(FieldError, match="price_band"):
        CurveParams(risk_aversion=1.0, price_band=1.0)


@pytest.mark.parametrize("delta", [-300.0, -40.0, 0.0, 12.5, 80.0, 500.0])
def test_curve_trades_exactly_to_target_at_valuation_and_is_valid(delta: float) -> None:
    points = target_curve(delta, scale=100.0, valuation=2.0, params=CurveParams(1.5))
    q = [p[0] for p in points]
    price = [p[1] for p in points]
    assert all(b > a for a, b in itertools.pairwise(q))
    assert all(b < a for a, b in itertools.pairwise(price))
    assert q[0] <= 0 <= q[-1]
    assert curve_quantity(points, 2.0) == pytest.approx(delta)
    assert curve_quantity(points, 1.0) >= curve_quantity(points, 3.0)


def test_more_risk_averse_curves_stay_tighter_to_the_target() -> None:
    prices = np.linspace(1.05, 2.95, 39)
    delta = 30.0
    spreads = []
    for aversion in (0.25, 1.0, 4.0, 16.0):
        points = target_curve(delta, 100.0, 2.0, CurveParams(aversion))
        spreads.append([abs(curve_quantity(points, p) - delta) for p in prices])
    for looser, tighter in itertools.pairwise(spreads):
        assert all(t <= lo for t, lo in zip(tighter, looser, strict=True))
        assert sum(tighter) < sum(looser)


def test_the_curve_slope_is_need_over_risk_aversion_times_valuation() -> None:
    points = target_curve(10.0, 100.0, 2.0, CurveParams(risk_aversion=2.0, price_band=0.5))
    # dq/dp = -N / (A v) = -25 GB/h per token/GB inside the band.
    assert curve_quantity(points, 1.8) - curve_quantity(points, 2.2) == pytest.approx(10.0)
