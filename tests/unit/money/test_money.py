"""The float → integer rule: every hour's cash flows and fees sum to exactly zero."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowmarket.errors import InvalidInput
from flowmarket.money import MANY, WAD, from_wad, hour_amounts, to_wad, to_wad_many


def test_to_wad_rounds_to_nearest_with_ties_to_even() -> None:
    assert to_wad(1.5) == 15 * WAD // 10
    assert to_wad(-2.25) == -225 * WAD // 100
    assert to_wad(0.1) == 100_000_000_000_000_006  # 0.1 is 0.1000000000000000055511... in binary
    assert to_wad(2.0**-61) == 0  # 0.43e-18: rounds down
    assert to_wad(3 * 2.0**-61) == 1  # 1.3e-18
    assert from_wad(to_wad(12.75)) == 12.75


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_to_wad_rejects_non_finite_values(bad: float) -> None:
    with pytest.raises(InvalidInput, match="cannot convert"):
        to_wad(bad)


def test_a_simple_trade_pays_seller_exactly_what_buyer_pays_minus_fees() -> None:
    result = {
        "prices": {"premium": 6.0},
        "participants": {
            "ann": {"trades": {"premium": 2.0}, "cash": -12.0},
            "bob": {"trades": {"premium": -2.0}, "cash": 12.0},
        },
    }
    amounts = hour_amounts(result, fee_bps=25)
    assert amounts.cash == {"ann": -12 * WAD, "bob": 12 * WAD}
    assert amounts.fees == {"ann": 12 * WAD * 25 // 10_000, "bob": 12 * WAD * 25 // 10_000}
    assert sum(amounts.net_cash.values()) + amounts.total_fees == 0


def test_the_solver_imbalance_is_absorbed_in_proportion_to_trade_size() -> None:
    result = {
        "prices": {"regular": 3.0},
        "participants": {
            "ann": {"trades": {"regular": 3.0 + 3e-9}},
            "bob": {"trades": {"regular": -1.0}},
            "cat": {"trades": {"regular": -2.0}},
        },
    }
    amounts = hour_amounts(result, fee_bps=0)
    trades = {p: book.get("regular", 0) for p, book in amounts.trades.items()}
    assert sum(trades.values()) == 0
    # ann's excess 3e-9 GB is split 3:1:2 by size (so ann carries half of it)
    # (within float representation error of 3 + 3e-9, ~1e-16 GB)
    assert abs(trades["ann"] - (3 * WAD + 15 * 10**8)) <= 1000
    assert sum(amounts.cash.values()) == 0


def test_fee_rate_outside_zero_to_ten_thousand_bps_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="fee_bps"):
        hour_amounts({"prices": {}, "participants": {}}, fee_bps=10_001)


participant_names = st.sampled_from(["ann", "bob", "cat", "dan", "eve", "fay"])
prices = st.floats(min_value=-50, max_value=500, allow_nan=False, allow_infinity=False)
quantities = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)


@st.composite
def cleared_hours(draw: st.DrawFn) -> dict[str, object]:
    products = draw(st.lists(st.sampled_from(["p0", "p1", "p2", "p3"]), min_size=1, unique=True))
    names = draw(st.lists(participant_names, min_size=2, max_size=6, unique=True))
    book: dict[str, dict[str, float]] = {name: {} for name in names}
    for product in products:
        legs = [draw(quantities) for _ in names[:-1]]
        noise = draw(st.floats(min_value=-1e-8, max_value=1e-8))
        legs.append(-sum(legs) + noise)  # balanced up to a solver-sized imbalance
        for name, qty in zip(names, legs, strict=True):
            book[name][product] = qty
    return {
        "prices": {product: draw(prices) for product in products},
        "participants": {name: {"trades": trades} for name, trades in book.items()},
    }


@settings(max_examples=300, deadline=None)
@given(result=cleared_hours(), fee_bps=st.integers(min_value=0, max_value=10_000))
def test_every_hour_sums_to_exactly_zero_and_stays_within_a_wei_of_exact(
    result: dict[str, object], fee_bps: int
) -> None:
    amounts = hour_amounts(result, fee_bps=fee_bps)
    for product in amounts.prices:
        assert sum(book.get(product, 0) for book in amounts.trades.values()) == 0
    assert sum(amounts.cash.values()) == 0
    assert sum(amounts.net_cash.values()) + amounts.total_fees == 0
    assert all(fee >= 0 for fee in amounts.fees.values())
    for participant, book in amounts.trades.items():
        exact = -sum(amounts.prices[k] * q for k, q in book.items())
        assert abs(amounts.cash[participant] * WAD - exact) < WAD  # within 1 wei


def test_to_wad_is_the_decimal_half_even_rounding_of_any_float() -> None:
    """The integer division in `to_wad` against the decimal module's exact value, on
    floats of every magnitude and sign, and on exact ties (a half of 10^-18)."""
    import random
    from decimal import ROUND_HALF_EVEN, Decimal, localcontext

    rng = random.Random(7)
    values = [rng.uniform(-1, 1) * 10.0 ** rng.randint(-25, 25) for _ in range(5_000)]
    values += [k * 2.0**-61 for k in range(-64, 65)]  # 2^-61 ~ 4.3e-19: halves of a wei
    values += [0.0, -0.0, 1.0, -1.5, 2.5e-18, 0.5e-18, 1.5e-18, 1e30, 5e-19, -5e-19]
    with localcontext(prec=400):  # enough digits for these floats' exact values
        for v in values:
            expected = int((Decimal(v) * 10**18).to_integral_value(rounding=ROUND_HALF_EVEN))
            assert to_wad(v) == expected, v
    # The decimal module's default 28 digits were not exact above 10^10 (the old to_wad):
    assert to_wad(-26486884133.87543) == -26486884133875431060791015625
    # Exact halves of a wei, written by hand: 2^-61 * 10^18 = 0.4336..., 2^-60 -> 0.867...
    assert to_wad(2.0**-61) == 0
    assert to_wad(2.0**-60) == 1
    assert to_wad(3 * 2.0**-60) == 3  # 2.60 -> 3


def test_to_wad_many_is_to_wad_of_each_value_written_by_hand() -> None:
    """The oracle's batch conversion: hand values, exact ties to the even wei (2^-19 ·
    10^18 = 1,907,348,632,812.5 and three times that, ...37.5), subnormals, the largest
    float (2^1024 − 2^971, an integer), an int taken exactly, in input order; as one
    batch of at least `MANY` (through numpy) and value by value."""
    hand = {
        1.5: 1_500_000_000_000_000_000,
        -2.25: -2_250_000_000_000_000_000,
        0.1: 100_000_000_000_000_006,
        2.0**-19: 1_907_348_632_812,
        3 * 2.0**-19: 5_722_045_898_438,
        -(2.0**-19): -1_907_348_632_812,
        -3 * 2.0**-19: -5_722_045_898_438,
        0.0: 0,
        5e-324: 0,
        -5e-324: 0,
        2.0**-61: 0,
        3 * 2.0**-61: 1,
        1.7976931348623157e308: (2**1024 - 2**971) * 10**18,
        10**30: 10**48,
    }
    values = [*hand] * 3
    assert len(values) >= MANY
    assert to_wad_many(values) == [hand[v] for v in values]
    assert [to_wad_many([v]) for v in hand] == [[w] for w in hand.values()]
    assert to_wad_many([-0.0] * MANY) == [0] * MANY
    assert to_wad_many([]) == []


def test_to_wad_many_agrees_with_the_decimal_module_on_every_magnitude() -> None:
    import random
    from decimal import ROUND_HALF_EVEN, Decimal, localcontext

    rng = random.Random(11)
    values = [rng.uniform(-1, 1) * 10.0 ** rng.uniform(-330, 300) for _ in range(20_000)]
    values += [k * 2.0**-61 for k in range(-64, 65)] + [k * 2.0**-19 for k in range(-9, 10)]
    with localcontext(prec=800):
        expected = [
            int((Decimal(v) * 10**18).to_integral_value(rounding=ROUND_HALF_EVEN)) for v in values
        ]
    assert to_wad_many(values) == expected


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_to_wad_many_names_a_non_finite_value_as_to_wad_does(bad: float) -> None:
    with pytest.raises(InvalidInput, match="cannot convert"):
        to_wad_many([1.0, bad, 2.0])
