"""Run agents through hourly clearings: the loop `flowmarket demo` drives (pure, in memory).

Each hour: list the catalogue, let every agent state its wanted orders, update
the standing book (`agents.book`), clear it with `clearing.clear_document`
(prior prices: each product's last price, else that of the forward it was, else
the mean last price of its region and type), then add every participant's
trades to its positions and its cash. Positions and prices of products whose
delivery is over are dropped (their settlement is the oracle's business).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flowmarket.agents.base import Agent, MarketView, Order
from flowmarket.agents.book import BookChange, apply_change, diff_orders
from flowmarket.catalogue import CatalogueSpec, Holdings, parse_name, predecessor, product_names
from flowmarket.clearing import ResultDoc, clear_document

KEEP_PRICES_HOURS = 48  # prices of delivered products are kept this long (for agents' history)


@dataclass
class MarketState:
    """The simulated market between hours (mutable, owned by `step`)."""

    spec: CatalogueSpec
    positions: dict[str, dict[str, float]] = field(default_factory=dict)
    cash: dict[str, float] = field(default_factory=dict)
    prices: dict[str, float] = field(default_factory=dict)
    book: dict[str, dict[str, Order]] = field(default_factory=dict)


@dataclass(frozen=True)
class HourOutcome:
    """One cleared hour: the result document and how many orders stood / changed."""

    hour: int
    result: ResultDoc
    orders: int
    changes: dict[str, BookChange]


def _prior(state: MarketState, listed: Sequence[str]) -> dict[str, float]:
    by_group: dict[tuple[str, str], list[float]] = {}
    for name, price in state.prices.items():
        key = parse_name(name)
        by_group.setdefault((key.region, key.type), []).append(price)
    prior: dict[str, float] = {}
    for name in listed:
        before = predecessor(name) if name.startswith("rt:") else None
        if name in state.prices:
            prior[name] = state.prices[name]
        elif before is not None and before in state.prices:
            prior[name] = state.prices[before]
        else:
            key = parse_name(name)
            group = by_group.get((key.region, key.type))
            if group:
                prior[name] = sum(group) / len(group)
    return prior


def _settle_and_prune(state: MarketState, hour: int) -> None:
    for held in state.positions.values():
        for name in [n for n in held if parse_name(n).period_end() <= hour + 1]:
            del held[name]
    for name in [n for n in state.prices if parse_name(n).period_end() <= hour - KEEP_PRICES_HOURS]:
        del state.prices[name]


def step(
    state: MarketState,
    agents: Sequence[Agent],
    hour: int,
    tolerance: float = 0.01,
    clear_fn: Callable[..., ResultDoc] = clear_document,
) -> HourOutcome:
    """Clear one hour with every agent's standing orders; updates `state` in place.
    clear_fn: the clearing (bench/forward_coupling.py measures a coupled book with it)."""
    listed = product_names(state.spec, hour)
    changes: dict[str, BookChange] = {}
    for agent in agents:
        view = MarketView(
            hour, state.spec, listed, state.prices, Holdings(state.positions.get(agent.name, {}))
        )
        standing = state.book.setdefault(agent.name, {})
        change = diff_orders(standing, agent.orders(view), tolerance)
        apply_change(standing, change)
        changes[agent.name] = change
    orders = [o for standing in state.book.values() for o in standing.values()]
    result = clear_fn(
        {"products": list(listed), "orders": orders}, {"prices": _prior(state, listed)}
    )
    for participant, row in result["participants"].items():
        held = state.positions.setdefault(participant, {})
        for name, qty in row["trades"].items():
            held[name] = held.get(name, 0.0) + qty
        state.cash[participant] = state.cash.get(participant, 0.0) + row["cash"]
    state.prices.update(result["prices"])
    _settle_and_prune(state, hour)
    return HourOutcome(hour=hour, result=result, orders=len(orders), changes=changes)


def simulate(
    spec: CatalogueSpec,
    agents: Sequence[Agent],
    start_hour: int,
    hours: int,
    tolerance: float = 0.01,
) -> tuple[MarketState, list[HourOutcome]]:
    """Clear `hours` consecutive hours from `start_hour`; returns the final state and each hour."""
    state = MarketState(spec=spec)
    outcomes = [step(state, agents, start_hour + k, tolerance) for k in range(hours)]
    return state, outcomes
