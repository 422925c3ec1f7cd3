"""The demo's cast, drawn from a seed: a supplier, an arbitrageur, a reseller, a
service provider and N synthetic participants, sized so the market clears at
sensible prices.

Reference cost per GB of a region and type = the type's base cost (premium 1.6,
fast 1.3, regular 1.0, any other type 1.2 tokens/GB) × a regional factor drawn
in [0.85, 1.2]. Buyers value capacity at 1.6–3.0 × that cost; the supplier's
marginal cost runs from 0.6 × to 1.8 × it, with capacity 1.5 × the buyers'
summed peak need, so prices settle between cost and valuation. Region k of n
peaks at UTC hour (20 − 24k/n) mod 24, i.e. the regions sit around the globe.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowmarket.agents.arbitrageur import Arbitrageur
from flowmarket.agents.base import Agent
from flowmarket.agents.broadcaster import Broadcaster
from flowmarket.agents.demand import DemandProfile, StrategyTrader
from flowmarket.agents.noise import stream_key
from flowmarket.agents.supplier import Capacity, Supplier
from flowmarket.agents.term_arbitrageur import TermArbitrageur
from flowmarket.catalogue import CatalogueSpec
from flowmarket.strategy import StrategyParams

TYPE_COST = {"premium": 1.6, "fast": 1.3, "regular": 1.0}
OTHER_TYPE_COST = 1.2


@dataclass(frozen=True)
class Population:
    """The agents, in call order, and each region-type's reference cost (tokens/GB)."""

    agents: tuple[Agent, ...]
    reference_cost: dict[tuple[str, str], float]


def _profile(
    rng: np.random.Generator,
    seed: int,
    who: str,
    region: str,
    type_: str,
    peak: int,
    level: float,
    value: float,
    volatility: float,
) -> DemandProfile:
    return DemandProfile(
        region=region,
        type=type_,
        level=level,
        amplitude=float(rng.uniform(0.2, 0.45)),
        peak_hour=peak,
        weekend=float(rng.uniform(0.75, 0.95)),
        valuation=value,
        volatility=volatility,
        key=stream_key(seed, f"{who}:{region}:{type_}"),
    )


def demo_population(
    spec: CatalogueSpec, seed: int, synthetic: int = 6, *, broadcaster: bool = False
) -> Population:
    """The demo's agents for `spec`, deterministic in `seed`; with `broadcaster`, also
    a buyer of block orders (`agents.broadcaster`) in the last region when the catalogue
    lists hourly forwards and has no network (non-convex orders cannot yet clear with
    one); it trades through the signed-order path of `flowmarket demo`."""
    rng = np.random.default_rng(seed)
    regions, types = spec.regions, spec.types
    factor = {r: float(rng.uniform(0.85, 1.2)) for r in regions}
    cost = {(r, t): TYPE_COST.get(t, OTHER_TYPE_COST) * factor[r] for r in regions for t in types}
    peak = {r: round(20 - 24 * k / len(regions)) % 24 for k, r in enumerate(regions)}
    traders: list[StrategyTrader] = []

    def trader(
        who: str,
        role: str,
        cells: list[tuple[str, str]],
        level: tuple[float, float],
        value: tuple[float, float],
        volatility: float,
        params: StrategyParams,
    ) -> None:
        profiles = tuple(
            _profile(
                rng,
                seed,
                who,
                r,
                t,
                peak[r],
                float(rng.uniform(*level)),
                cost[(r, t)] * float(rng.uniform(*value)),
                volatility,
            )
            for r, t in cells
        )
        traders.append(StrategyTrader(who, role, profiles, params))

    every = [(r, t) for r in regions for t in types]
    trader(
        "provider",
        "service provider",
        every,
        (150, 250),
        (2.2, 2.8),
        0.08,
        StrategyParams(risk_aversion=3.0, capital_cost=0.06),
    )
    resale = [(r, t) for r in regions[: max(1, len(regions) // 2)] for t in types[-2:]]
    trader(
        "reseller",
        "reseller",
        resale,
        (100, 160),
        (1.6, 1.9),
        0.15,
        StrategyParams(risk_aversion=0.6, capital_cost=0.1, forward_cover=1.1),
    )
    for k in range(1, synthetic + 1):
        n_r, n_t = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        picked_r = rng.choice(len(regions), size=min(n_r, len(regions)), replace=False)
        picked_t = rng.choice(len(types), size=min(n_t, len(types)), replace=False)
        cells = [(regions[i], types[j]) for i in sorted(picked_r) for j in sorted(picked_t)]
        params = StrategyParams(
            risk_aversion=float(rng.uniform(0.5, 4.0)), capital_cost=float(rng.uniform(0.02, 0.2))
        )
        trader(
            f"user-{k:02d}",
            "synthetic",
            cells,
            (20, 120),
            (1.6, 3.0),
            float(rng.uniform(0.05, 0.25)),
            params,
        )
    peak_need = {cell: 0.0 for cell in every}
    for t in traders:
        for p in t.profiles:
            peak_need[(p.region, p.type)] += p.level * (1 + p.amplitude) * t.params.forward_cover
    capacities = tuple(
        Capacity(r, t, 1.5 * peak_need[(r, t)], 0.6 * cost[(r, t)], 1.8 * cost[(r, t)])
        for r, t in every
    )
    pairs = tuple((regions[i], regions[i + 1]) for i in range(0, len(regions) - 1, 2))
    agents: list[Agent] = [Supplier("network", capacities)]
    if pairs:
        agents.append(Arbitrageur("arbitrage", pairs, types))
    if spec.horizons.monthly_months >= 12 and spec.horizons.annual_years >= 1:
        agents.append(TermArbitrageur("term-arbitrage"))
    agents += traders
    if broadcaster and spec.network is None and spec.horizons.hourly_days >= 1:
        region, type_ = regions[-1], types[0]
        agents.append(Broadcaster("broadcaster", region, type_, cost[(region, type_)]))
    return Population(agents=tuple(agents), reference_cost=cost)
