"""Benchmark: the expansion auction (HiGHS MILP + exact pricing) against SCIP, and the
clock auction's rounds, on seeded random instances.

    .venv/bin/python bench/auction_bench.py --expansion 30x3x500 --expansion 10x3x100
    .venv/bin/python bench/auction_bench.py --clock 100x20 --clock 1000x100

Expansion LEGSxALTERNATIVESxBIDS: a random network of legs (each offers capacities
100, 200, 400 GB/h, ..., at a unit cost that falls with size), package bids over 1-4
legs asking 10-60 GB/h each and bidding 4-12 tokens per GB/h per leg. The table shows
the load average when the row started, flowmarket's wall and CPU time for
`run_expansion` (MILP with HiGHS, exact re-check, prices, payments), the MILP's size,
the surplus found, then SCIP (pyscipopt, default settings, gap 0) on the same
formulation built independently here, its time, status and surplus: the two optima
must agree; when SCIP stops at --scip-limit seconds, flowmarket's optimum must lie between
SCIP's best solution and its bound.
Clock BIDDERSxPRODUCTS: straightforward bidders (`auctions.synthetic`)
play the auction to its end (pure code, no API): rounds, bids, time per round.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from dataclasses import dataclass
from fractions import Fraction

import pyscipopt

from flowmarket.auctions.clock_bids import ClockBid, RoundState, allowed_for, eligibility
from flowmarket.auctions.clock_rounds import close_round, first_round
from flowmarket.auctions.clock_spec import parse_clock_spec
from flowmarket.auctions.expansion_run import run_expansion
from flowmarket.auctions.expansion_spec import ExpansionSpec, PackageBid, parse_expansion_spec
from flowmarket.auctions.synthetic import synthetic_clock
from flowmarket.money import WAD


def expansion_instance(
    legs: int, alternatives: int, bids: int, seed: int
) -> tuple[ExpansionSpec, list[PackageBid]]:
    """Legs in a chain of nodes; packages over 1-4 random legs (10-60 GB/h each, 4-12
    tokens per GB/h per leg, in cents). Each leg offers `alternatives` capacities from
    40 % to 100 % of the capacity its packages ask for in all, at 8 down to 5 tokens
    per GB/h (economies of scale): capacity binds on small alternatives, cost on all."""
    rng = random.Random(seed)
    names = [f"l{k:02d}" for k in range(legs)]
    packages, asked = [], dict.fromkeys(names, 0)
    for j in range(bids):
        gbh = {n: rng.randint(1, 6) * 10 for n in rng.sample(names, k=rng.randint(1, 4))}
        cents = sum(q * rng.randint(400, 1200) for q in gbh.values())
        packages.append(
            PackageBid(
                f"0x{j + 1:040x}", 0, cents * WAD // 100, {n: q * WAD for n, q in gbh.items()}
            )
        )
        for n, q in gbh.items():
            asked[n] += q
    steps = [0.4 + 0.6 * a / max(1, alternatives - 1) for a in range(alternatives)]
    doc = {
        "format": "flowmarket-expansion-auction/1",
        "name": "bench",
        "seller": "0x00000000000000000000000000000000000000aa",
        "start_hour": 500_000,
        "bid_seconds": 3600,
        "legs": [
            {
                "name": name,
                "from": f"n{k}",
                "to": f"n{k + 1}",
                "alternatives": [
                    {
                        "capacity": max(10, int(asked[name] * f)),
                        "cost": max(10, int(asked[name] * f))
                        * (8 - 3 * a / max(1, alternatives - 1)),
                    }
                    for a, f in enumerate(steps)
                ],
            }
            for k, name in enumerate(names)
        ],
    }
    return parse_expansion_spec(doc), packages


def scip_surplus(
    spec: ExpansionSpec, bids: list[PackageBid], limit_s: float
) -> tuple[float, float, float, str]:
    """(seconds, best surplus, bound, status) of the same MILP in SCIP, built from the
    rule; after `limit_s` seconds the best surplus found so far and SCIP's dual bound."""
    model = pyscipopt.Model()
    model.hideOutput()
    model.setParam("limits/gap", 0.0)
    model.setParam("limits/time", limit_s)
    y = {
        (leg.name, a): model.addVar(vtype="B")
        for leg in spec.legs
        for a in range(len(leg.alternatives))
    }
    x = [model.addVar(vtype="B") for _ in bids]
    on: dict[str, list[tuple[int, float]]] = {leg.name: [] for leg in spec.legs}
    for j, bid in enumerate(bids):
        for name, cap in bid.capacities.items():
            on[name].append((j, cap / WAD))
    big = {
        n: max((bids[j].amount / WAD / d for j, d in pairs), default=0.0) for n, pairs in on.items()
    }
    price = {leg.name: model.addVar(lb=0, ub=big[leg.name]) for leg in spec.legs}
    z = {(j, n): model.addVar(lb=0, ub=big[n]) for n, pairs in on.items() for j, _ in pairs}
    for leg in spec.legs:
        alts = range(len(leg.alternatives))
        model.addCons(pyscipopt.quicksum(y[leg.name, a] for a in alts) <= 1)
        model.addCons(
            pyscipopt.quicksum(d * x[j] for j, d in on[leg.name])
            <= pyscipopt.quicksum(leg.alternatives[a].capacity / WAD * y[leg.name, a] for a in alts)
        )
        model.addCons(
            pyscipopt.quicksum(d * z[j, leg.name] for j, d in on[leg.name])
            >= pyscipopt.quicksum(leg.alternatives[a].cost / WAD * y[leg.name, a] for a in alts)
        )
    for j, bid in enumerate(bids):
        model.addCons(
            pyscipopt.quicksum(cap / WAD * z[j, n] for n, cap in bid.capacities.items())
            <= bid.amount / WAD * x[j]
        )
        for n in bid.capacities:
            model.addCons(z[j, n] <= price[n])
            model.addCons(z[j, n] <= big[n] * x[j])
            model.addCons(z[j, n] >= price[n] - big[n] * (1 - x[j]))
    model.setObjective(
        pyscipopt.quicksum(bid.amount / WAD * x[j] for j, bid in enumerate(bids))
        - pyscipopt.quicksum(
            leg.alternatives[a].cost / WAD * y[leg.name, a]
            for leg in spec.legs
            for a in range(len(leg.alternatives))
        ),
        "maximize",
    )
    started = time.perf_counter()
    model.optimize()
    status = str(model.getStatus())
    seconds = time.perf_counter() - started
    return seconds, float(model.getObjVal()), float(model.getDualbound()), status


