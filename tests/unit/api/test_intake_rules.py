"""Intake and the clearing engine agree on which curves are valid."""

from __future__ import annotations

import itertools
import math

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
    """Signed orders keep strictly decreasing curves of two or more points; the engine
    also clears flat pieces and one-point curves (the clear JSON's curve language), and
    otherwise agrees exactly."""
    intake, engine = accepted_by(check_curve, curve), accepted_by(check_with_engine, curve)
    if intake:
        assert engine
    elif engine:
        flat = any(p1 == p0 for (_, p0), (_, p1) in itertools.pairwise(curve))
        assert flat or len(curve) == 1


def test_open_hour_is_the_next_hour_whose_window_has_not_closed() -> None:
    assert open_hour(3600.0 * 10) == 11
    assert open_hour(3600.0 * 10 + 3599.9) == 11
    assert open_hour(3600.0 * 11) == 12
