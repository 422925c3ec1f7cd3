"""The no-loss condition of accepted non-convex orders, checked from published data only
(docs/nonconvex.md): `flowmarket verify --hour` runs it on the published order set and
the hour's result, with arithmetic of its own (not the clearing's code).

An accepted order trading x GB/h of its portfolio at the portfolio price ρ = Σ_k w_k ·
price_k must not lose: V(x) − F − ρ·x ≥ −tol, where V(x) = p·x for an all-or-nothing
order (and x must be its quantity), V(x) = ∫₀ˣ curve for a minimum fill (and |x| must be
at least its minimum) or a start-up order (F its fixed cost, else 0), and tol = 10⁻⁹ ×
max(1, |V| + |ρ·x| + F), the clearing's documented tolerance. A rejected order must
trade 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

TOLERANCE = 1e-9


def curve_integral(curve: Sequence[Sequence[float]], x: float) -> float:
    """∫₀ˣ of the piecewise-linear price curve through `curve`'s points (negative x:
    minus the integral from x to 0), by the trapezoid rule on each segment."""
    points = sorted((float(q), float(p)) for q, p in curve)
    lo, hi = (0.0, x) if x >= 0 else (x, 0.0)
    total = 0.0
    for (q0, p0), (q1, p1) in pairwise(points):
        a, b = max(q0, lo), min(q1, hi)
        if a >= b:
            continue
        slope = (p1 - p0) / (q1 - q0)
        total += (b - a) * (p0 + slope * (a - q0) + p0 + slope * (b - q0)) / 2
    return total if x >= 0 else -total


def no_loss_problems(
    orders: Sequence[Mapping[str, Any]],
    outcomes: Mapping[str, Mapping[str, Any]],
    prices: Mapping[str, float],
) -> list[str]:
    """One sentence per non-convex order of `orders` (the published order set's) whose
    outcome in `outcomes` (RESULT's orders) breaks the rules above."""
    problems: list[str] = []
    for order in orders:
        kind = order.get("kind", "curve")
        if kind == "curve":
            continue
        oid = str(order["id"])
        outcome = outcomes.get(oid)
        if outcome is None or "accepted" not in outcome:
            problems.append(f"non-convex order {oid}: no accepted/rejected outcome published")
            continue
        x = float(outcome["quantity"])
        if not outcome["accepted"]:
            if x != 0.0:
                problems.append(f"non-convex order {oid}: rejected but trades {x:g} GB/h")
            continue
        rho = sum(float(w) * float(prices[p]) for p, w in order["portfolio"].items())
        fixed = float(order.get("fixed_cost", 0.0))
        if kind == "all_or_nothing":
            q = float(order["quantity"])
            if abs(x - q) > TOLERANCE * max(1.0, abs(q)):
                problems.append(f"non-convex order {oid}: accepted block trades {x:g}, not {q:g}")
            value = float(order["price"]) * x
        else:
            if kind == "min_fill" and abs(x) < float(order["min_quantity"]) * (1 - TOLERANCE):
                problems.append(
                    f"non-convex order {oid}: trades {x:g}, below its minimum "
                    f"{float(order['min_quantity']):g}"
                )
            value = curve_integral(order["curve"], x)
        surplus = value - fixed - rho * x
        if surplus < -TOLERANCE * max(1.0, abs(value) + abs(rho * x) + fixed):
            problems.append(
                f"non-convex order {oid}: loses {-surplus:.6g} tokens/h at the prices "
                f"(value {value:.6g}, fixed cost {fixed:.6g}, pays {rho * x:.6g})"
            )
    return problems
