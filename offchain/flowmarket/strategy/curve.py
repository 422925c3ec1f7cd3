"""The trade-to-target net-demand curve around a target (market.md §4 curves).

A participant holding x GB/h of a product, targeting X* with valuation v
(tokens per GB at the target) and risk aversion A, trading q now at price p,
maximises the mean-variance value

    v·q − p·q − (A·v / 2N)·(x + q − X*)²        (N: the quantity scale, ≈ |X*|)

whose first-order condition is the downward-sloping line

    q(p) = Δ + k·(v − p),   Δ = X* − x,   k = N / (A·v)   (GB/h per token/GB).

At p = v it trades exactly to target; it buys more when p < v, less (or sells)
when p > v. A is dimensionless: a price A·v away from valuation moves the order
a whole N (its target's size) away from that target, so a more risk-averse participant
(larger A) has a steeper curve in price, i.e. stays tighter to its target.

The curve is drawn over the price band v·(1 ± b) (b = `price_band`). When the
target is out of reach inside the band (|Δ| > k·b·v), a short last segment
brings the quantity to 0 just beyond the band (price v·(1 ± 1.1·b)), so the
quantity range always contains 0 and the participant never pays more (or sells
for less) than that limit.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from flowmarket.errors import FieldError

_LIMIT = 1.1  # the zero-quantity point sits at 1.1 × the band beyond valuation


@dataclass(frozen=True)
class CurveParams:
    """risk_aversion: A > 0 (dimensionless); price_band: b in (0, 0.9], fraction of valuation."""

    risk_aversion: float
    price_band: float = 0.5

    def __post_init__(self) -> None:
        if not (self.risk_aversion > 0 and self.risk_aversion < float("inf")):
            raise FieldError(
                "risk_aversion", f"must be a finite number > 0, got {self.risk_aversion!r}"
            )
        if not 0 < self.price_band <= 0.9:
            raise FieldError("price_band", f"must be in (0, 0.9], got {self.price_band!r}")


def target_curve(
    delta: float, scale: float, valuation: float, params: CurveParams
) -> list[tuple[float, float]]:
    """Points (GB/h, tokens per GB), quantities increasing, prices strictly decreasing.

    delta: target − position (GB/h); scale: N > 0 (GB/h), the target's size or |delta|;
    valuation: v > 0 (tokens per GB).
    """
    if not scale > 0:
        raise FieldError("scale", f"must be > 0, got {scale!r}")
    if not valuation > 0:
        raise FieldError("valuation", f"must be > 0, got {valuation!r}")
    k = scale / (params.risk_aversion * valuation)
    width = params.price_band * valuation
    p_hi, p_lo = valuation + width, valuation - width
    q_lo, q_hi = delta - k * width, delta + k * width
    points = [(q_lo, p_hi), (q_hi, p_lo)]
    if q_lo > 0:  # buys even at the top of the band: stop buying just above it
        points.insert(0, (0.0, valuation + _LIMIT * width))
    elif q_hi < 0:  # sells even at the bottom of the band: stop selling just below it
        points.append((0.0, valuation - _LIMIT * width))
    return points


def curve_quantity(points: list[tuple[float, float]], price: float) -> float:
    """The curve's quantity at `price` (flat beyond its end points)."""
    if price >= points[0][1]:
        return points[0][0]
    for (qa, pa), (qb, pb) in itertools.pairwise(points):
        if pb <= price <= pa:
            return qa + (pa - price) / (pa - pb) * (qb - qa)
    return points[-1][0]
