"""The agents' desk: what the cast knows between hours and how it bids.

Each hour every agent sees the catalogue listed at that hour, the last published price
of each product and its own positions in products not yet delivered (the sum of its
published hourly trades, as the API serves them), and trades through the API
(`traders.WalletTrader`). Once the oracle has cleared an hour (its results stored, before
it is committed and published), `learn` reads its prices and each agent's trades back
from the database. The demo's virtual week
(`market_loop`) and the live local market (`flowmarket.local`) drive the same desk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.agents import MarketView
from flowmarket.catalogue import CatalogueSpec, Holdings, product_names
from flowmarket.db import results_repo
from flowmarket.demo.traders import TradeCounts, WalletTrader
from flowmarket.oracle.delivery import delivered_by

KEEP_PRICES_HOURS = 48


@dataclass
class AgentDesk:
    """prices: tokens/GB by product, the last published; positions: GB/h by participant
    address and product, in products not yet delivered."""

    engine: Engine
    spec: CatalogueSpec
    traders: Sequence[WalletTrader]
    tolerance: float
    prices: dict[str, float] = field(default_factory=dict)
    positions: dict[str, dict[str, float]] = field(default_factory=dict)

    def bid(self, hour: int) -> TradeCounts:
        """Every agent trades for hour `hour` (its bidding window must be open)."""
        listed = product_names(self.spec, hour)
        calls = TradeCounts()
        for trader in self.traders:
            holdings = Holdings(self.positions.get(trader.wallet.address, {}))
            view = MarketView(hour, self.spec, listed, self.prices, holdings)
            calls.add(trader.trade(view, self.tolerance))
        return calls

    def learn(self, hour: int) -> None:
        """Read published hour `hour`'s prices and the agents' trades; forget positions
        delivered by then and prices older than KEEP_PRICES_HOURS."""
        with Session(self.engine, expire_on_commit=False) as session:
            cleared = results_repo.hour_prices(session, hour=hour)
            for trader in self.traders:
                address = trader.wallet.address
                entry = results_repo.hour_participant(session, hour=hour, participant=address)
                held = self.positions.setdefault(address, {})
                for name, quantity in (entry.trades if entry is not None else {}).items():
                    held[name] = held.get(name, 0.0) + quantity
        self.prices.update(cleared)
        for held in self.positions.values():
            for name in delivered_by(held, hour):
                del held[name]
        for name in delivered_by(self.prices, hour - KEEP_PRICES_HOURS - 1):
            del self.prices[name]
