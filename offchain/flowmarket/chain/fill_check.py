"""The Python twin of `ClearingLedger.isFillOffCurve`: is a committed fill outside what its
order's curve gives at the hour's committed prices, within the chain's tolerance?

Same integer arithmetic as the contract (18-decimal fixed point; Solidity's division
truncates toward zero, hence `_tdiv`), so a fault found here is one the contract accepts:

- portfolio price P = Σ weight_k · price_k / 10^18 (wei per GB of the portfolio);
- price slack s = max(10^18, |P|, M) / 10^6 with M the governed highest order price
  (`MarketParameters.orderLimits().maxPrice`, which bounds the engine's flat-piece tie
  tolerance of 10^-10 of the book's highest price), quantity slack
  t = max(10^18, max_k |q_k|) / 10^6 (a hundred times the clearing gate's 10^-8), so an
  honest clearing is never provable wrong;
- the fill is off the curve when it is below the smallest curve quantity at price P + s
  less t, or above the largest at price P − s plus t.

Each curve quantity is clamped to the window the collateral rule left the order (the
signed curve cut towards balance, `collateral.clip_curve`). Terms that are not an order
the market accepts (lengths differ, more than 256 products or 64 points, quantities not
strictly increasing, prices increasing, 0 outside the quantity range or the window) are a
fault by themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WAD = 10**18
TOLERANCE_DIVISOR = 1_000_000
MAX_PORTFOLIO_PRODUCTS = 256
MAX_CURVE_POINTS = 64


@dataclass(frozen=True)
class FillJudgement:
    """off_curve: the contract would accept the fill as a fault; lowest/highest: the curve's
    quantities (10^-18 GB/h) allowed at the portfolio price (wei per GB), slack included."""

    off_curve: bool
    portfolio_price: int
    lowest: int
    highest: int
    malformed: bool = False


def _tdiv(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _clamp(x: int, lo: int, hi: int) -> int:
    return lo if x < lo else hi if x > hi else x


def well_formed(weights: Sequence[int], quantities: Sequence[int], prices: Sequence[int]) -> bool:
    n, points = len(weights), len(quantities)
    if n == 0 or n > MAX_PORTFOLIO_PRODUCTS:
        return False
    if points == 0 or points > MAX_CURVE_POINTS or len(prices) != points:
        return False
    for k in range(1, points):
        if quantities[k] <= quantities[k - 1] or prices[k] > prices[k - 1]:
            return False
    return quantities[0] <= 0 <= quantities[-1]


def highest_at(q: Sequence[int], p: Sequence[int], price: int) -> int:
    """The largest curve quantity whose price is at least `price` (rounded up)."""
    if p[0] < price:
        return q[0]
    k = 0
    while k + 1 < len(q) and p[k + 1] >= price:
        k += 1
    if k + 1 == len(q):
        return q[k]
    num, den = (p[k] - price) * (q[k + 1] - q[k]), p[k] - p[k + 1]
    return q[k] + (num + den - 1) // den


def lowest_at(q: Sequence[int], p: Sequence[int], price: int) -> int:
    """The smallest curve quantity whose price is at most `price` (rounded down)."""
    if p[-1] > price:
        return q[-1]
    k = 0
    while p[k] > price:
        k += 1
    if k == 0:
        return q[0]
    num, den = (p[k - 1] - price) * (q[k] - q[k - 1]), p[k - 1] - p[k]
    return q[k - 1] + num // den


def judge_fill(
    quantity: int,
    weights: Sequence[int],
    curve_quantities: Sequence[int],
    curve_prices: Sequence[int],
    prices: Sequence[int],
    max_price: int = 0,
    *,
    window: tuple[int, int] | None = None,
) -> FillJudgement:
    """`ClearingLedger.isFillOffCurve` for proven evidence: `prices[k]` is the committed
    price of the k-th product (wei per GB); max_price: the governed highest order price
    (wei per GB) the contract reads when it judges; window: the quantities the collateral
    rule left the order (default: the curve's range), each curve quantity clamped to it."""
    if not well_formed(weights, curve_quantities, curve_prices):
        return FillJudgement(True, 0, 0, 0, malformed=True)
    lo, hi = (curve_quantities[0], curve_quantities[-1]) if window is None else window
    if not lo <= 0 <= hi:
        return FillJudgement(True, 0, 0, 0, malformed=True)
    portfolio = _tdiv(sum(w * p for w, p in zip(weights, prices, strict=True)), WAD)
    price_slack = max(WAD, abs(portfolio), max_price) // TOLERANCE_DIVISOR
    extent = max([WAD, *(abs(q) for q in curve_quantities)])
    quantity_slack = extent // TOLERANCE_DIVISOR
    lowest = _clamp(lowest_at(curve_quantities, curve_prices, portfolio + price_slack), lo, hi)
    highest = _clamp(highest_at(curve_quantities, curve_prices, portfolio - price_slack), lo, hi)
    lowest, highest = lowest - quantity_slack, highest + quantity_slack
    return FillJudgement(quantity < lowest or quantity > highest, portfolio, lowest, highest)
