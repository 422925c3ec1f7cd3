"""The trade-to-target ramp: the share of expected need to hold τ hours before delivery.

A participant that needs N GB/h in hour d builds its position in layers as d
approaches (market.md §10: from 0 at the far horizon T to 100 % in real time).
Each GB bought τ hours early ties up capital (collateral, prepayment) for τ
hours, so with a capital cost c per year the tool spreads its purchases over
the horizon with a rate proportional to the carry discount factor e^(−c·τ):
the further out, the less it buys per hour. Integrating that rate from T down
to τ and normalising:

    ramp(τ) = (e^(−c·τ/8760) − e^(−c·T/8760)) / (1 − e^(−c·T/8760)),   0 ≤ τ ≤ T

    ramp(0) = 1, ramp(T) = 0, ramp(τ ≥ T) = 0, strictly decreasing in τ.

c → 0 gives the linear ramp 1 − τ/T (equal layers every hour, the hedging
programmes' "layering"). A higher capital cost makes the ramp convex: the
target stays lower far out and rises faster near delivery (ramp(τ) decreases
in c for every 0 < τ < T). c is a rate per year (0.08 = 8 %/year); τ and T are
hours. Over the demo's 7-day horizon any plausible c gives a nearly linear
ramp; over production's 5 years, c = 0.10 holds 76 % (not 80 %) a year out.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from flowmarket.errors import FieldError

FloatArray = npt.NDArray[np.float64]
HOURS_PER_YEAR = 8760.0
_LINEAR_BELOW = 1e-9  # c·T (years) below which the exact formula loses precision


def ramp(hours_to_delivery: npt.ArrayLike, horizon_hours: float, capital_cost: float) -> FloatArray:
    """Share (0 … 1) of expected need targeted τ hours before delivery; shape of τ.

    hours_to_delivery: τ ≥ 0 (negative values count as 0, i.e. real time);
    horizon_hours: T > 0, where the target starts at 0; capital_cost: c ≥ 0 per year.
    """
    if not horizon_hours > 0:
        raise FieldError("horizon_hours", f"must be > 0, got {horizon_hours!r}")
    if not (capital_cost >= 0 and np.isfinite(capital_cost)):
        raise FieldError(
            "capital_cost", f"must be a finite rate ≥ 0 per year, got {capital_cost!r}"
        )
    tau = np.clip(np.asarray(hours_to_delivery, dtype=np.float64), 0.0, horizon_hours)
    c_t = capital_cost * horizon_hours / HOURS_PER_YEAR
    if c_t < _LINEAR_BELOW:
        out: FloatArray = 1.0 - tau / horizon_hours
        return out
    rate = capital_cost / HOURS_PER_YEAR
    # e^(−rτ) − e^(−cT) as a difference of expm1 terms: exact 1 at τ = 0 whatever the
    # platform's exp rounds to (1 − e^(−cT) and −expm1(−cT) may differ in the last ulp).
    far = np.expm1(-c_t)
    exact: FloatArray = (np.expm1(-rate * tau) - far) / -far
    return np.clip(exact, 0.0, 1.0)
