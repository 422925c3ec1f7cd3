"""Bounds on orders from the market's economics, pure: the governed limits and the worst
case an order's collateral must back (docs/order-limits.md).

The API applies them when an order arrives (`api.economics`) and the oracle again at
every snapshot (`oracle.screen`), with the governed values of the moment
(`MarketParameters.orderLimits`, `collateralParams`) and the participant's collateral
in the vault.

For an order with portfolio w and curve points (q_i, p_i) (GB/h of the portfolio,
capacity tokens per GB of the portfolio), with Q = max |q_i|, P = max |p_i| and
‖w‖₁ = Σ_k |w_k|:

    rate(order)     = ‖w‖₁ · Q                         GB/h of products it can move
    order limits    : Q ≤ maxOrderRate, ‖w‖₁ · Q ≤ maxOrderRate, P ≤ maxPrice · Σ_k |w_k| H_k
    participant     : Σ rate over its open orders ≤ maxParticipantRate
    exposure(order) = Q · Σ_k |w_k| · max(|price_k|, P / ‖w‖₁)      wei per hour

H_k is the number of hours in which product k delivers (1 for an hourly product, a
forward's delivery hours: `delivery_hours`), so the price limit is per GB delivered.
price_k is last hour's price of product k (0 when unpriced); P / ‖w‖₁ is the highest
price per GB of product the order itself names, so an order in a product nobody has
priced yet is not free. One hour of trading moves the position by at most the orders'
trades, and value(position + trade) ≤ value(position) + value(trade), so

    worst case requirement = requirement(position) + ⌈Σ exposure · (initialMarginBps
                             + deviationMarginBps) / 10⁴⌉

bounds the requirement after the hour (`collateral.requirement`) whatever the orders
trade. An order whose worst case the participant's collateral cannot back is refused
at intake; at the snapshot, a participant's orders are taken oldest first and each one
its collateral can no longer back is left out of the hour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flowmarket.catalogue.names import parse_name
from flowmarket.collateral import CollateralParams, requirement
from flowmarket.errors import InvalidInput
from flowmarket.money import BPS_DENOMINATOR, WAD, from_wad, to_wad

Curve = Sequence[Sequence[float]]
Part = tuple[Mapping[str, float], Curve]  # a portfolio and the curve it trades along


@dataclass(frozen=True)
class OrderLimits:
    """`IMarketParameters.OrderLimits`: rates in GB/h, the price in wei per GB."""

    max_order_rate: int
    max_participant_rate: int
    max_price_wei: int

    @classmethod
    def from_chain(cls, raw: Sequence[Any]) -> OrderLimits:
        """From `MarketParameters.orderLimits()`'s tuple, in declaration order."""
        return cls(int(raw[0]), int(raw[1]), int(raw[2]))

    @property
    def max_price(self) -> float:
        """Tokens per GB of product."""
        return from_wad(self.max_price_wei)


