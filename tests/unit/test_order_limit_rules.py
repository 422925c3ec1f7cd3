"""The order limits and the worst case collateral must back, with hand-computed values
(docs/order-limits.md)."""

from __future__ import annotations

import pytest

from flowmarket.collateral import CollateralParams
from flowmarket.order_limits import (
    OrderLimits,
    exposure_wei,
    limit_breach,
    order_rate,
    rate_breach,
    worst_case_requirement,
)

TOKEN = 10**18
LIMITS = OrderLimits(max_order_rate=1_000, max_participant_rate=5_000, max_price_wei=100 * TOKEN)
PARAMS = CollateralParams(
    initial_margin_bps=1_000, deviation_margin_bps=2_000, warning_buffer_bps=0
)


def test_an_orders_rate_is_its_largest_quantity_times_its_total_weight() -> None:
    assert order_rate({"a": 1.0, "b": -0.5}, [[-4.0, 10.0], [8.0, 2.0]]) == 12.0  # 1.5 × 8


@pytest.mark.parametrize(
    ("portfolio", "curve", "phrase"),
    [
        ({"a": 1.0}, [[-1e30, 12.0], [1e30, 4.0]], "1e+30 GB/h of its portfolio"),
        ({"a": 0.5}, [[0.0, 5.0], [1_001.0, 1.0]], "1001 GB/h of its portfolio"),
        ({"a": 2.0, "b": 1.0}, [[0.0, 5.0], [400.0, 1.0]], "1200 GB/h of products"),
        ({"a": 1.0}, [[-1.0, 100.5], [1.0, 4.0]], "100.5 tokens per GB of product"),
        ({"a": 2.0}, [[-1.0, 201.0], [1.0, 4.0]], "100.5 tokens per GB of product"),
    ],
    ids=["giant", "portfolio rate", "product rate", "price", "price per GB of product"],
)
def test_an_order_beyond_a_governed_limit_is_named_with_the_limit(
    portfolio: dict[str, float], curve: list[list[float]], phrase: str
) -> None:
    breach = limit_breach(portfolio, curve, LIMITS)
    assert breach is not None and breach.field == "order.curve"
    assert phrase in breach.reason


@pytest.mark.parametrize(
    ("portfolio", "curve"),
    [
        ({"a": 1.0}, [[-1_000.0, 100.0], [1_000.0, -100.0]]),  # exactly at the limits
        ({"a": 2.0}, [[-1.0, 200.0], [1.0, 4.0]]),  # 200 per portfolio = 100 per GB
        ({"a": 0.5, "b": -0.5}, [[0.0, 5.0], [1_000.0, 1.0]]),
    ],
)
def test_an_order_within_the_limits_passes(
    portfolio: dict[str, float], curve: list[list[float]]
) -> None:
    assert limit_breach(portfolio, curve, LIMITS) is None


def test_the_participant_rate_counts_every_open_order() -> None:
    assert rate_breach(4_000.0, 1_000.0, LIMITS) is None
    breach = rate_breach(4_000.0, 1_000.5, LIMITS)
    assert breach is not None and "5000.5 GB/h" in breach.reason and "5000 GB/h" in breach.reason


def test_exposure_prices_each_product_at_its_last_price_or_the_orders_own() -> None:
    # Q = 10 GB/h, P = 12 per portfolio of |weights| 1 + 1 = 2: its own price is 6 per GB.
    portfolio, curve = {"a": 1.0, "b": -1.0}, [[-10.0, 12.0], [5.0, 3.0]]
    # a last priced at 9 tokens/GB (above 6), b never priced (6 applies):
    # 10 × (1 × 9 + 1 × 6) = 150 tokens per hour.
    assert exposure_wei(portfolio, curve, {"a": 9 * TOKEN}) == 150 * TOKEN
    # b at 2 tokens/GB: still 6 (the order's own); a unpriced: 6 → 10 × 12 = 120.
    assert exposure_wei(portfolio, curve, {"b": 2 * TOKEN}) == 120 * TOKEN


def test_the_worst_case_adds_both_margins_of_the_exposure_to_the_requirement_now() -> None:
    # Position 4 GB/h of a at 5 tokens/GB, nothing expected: value 20 tokens,
    # requirement 20 × 10 % + 20 × 20 % = 6 tokens; exposure 150 tokens × 30 % = 45.
    worst = worst_case_requirement({"a": 4.0}, {}, {"a": 5 * TOKEN}, PARAMS, 150 * TOKEN)
    assert worst == 51 * TOKEN
    # Rounded up, never down: 1 wei of exposure needs 1 wei of collateral.
    assert worst_case_requirement({}, {}, {}, PARAMS, 1) == 1


ANNUAL = "fwd-y:eu:premium:2027:14:wd"  # 2027 has 261 weekdays: 261 GB per GB/h
MONTHLY = "fwd-m:eu:premium:2027-01:14:wd"  # January 2027: 21 weekdays
HOURLY = "fwd-h:eu:premium:2027-01-04T14"


@pytest.mark.parametrize(
    ("portfolio", "highest"),
    [
        ({ANNUAL: 1.0}, 100 * 261),  # 100 tokens per GB × 261 GB
        ({MONTHLY: 2.0}, 100 * 2 * 21),
        ({ANNUAL: 1.0, HOURLY: -1.0}, 100 * 262),
        ({HOURLY: 1.0}, 100),
        ({"premium": 1.0}, 100),  # outside the catalogue's scheme: one hour
    ],
)
def test_the_price_limit_is_per_gb_delivered_over_a_forwards_delivery_hours(
    portfolio: dict[str, float], highest: int
) -> None:
    assert limit_breach(portfolio, [[0.0, float(highest)], [1.0, 1.0]], LIMITS) is None
    breach = limit_breach(portfolio, [[0.0, highest + 1.0], [1.0, 1.0]], LIMITS)
    assert breach is not None and breach.field == "order.curve"
    delivered = highest // 100
    assert f"which delivers {delivered} GB" in breach.reason
    assert f"{(highest + 1) / delivered:g} tokens per GB of product delivered" in breach.reason
