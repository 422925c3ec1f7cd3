"""Rule 7: an hour's cash plus fees sums to exactly zero with imbalance entries in it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowmarket.errors import InvalidInput
from flowmarket.money import WAD, hour_amounts
from flowmarket.realtime import DeliveryCell, settle_hour

NAMES = ["ann", "bob", "cat", "dan"]
OPERATOR = "op"
amounts_gb = st.integers(min_value=0, max_value=500 * WAD)
positions_gb = st.integers(min_value=-50 * WAD, max_value=500 * WAD)
prices_wei = st.integers(min_value=0, max_value=400 * WAD)


@st.composite
def delivery_hours(draw: st.DrawFn) -> tuple[list[DeliveryCell], dict[str, int]]:
    cells = []
    for region in draw(st.lists(st.sampled_from(["eu", "us"]), min_size=1, unique=True)):
        for kind in draw(
            st.lists(st.sampled_from(["premium", "regular", "fast"]), min_size=1, unique=True)
        ):
            holders = draw(st.lists(st.sampled_from(NAMES), unique=True))
            users = draw(st.lists(st.sampled_from(NAMES), unique=True))
            cells.append(
                DeliveryCell(
                    region,
                    kind,
                    draw(prices_wei),
                    {p: draw(positions_gb) for p in holders},
                    {p: draw(amounts_gb) for p in users},
                )
            )
    capacity = {c.region: draw(st.integers(min_value=0, max_value=1000 * WAD)) for c in cells}
    return cells, capacity


@st.composite
def cleared_hours(draw: st.DrawFn) -> dict[str, object]:
    names = draw(st.lists(st.sampled_from([*NAMES, OPERATOR]), min_size=2, unique=True))
    legs = [draw(st.floats(min_value=-1e3, max_value=1e3)) for _ in names[:-1]]
    legs.append(-sum(legs))
    return {
        "prices": {"rt": draw(st.floats(min_value=0, max_value=100))},
        "participants": {n: {"trades": {"rt": q}} for n, q in zip(names, legs, strict=True)},
    }


@settings(max_examples=200, deadline=None)
@given(
    result=cleared_hours(),
    hour=delivery_hours(),
    premium=st.integers(min_value=0, max_value=50 * WAD),
    fee_bps=st.integers(min_value=0, max_value=10_000),
)
def test_cash_plus_fees_sum_to_exactly_zero_with_imbalance_entries_included(
    result: dict[str, object],
    hour: tuple[list[DeliveryCell], dict[str, int]],
    premium: int,
    fee_bps: int,
) -> None:
    cells, capacity = hour
    rows, rationings, imbalance = settle_hour(cells, capacity, premium=premium, balancing=OPERATOR)
    amounts = hour_amounts(
        {**result, "imbalance": {p: str(v) for p, v in imbalance.items()}}, fee_bps=fee_bps
    )
    assert sum(amounts.imbalance.values()) == 0
    assert sum(amounts.net_cash.values()) + amounts.total_fees == 0
    for participant, wei in imbalance.items():
        assert amounts.net_cash[participant] == (
            amounts.cash[participant] + wei - amounts.fees[participant]
        )
    for row in rows:  # each entry within a wei of exact, never in the participant's favour
        excess = row.served - row.position
        exact = -(row.price * excess + premium * max(excess, 0))
        assert 0 <= exact - row.cash * WAD < WAD
    for region, rationing in rationings.items():
        assert sum(sum(b.values()) for b in rationing.served.values()) <= capacity[region]


def test_imbalance_entries_that_do_not_sum_to_zero_are_rejected() -> None:
    with pytest.raises(InvalidInput, match="imbalance: entries must sum to zero"):
        hour_amounts({"prices": {}, "participants": {}, "imbalance": {"a": "5"}}, fee_bps=0)
    with pytest.raises(InvalidInput, match=r"imbalance\.a"):
        hour_amounts({"prices": {}, "participants": {}, "imbalance": {"a": "x"}}, fee_bps=0)
