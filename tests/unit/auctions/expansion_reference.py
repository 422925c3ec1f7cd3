"""Brute-force expansion auction: every configuration × every subset of packages.

Independent of the MILP and of `expansion_prices`: written from the rule alone. An
outcome is feasible when each leg's sold capacity fits the built alternative, a
built leg with a positive cost sells something, and every winner's bill at the
per-leg prices cost ÷ sold is at most its bid. Returns the best as-bid surplus (wei,
exact) and every outcome that reaches it.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product

from flowmarket.auctions.expansion_spec import ExpansionSpec, PackageBid


def brute_force(
    spec: ExpansionSpec, bids: list[PackageBid]
) -> tuple[Fraction, list[tuple[dict[str, int], frozenset[str]]]]:
    choices = [[None, *range(len(leg.alternatives))] for leg in spec.legs]
    best: Fraction | None = None
    winners_at_best: list[tuple[dict[str, int], frozenset[str]]] = []
    for config in product(*choices):
        built = {leg.name: a for leg, a in zip(spec.legs, config, strict=True) if a is not None}
        capacity = {
            leg.name: (leg.alternatives[a].capacity if a is not None else 0)
            for leg, a in zip(spec.legs, config, strict=True)
        }
        cost = {
            leg.name: (leg.alternatives[a].cost if a is not None else 0)
            for leg, a in zip(spec.legs, config, strict=True)
        }
        for mask in range(1 << len(bids)):
            chosen = [b for k, b in enumerate(bids) if mask >> k & 1]
            sold = {n: sum(b.capacities.get(n, 0) for b in chosen) for n in capacity}
            if any(sold[n] > capacity[n] for n in sold):
                continue
            if any(cost[n] > 0 and sold[n] == 0 for n in sold):
                continue
            price = {n: Fraction(cost[n], sold[n]) if sold[n] else Fraction(0) for n in sold}
            if any(sum(price[n] * d for n, d in b.capacities.items()) > b.amount for b in chosen):
                continue
            surplus = Fraction(sum(b.amount for b in chosen) - sum(cost.values()))
            outcome = (
                {n: a for n, a in built.items() if sold[n] > 0 or cost[n] > 0},
                frozenset(b.bidder for b in chosen),
            )
            if best is None or surplus > best:
                best, winners_at_best = surplus, [outcome]
            elif surplus == best:
                winners_at_best.append(outcome)
    assert best is not None
    return best, winners_at_best
