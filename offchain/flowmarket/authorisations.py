"""Authorisations: a participant's limits on one portfolio, as bounds inside the clearing.

An authorisation (EIP-712 `Authorisation`, `signing.authorisation`) names a portfolio
{product: weight} and up to four limits: `min_rate` ≤ rate ≤ `max_rate` per clearing
and `min_position` ≤ position after the clearing ≤ `max_position`. It governs every
order of its participant over the same portfolio *direction*: the same products with
weights proportional to its own (exactly, in 18-decimal fixed point), an order over
c × the portfolio counting c × its quantity. The portfolio's rate is the sum of those
contributions; other orders trade as before.

**Position.** The participant's committed positions are exact integers (10⁻¹⁸ GB/h,
`positions.wei`). In units of the portfolio, product k's position is s_k / w_k (s_k
its position, w_k its weight, both exact integers, so the ratio is an exact
fraction); the position limits hold for every product of the portfolio:
`min_position` ≤ s_k / w_k + rate ≤ `max_position` for all k. For a portfolio of one
product this is the position in it divided by its weight.

**Bounds.** The rate's exact bounds are lo = max(min_rate, min_position − min_k s_k/w_k)
and hi = min(max_rate, max_position − max_k s_k/w_k), then widened to contain 0 (a limit
never forces a trade: a position already beyond a limit may stay or move back, not go
further). They become floats rounded inwards (lo up, hi down), so the cleared rate
never exceeds the exact limit; the committed trades are then rounded to the wei.

**In the clearing** (`apply_authorisations`, the clear JSON's named portfolios,
`clearing.portfolio_document`): each governed order becomes an order over a named
portfolio of its own (id = the order's id, products = its signed portfolio). When an
authorisation governs one order, its bounds (divided by the order's c) are that
portfolio's `limits`: the portfolio is what buys and sells the products, so the
participant's trade stays within them exactly (to the float; the committed trade is
then rounded to the wei). When it governs several, it becomes an order of its
participant (id = the authorisation's id) over their portfolios with weights c_j and a
flat curve at price 0 over [lo, hi]: its quantity is the portfolio's rate, exactly
within the bounds, and the orders' trades add up to it within the clearing's balance
tolerance (the certificate's `max_imbalance`). Each of those orders' own contribution
also stays within [lo, hi] (the named portfolios' rule: a portfolio stays within the
ranges of the orders naming it), which only matters when a participant's own orders
over one portfolio would trade against each other. A limit the orders cannot reach
anyway is left out (or, on the several-order curve, replaced by twice their reach).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import reduce
from typing import Any

from flowmarket.signing.fixed_point import to_fixed

WAD = 10**18


@dataclass(frozen=True)
class Authorisation:
    """A standing authorisation; limits in 10⁻¹⁸ GB/h (None: not set)."""

    auth_hash: str
    participant: str
    portfolio: dict[str, float]
    min_rate: int | None = None
    max_rate: int | None = None
    min_position: int | None = None
    max_position: int | None = None


def _fixed(portfolio: Mapping[str, float]) -> list[tuple[str, int]]:
    return [(k, to_fixed(float(portfolio[k]), field=f"portfolio.{k}")) for k in sorted(portfolio)]


def direction(portfolio: Mapping[str, float]) -> str:
    """A key equal for exactly the portfolios that are non-zero multiples of each other."""
    fixed = _fixed(portfolio)
    divisor = reduce(math.gcd, (abs(w) for _, w in fixed), 0) or 1
    sign = 1 if fixed[0][1] > 0 else -1
    return ";".join(f"{k}={sign * w // divisor}" for k, w in fixed)


def factor(order: Mapping[str, float], portfolio: Mapping[str, float]) -> float | None:
    """c when `order` = c × `portfolio` exactly (same products), else None."""
    if set(order) != set(portfolio):
        return None
    o, w = _fixed(order), _fixed(portfolio)
    if any(ok * w[0][1] != wk * o[0][1] for (_, ok), (_, wk) in zip(o, w, strict=True)):
        return None
    return float(Fraction(o[0][1], w[0][1]))


def position_range(
    portfolio: Mapping[str, float], wei: Mapping[str, int]
) -> tuple[Fraction, Fraction]:
    """(min_k, max_k) of s_k / w_k: the position in units of the portfolio, product by
    product, exact (s_k in 10⁻¹⁸ GB/h, w_k in 10⁻¹⁸)."""
    ratios = [Fraction(wei.get(k, 0), w) for k, w in _fixed(portfolio)]
    return min(ratios), max(ratios)


def rate_bounds(
    auth: Authorisation, wei: Mapping[str, int]
) -> tuple[Fraction | None, Fraction | None]:
    """The exact (lo, hi) of the portfolio's rate this clearing, GB/h, 0 ≤ hi and lo ≤ 0;
    None where no limit applies."""
    least, most = position_range(auth.portfolio, wei)
    lows: list[Fraction] = []
    highs: list[Fraction] = []
    if auth.min_rate is not None:
        lows.append(Fraction(auth.min_rate, WAD))
    if auth.min_position is not None:
        lows.append(Fraction(auth.min_position, WAD) - least)
    if auth.max_rate is not None:
        highs.append(Fraction(auth.max_rate, WAD))
    if auth.max_position is not None:
        highs.append(Fraction(auth.max_position, WAD) - most)
    lo = min(max(lows), Fraction(0)) if lows else None
    hi = max(min(highs), Fraction(0)) if highs else None
    return lo, hi


def round_up(value: Fraction) -> float:
    """The smallest float ≥ value."""
    out = float(value)
    return math.nextafter(out, math.inf) if Fraction(out) < value else out


def round_down(value: Fraction) -> float:
    """The largest float ≤ value."""
    out = float(value)
    return math.nextafter(out, -math.inf) if Fraction(out) > value else out


def _reach(curve: Sequence[Sequence[float]], c: float) -> tuple[float, float]:
    ends = (c * float(curve[0][0]), c * float(curve[-1][0]))
    return min(ends), max(ends)


def _limits_of(lo: Fraction | None, hi: Fraction | None, c: float) -> dict[str, float]:
    """The named-portfolio limits of an order over c × the portfolio whose rate must stay
    in [lo, hi] (its own rate r: c × r in [lo, hi]), rounded inwards."""
    if c < 0:
        lo, hi = hi, lo
    out: dict[str, float] = {}
    if lo is not None:
        out["min_rate"] = round_up(lo / Fraction(c))
    if hi is not None:
        out["max_rate"] = round_down(hi / Fraction(c))
    return out


def apply_authorisations(
    doc: Mapping[str, Any],
    auths: Sequence[Authorisation],
    positions: Mapping[str, Mapping[str, int]],
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The engine document with `auths` as bounds (see the module doc), and
    {authorisation id: {"orders": {order id: c}, "min_rate": lo, "max_rate": hi}} for
    each one that governs an order (lo/hi the floats cleared with, None: not binding).
    positions: {participant: {product: 10⁻¹⁸ GB/h}}. Only orders over an inline portfolio
    are governed; a portfolio order (docs/portfolios.md) passes through unchanged."""
    by_participant: dict[str, list[Authorisation]] = {}
    for auth in auths:
        by_participant.setdefault(auth.participant, []).append(auth)
    named: dict[str, Any] = dict(doc.get("portfolios", {}))
    orders: list[Any] = []
    governed: dict[str, dict[str, float]] = {}
    reach: dict[str, tuple[float, float]] = {}
    for order in doc["orders"]:
        match = None
        if "portfolio" not in order:  # a portfolio order: its portfolios are named already
            orders.append(order)
            continue
        for auth in by_participant.get(order["participant"], ()):
            c = factor(order["portfolio"], auth.portfolio)
            if c is not None:
                match = (auth, c)
                break
        if match is None:
            orders.append(order)
            continue
        auth, c = match
        oid = order["id"]
        named[oid] = {"participant": order["participant"], "products": order["portfolio"]}
        orders.append({"id": oid, "participant": order["participant"],
                       "portfolios": {oid: 1.0}, "curve": order["curve"]})  # fmt: skip
        governed.setdefault(auth.auth_hash, {})[oid] = c
        low, high = _reach(order["curve"], c)
        lo0, hi0 = reach.get(auth.auth_hash, (0.0, 0.0))
        reach[auth.auth_hash] = (lo0 + low, hi0 + high)
    applied: dict[str, dict[str, Any]] = {}
    for auth in auths:
        if auth.auth_hash not in governed:
            continue
        natural_lo, natural_hi = reach[auth.auth_hash]
        exact_lo, exact_hi = rate_bounds(auth, positions.get(auth.participant, {}))
        lo_binds = exact_lo is not None and exact_lo > natural_lo
        hi_binds = exact_hi is not None and exact_hi < natural_hi
        lo = round_up(exact_lo) if lo_binds and exact_lo is not None else None
        hi = round_down(exact_hi) if hi_binds and exact_hi is not None else None
        applied[auth.auth_hash] = {
            "orders": governed[auth.auth_hash],
            "min_rate": lo,
            "max_rate": hi,
        }
        if len(governed[auth.auth_hash]) == 1:
            # one order: the bounds go on its own portfolio, whose rate is its trade
            ((oid, c),) = governed[auth.auth_hash].items()
            limits = _limits_of(
                None if not lo_binds else exact_lo, None if not hi_binds else exact_hi, c
            )
            if limits:
                named[oid] = {**named[oid], "limits": limits}
            continue
        low = lo if lo is not None else 2.0 * natural_lo
        high = hi if hi is not None else 2.0 * natural_hi
        curve = [[0.0, 0.0]] if low == high == 0.0 else [[low, 0.0], [high, 0.0]]
        orders.append({"id": auth.auth_hash, "participant": auth.participant,
                       "portfolios": governed[auth.auth_hash], "curve": curve})  # fmt: skip
    if not applied:
        return dict(doc), {}
    return {**doc, "portfolios": named, "orders": orders}, applied