@dataclass(frozen=True)
class ExpansionRow:
    size: str
    load: float
    seconds: float
    cpu: float
    binaries: int
    surplus: float
    built: int
    winners: int
    scip_seconds: float
    scip_surplus: float
    scip_bound: float
    scip_status: str


def bench_expansion(size: str, seed: int, scip_limit: float) -> ExpansionRow:
    legs, alternatives, bids = (int(v) for v in size.split("x"))
    spec, packages = expansion_instance(legs, alternatives, bids, seed)
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    result = run_expansion(spec, packages)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    scip_seconds, scip_value, scip_bound, status = scip_surplus(spec, packages, scip_limit)
    return ExpansionRow(
        size, load, wall, cpu, legs * alternatives + bids, float(Fraction(result.surplus, WAD)),
        sum(leg.alternative is not None for leg in result.legs), len(result.awards),
        scip_seconds, scip_value, scip_bound, status,
    )  # fmt: skip


def bench_clock(size: str, seed: int) -> str:
    bidders, products = (int(v) for v in size.split("x"))
    doc, population = synthetic_clock(
        [f"p{k:03d}" for k in range(products)], [f"0x{k + 1:040x}" for k in range(bidders)],
        seller="0x00000000000000000000000000000000000000aa", seed=seed,
    )  # fmt: skip
    spec = parse_clock_spec(doc)
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    state: RoundState | None = first_round(spec)
    previous: dict[str, ClockBid] | None = None
    rounds = bids = 0
    while state is not None:
        table = eligibility(spec, state, previous)
        effective = {
            b.bidder: b.bid(spec, state, allowed_for(state, table, b.bidder)) for b in population
        }
        previous, state = effective, close_round(spec, state, effective).next
        rounds, bids = rounds + 1, bids + len(effective)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return (
        f"| {size} | {load:.1f} | {rounds} | {bids:,} | {wall:.2f} ({cpu:.2f}) | "
        f"{1000 * wall / rounds:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--expansion", action="append", default=[], metavar="LxAxB")
    parser.add_argument("--clock", action="append", default=[], metavar="BIDDERSxPRODUCTS")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--scip-limit", type=float, default=900.0, help="seconds (default 900)")
    args = parser.parse_args()
    if args.expansion:
        print(
            "| legs x alternatives x bids | load | flowmarket s (CPU) | binaries | surplus | "
            "built legs | winners | SCIP s | SCIP status | SCIP best surplus | SCIP bound | "
            "agree |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for size in args.expansion:
        r = bench_expansion(size, args.seed, args.scip_limit)
        tolerance = 1e-6 * max(1.0, abs(r.surplus))
        if r.scip_status == "optimal":
            agree = "yes" if abs(r.surplus - r.scip_surplus) <= tolerance else "NO"
        else:  # SCIP stopped: ours must lie between its best solution and its bound
            inside = r.scip_surplus - tolerance <= r.surplus <= r.scip_bound + tolerance
            agree = "within SCIP's bounds" if inside else "NO"
        print(
            f"| {r.size} | {r.load:.1f} | {r.seconds:.2f} ({r.cpu:.2f}) | {r.binaries} | "
            f"{r.surplus:,.2f} | {r.built} | {r.winners} | {r.scip_seconds:.0f} | "
            f"{r.scip_status} | {r.scip_surplus:,.2f} | {r.scip_bound:,.2f} | {agree} |",
            flush=True,
        )
    if args.clock:
        print("\n| bidders x products | load | rounds | bids | s (CPU) | ms per round |")
        print("|---|---|---|---|---|---|")
    for size in args.clock:
        print(bench_clock(size, args.seed), flush=True)


if __name__ == "__main__":
    main()
