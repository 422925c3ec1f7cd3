"""Intake and the clearing engine agree on which curves are valid."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowmarket.api.intake import check_curve, check_with_engine
from flowmarket.api.limits import ApiLimits
from flowmarket.catalogue.hours import open_hour
from flowmarket.errors import FieldError

values = st.sampled_from([-3.0, -1.0, 0.0, 0.5, 1.0, 2.0, 7.0, math.inf, math.nan])
curves = st.lists(st.tuples(values, values), min_size=0, max_size=5)


def accepted_by(check: object, curve: list[tuple[float, float]]) -> bool:
    try:
        if check is check_curve:
            check_curve(curve, limits=ApiLimits())
        else:
            check_with_engine({"premium-eu": 1.0}, curve)
    except FieldError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(curves)
def test_intake_accepts_a_curve_exactly_when_the_engine_does(
    curve: list[tuple[float, float]],
) -> None:
    """Signed orders take the engine's whole curve language: flat pieces (limit prices)
    and one-point curves included; intake refuses exactly what the engine refuses."""
    assert accepted_by(check_curve, curve) == accepted_by(check_with_engine, curve)


def test_intake_takes_flat_pieces_and_one_point_curves_and_names_the_bad_point() -> None:
    limits = ApiLimits()
    check_curve([(-1.0, 7.5), (0.0, 7.5)], limits=limits)  # sell up to 1 at 7.5: a limit order
    check_curve([(-2.0, 9.0), (-1.0, 5.0), (3.0, 5.0)], limits=limits)  # sloped, then flat
    check_curve([(0.0, 4.0)], limits=limits)  # one point: fixed at 0
    with pytest.raises(FieldError) as rising:
        check_curve([(-1.0, 5.0), (0.0, 5.0), (1.0, 5.5)], limits=limits)
    assert rising.value.field == "order.curve[2][1]"
    assert "must not increase (5.0 then 5.5)" in str(rising.value)
    with pytest.raises(FieldError) as away:
        check_curve([(1.0, 5.0)], limits=limits)  # one point away from 0 forces a trade
    assert away.value.field == "order.curve"
    with pytest.raises(FieldError) as empty:
        check_curve([], limits=limits)
    assert empty.value.field == "order.curve"


def test_open_hour_is_the_next_hour_whose_window_has_not_closed() -> None:
    assert open_hour(3600.0 * 10) == 11
    assert open_hour(3600.0 * 10 + 3599.9) == 11
    assert open_hour(3600.0 * 11) == 12
