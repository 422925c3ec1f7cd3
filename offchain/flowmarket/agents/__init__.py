"""The demo's market participants (seeded, pure): given the hour, the catalogue, last
prices and its own positions, each agent states the orders it wants standing.

`supplier` (the network supplier), `arbitrageur` (region spreads), `demand`
(service provider, reseller and synthetic buyers through the trade-to-target
tool), `population` (the demo cast from a seed), `book` (standing orders, replaced
only when they moved) and `simulation` (hourly clearings in memory).
"""

from flowmarket.agents.arbitrageur import Arbitrageur
from flowmarket.agents.base import Agent, MarketView, Order, make_order
from flowmarket.agents.book import BookChange, apply_change, diff_orders
from flowmarket.agents.demand import DemandProfile, StrategyTrader
from flowmarket.agents.population import Population, demo_population
from flowmarket.agents.simulation import HourOutcome, MarketState, simulate, step
from flowmarket.agents.supplier import Capacity, Supplier

__all__ = [
    "Agent",
    "Arbitrageur",
    "BookChange",
    "Capacity",
    "DemandProfile",
    "HourOutcome",
    "MarketState",
    "MarketView",
    "Order",
    "Population",
    "StrategyTrader",
    "Supplier",
    "apply_change",
    "demo_population",
    "diff_orders",
    "make_order",
    "simulate",
    "step",
]
