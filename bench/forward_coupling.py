"""Overlapping forwards kept consistent: coupling in the clearing vs arbitrage (issue 21).

    .venv/bin/python bench/forward_coupling.py [--hours 6] [--start 2026-11-30T21]
        [--seed 7] [--synthetic 2] [--band 0.02]

Every December a year's twelve monthly forwards are listed next to its annual forward
(demo-forward: 2 regions x 1 type, 96 annual forwards with all their months listed);
in November eleven of them are. The run starts 3 hours before December by default.
A unit of the annual is a unit of each of its months, so π_annual should be Σ π_months.
The demo's agents (`agents.population`, trade-to-target buyers and the supplier) trade
`--hours` hours of the in-memory simulation three ways:

- none: as listed, nothing couples the annual to its months;
- portfolio: the clearing couples them: an order naming the annual is cleared as the
  portfolio of its twelve listed months (weight 1 each) and the annual is no product
  of the hour, so its price is Σ π_months exactly (the reference implementation's
  product hierarchy);
- arbitrage: as listed, plus `agents.TermArbitrageur` trading {annual: +1, months: −1}
  within ±band × Σ π_months (40 GB/h per annual).

It prints, per way, the relative gap |π_annual − Σ π_months| / Σ π_months over the
48 annual forwards at the last hour (median, 90th percentile, max), the GB/h traded in
annual forwards and their months over the run, the welfare of the last hour and the
clearing time per hour.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from flowmarket.agents.base import Agent
from flowmarket.agents.population import demo_population
from flowmarket.agents.simulation import MarketState, step
from flowmarket.agents.term_arbitrageur import TermArbitrageur, children
from flowmarket.catalogue import load_spec, parse_hour, parse_name
from flowmarket.clearing import ClearFn, clear_document


def coupled_clear(inner: ClearFn) -> ClearFn:
    """A clearing that replaces every annual forward whose twelve months are listed by the
    portfolio of its months, then prices the annual as their sum."""

    def clear(doc: Mapping[str, Any], prior: Mapping[str, Any] | None) -> Any:
        listed = set(doc["products"])
        parents = {
            name: children(parse_name(name))
            for name in listed
            if name.startswith("fwd-y:") and all(m in listed for m in children(parse_name(name)))
        }
        orders = []
        for order in doc["orders"]:
            portfolio: dict[str, float] = {}
            for name, weight in order["portfolio"].items():
                for part in parents.get(name, (name,)):
                    portfolio[part] = portfolio.get(part, 0.0) + float(weight)
            orders.append({**order, "portfolio": portfolio})
        products = [p for p in doc["products"] if p not in parents]
        kept = (
            None
            if prior is None
            else {**prior, "prices": {p: v for p, v in prior["prices"].items() if p not in parents}}
        )
        result = inner({**doc, "products": products, "orders": orders}, kept)
        prices = dict(result["prices"])
        for name, months in parents.items():
            prices[name] = sum(prices[m] for m in months)
        return {**result, "prices": prices}

    return clear  # type: ignore[return-value]


def run(way: str, agents: Sequence[Agent], start: int, hours: int, band: float) -> dict[str, float]:
    spec = load_spec("demo-forward")
    clear_fn: ClearFn = clear_document
    crowd = list(agents)
    if way == "portfolio":
        clear_fn = coupled_clear(clear_document)
    elif way == "arbitrage":
        crowd.append(TermArbitrageur("term-arbitrage", band=band))
    state = MarketState(spec=spec)
    seconds, traded, last_annual = [], 0.0, 0.0
    timed: list[float] = []

    def clock(doc: Mapping[str, Any], prior: Mapping[str, Any] | None) -> Any:
        mark = time.perf_counter()
        out = clear_fn(doc, prior)  # type: ignore[arg-type]
        timed.append(time.perf_counter() - mark)
        return out

    for k in range(hours):
        outcome = step(state, crowd, start + k, 0.5, clock)
        seconds.append(timed[-1])
        for row in outcome.result["participants"].values():
            traded += sum(
                max(q, 0.0) for n, q in row["trades"].items() if n.startswith(("fwd-y", "fwd-m"))
            )
        last_annual = sum(
            max(q, 0.0)
            for row in outcome.result["participants"].values()
            for n, q in row["trades"].items()
            if n.startswith("fwd-y")
        )
    gaps = []
    for name, price in outcome.result["prices"].items():
        if not name.startswith("fwd-y:"):
            continue
        months = children(parse_name(name))
        if all(m in outcome.result["prices"] for m in months):
            total = sum(outcome.result["prices"][m] for m in months)
            gaps.append(abs(price - total) / abs(total))
    gap = np.array(gaps)
    return {
        "annuals": float(gap.size),
        "median": float(np.median(gap)),
        "p90": float(np.quantile(gap, 0.9)),
        "max": float(gap.max()),
        "traded": traded,
        "annual_last": last_annual,
        "welfare": float(outcome.result["welfare"]),
        "seconds": float(np.mean(seconds)),
    }


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, default=6)
    parser.add_argument("--start", default="2026-11-30T21")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--synthetic", type=int, default=2)
    parser.add_argument("--band", type=float, default=0.02)
    args = parser.parse_args(argv)
    start = parse_hour(args.start, "--start")
    spec = load_spec("demo-forward")
    agents = demo_population(spec, args.seed, args.synthetic).agents
    out(
        "| way | annuals | gap median | gap p90 | gap max | GB/h traded (annual + monthly) "
        "| annual GB/h bought (last hour) | welfare (last hour) | clearing s/hour |"
    )
    out("|---|---|---|---|---|---|---|---|---|")
    for way in ("none", "portfolio", "arbitrage"):
        r = run(way, agents, start, args.hours, args.band)
        out(
            f"| {way} | {r['annuals']:.0f} | {r['median']:.2%} | {r['p90']:.2%} | "
            f"{r['max']:.2%} | {r['traded']:,.0f} | {r['annual_last']:,.1f} | "
            f"{r['welfare']:,.0f} | {r['seconds']:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