@dataclass(frozen=True)
class OrderRisk:
    """What the participant rate and the worst case need of one order, exact: its rate
    (GB/h) and, for each of its parts (one for an order over one portfolio, one per named
    portfolio of a portfolio order, `portfolio_parts`), Q and its own highest price per
    GB of product P / ‖w‖₁ (18 decimals) and its |weights| (18 decimals). Computed once
    per order (`of`, `of_parts`), priced every hour."""

    rate: float
    parts: tuple[tuple[int, int, tuple[tuple[str, int], ...]], ...]

    @classmethod
    def of(cls, portfolio: Mapping[str, float], curve: Curve) -> OrderRisk:
        return cls.of_parts([(portfolio, curve)])

    @classmethod
    def of_parts(cls, parts: Sequence[Part]) -> OrderRisk:
        rate = 0.0
        out: list[tuple[int, int, tuple[tuple[str, int], ...]]] = []
        for portfolio, curve in parts:
            quantity, price = _extent(curve)
            norm = sum(abs(w) for w in portfolio.values())
            rate += norm * quantity
            out.append(
                (
                    abs(to_wad(quantity)),
                    to_wad(price / norm) if norm > 0 else 0,
                    tuple((k, abs(to_wad(w))) for k, w in sorted(portfolio.items())),
                )
            )
        return cls(rate=rate, parts=tuple(out))

    def exposure(self, prices: Mapping[str, int]) -> int:
        """Σ over parts of Q · Σ_k |w_k| · max(|price_k|, P / ‖w‖₁) wei per hour (prices
        wei per GB), rounded up once."""
        total = 0
        for quantity_wad, own, weights_wad in self.parts:
            per_portfolio = sum(w * max(abs(prices.get(k, 0)), own) for k, w in weights_wad)
            total += quantity_wad * per_portfolio
        return -(-total // (WAD * WAD))


def portfolio_parts(
    portfolios: Sequence[tuple[float, Mapping[str, float]]], curve: Curve
) -> list[Part]:
    """A portfolio order (a curve over named portfolios (a_j, products_j)) as the orders
    the limits and the worst case read, one per portfolio: portfolio j's rate stays
    within the curve's quantity range divided by a_j (the named portfolios' rule in the
    clearing, docs/portfolios.md), and a unit of it is worth a_j units of the curve's
    quantity, so it is the order (products_j, curve (q / a_j, p · a_j)). Every portfolio
    may trade that far at once, so the sum over parts bounds what the order can move."""
    return [
        (products, [[float(q) / weight, float(p) * weight] for q, p in curve])
        for weight, products in portfolios
    ]


@dataclass(frozen=True)
class OpenBook:
    """A participant as intake sees it: its open orders (order_hash, risk), its position
    and reported expected position {product: GB/h}, and last prices (wei per GB)."""

    orders: list[tuple[str, OrderRisk]]
    position: dict[str, float]
    expected: dict[str, float]
    prices: dict[str, int]


@dataclass(frozen=True)
class Breach:
    """A limit an order breaks: the request field to blame and the sentence why."""

    field: str
    reason: str


def _extent(curve: Curve) -> tuple[float, float]:
    """(Q, P): the largest |quantity| and |price| on the curve."""
    return max(abs(float(q)) for q, _ in curve), max(abs(float(p)) for _, p in curve)


def order_rate(portfolio: Mapping[str, float], curve: Curve) -> float:
    """‖w‖₁ · Q: the most GB/h of products the order can move in an hour."""
    quantity, _ = _extent(curve)
    return sum(abs(w) for w in portfolio.values()) * quantity


def parts_breach(parts: Sequence[Part], curve: Curve, limits: OrderLimits) -> Breach | None:
    """`limit_breach` of a portfolio order: its curve's own quantity, each part
    (`portfolio_parts`) alone, then all parts together within the per-order rate."""
    quantity, _ = _extent(curve)
    cap = limits.max_order_rate
    if quantity > cap:
        return Breach(
            "order.curve",
            f"trades up to {quantity:g} GB/h of its portfolios; the governed limit is {cap} "
            "GB/h per order",
        )
    for k, (portfolio, points) in enumerate(parts):
        breach = limit_breach(portfolio, points, limits)
        if breach is not None:
            return Breach(f"order.portfolios[{k}]", breach.reason)
    moved = sum(order_rate(portfolio, points) for portfolio, points in parts)
    if moved > cap:
        return Breach(
            "order.portfolios",
            f"its portfolios together move up to {moved:g} GB/h of products; the governed "
            f"limit is {cap} GB/h per order",
        )
    return None


def limit_breach(
    portfolio: Mapping[str, float], curve: Curve, limits: OrderLimits
) -> Breach | None:
    """The first governed per-order limit the order breaks, or None."""
    quantity, price = _extent(curve)
    norm = sum(abs(w) for w in portfolio.values())
    cap = limits.max_order_rate
    if quantity > cap:
        return Breach(
            "order.curve",
            f"trades up to {quantity:g} GB/h of its portfolio; the governed limit is {cap} GB/h "
            "per order",
        )
    if norm * quantity > cap:
        return Breach(
            "order.curve",
            f"moves up to {norm * quantity:g} GB/h of products (Σ|weight| {norm:g} × {quantity:g}"
            f" GB/h); the governed limit is {cap} GB/h per order",
        )
    delivered = sum(abs(w) * delivery_hours(k) for k, w in portfolio.items())
    if price > limits.max_price * delivered:
        return Breach(
            "order.curve",
            f"names a price of {price / delivered:g} tokens per GB of product delivered "
            f"({price:g} per GB/h of its portfolio, which delivers {delivered:g} GB); the "
            f"governed limit is {limits.max_price:g}",
        )
    return None


def delivery_hours(product: str) -> int:
    """H_k: the hours in which one GB/h of `product` delivers a GB (its delivery hours,
    `catalogue.names`): 1 for an hourly product or a name outside the catalogue's
    scheme, the hours of its hour of day and day type in its period for a monthly or
    annual forward."""
    if not product.startswith(("fwd-m:", "fwd-y:")):
        return 1  # every other product delivers in one hour: no parsing
    return _forward_hours(product)


@lru_cache(maxsize=65_536)
def _forward_hours(product: str) -> int:
    try:
        key = parse_name(product)
    except InvalidInput:
        return 1
    return 1 if key.kind.is_hourly else int(key.delivery_hours().size)


def rate_breach(open_rate: float, rate: float, limits: OrderLimits) -> Breach | None:
    """The participant-rate limit broken by adding an order of `rate` GB/h to open orders
    of `open_rate` GB/h together, or None."""
    if open_rate + rate > limits.max_participant_rate:
        return Breach(
            "order",
            f"with it the participant's open orders could move {open_rate + rate:g} GB/h; the "
            f"governed limit is {limits.max_participant_rate} GB/h per participant (cancel some "
            "first)",
        )
    return None


def exposure_wei(portfolio: Mapping[str, float], curve: Curve, prices: Mapping[str, int]) -> int:
    """Q · Σ_k |w_k| · max(|price_k|, P / ‖w‖₁): wei per hour, prices in wei per GB."""
    return OrderRisk.of(portfolio, curve).exposure(prices)


def worst_case(base_requirement: int, exposure: int, params: CollateralParams) -> int:
    """The requirement after one hour in which orders of total `exposure` (wei) trade
    as far as they can, from the requirement now (wei), bounded from above."""
    margin = params.initial_margin_bps + params.deviation_margin_bps
    return base_requirement + -(-exposure * margin // BPS_DENOMINATOR)


def worst_case_requirement(
    position: Mapping[str, float],
    expected: Mapping[str, float],
    prices: Mapping[str, int],
    params: CollateralParams,
    exposure: int,
) -> int:
    """`worst_case` from the participant's position, expected position and last prices."""
    return worst_case(requirement(position, expected, prices, params), exposure, params)


def collateral_breach(collateral: int, worst_case: int) -> Breach | None:
    """The collateral the worst case needs beyond what the participant holds, or None."""
    if worst_case > collateral:
        return Breach(
            "order",
            f"the participant's collateral ({from_wad(collateral):g} tokens in the vault) cannot "
            f"back the worst case of its open orders with this one: a requirement of "
            f"{from_wad(worst_case):g} tokens after one hour; deposit more or cancel some",
        )
    return None
