"""Agents trading through the participation API: wanted orders → EIP-712 signed calls.

Each hour an agent states the orders it wants standing (`agents.base`); the standing
ones it placed earlier are compared with them (`agents.book.diff_orders`) and the
difference goes to the API signed by the agent's wallet: a new order is submitted, a
moved one replaced atomically (`replaces` = the old order's hash), one no longer
wanted cancelled with a signed cancel. An order stands from the hour it is placed
until the last hour every product of its portfolio is listed (a real-time product
only in its own hour, an hourly forward until the hour before its delivery), so orders
on products that left the catalogue expire without a cancel. An order the API refuses
is counted with its reason; what stood before keeps standing. Numbers go to the client
as computed: `ParticipantClient.submit` rounds them to the 18 decimals the API signs
(`signing.fixed_point.signable`), the one rounding rule every client uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flowmarket.agents import Agent, MarketView, diff_orders
from flowmarket.agents.base import Order
from flowmarket.catalogue import Kind, parse_name
from flowmarket.client.participant_client import ParticipantClient
from flowmarket.demo.wallets import Wallet
from flowmarket.errors import FieldError, InvalidInput


def last_listed_hour(portfolio: Mapping[str, float]) -> int:
    """The last hour at which every product of the portfolio is listed."""
    last = []
    for name in portfolio:
        key = parse_name(name)
        last.append(key.start if key.kind is Kind.REAL_TIME else key.start - 1)
    return min(last)


@dataclass
class Standing:
    order_hash: str
    until_hour: int
    order: Order


@dataclass
class TradeCounts:
    """API calls of one agent in one hour."""

    placed: int = 0
    replaced: int = 0
    cancelled: int = 0
    rejected: int = 0
    reasons: list[str] = field(default_factory=list)

    def add(self, other: TradeCounts) -> None:
        self.placed += other.placed
        self.replaced += other.replaced
        self.cancelled += other.cancelled
        self.rejected += other.rejected
        self.reasons.extend(other.reasons[: max(0, 5 - len(self.reasons))])

    @property
    def calls(self) -> int:
        return self.placed + self.replaced + self.cancelled + self.rejected


@dataclass
class WalletTrader:
    """One agent, its wallet and its API client; `standing` by the agent's order id."""

    agent: Agent
    wallet: Wallet
    client: ParticipantClient
    nonce: int = 0
    standing: dict[str, Standing] = field(default_factory=dict)

    def trade(self, view: MarketView, tolerance: float) -> TradeCounts:
        """Bring the agent's standing orders for `view.hour` to what it wants now."""
        counts = TradeCounts()
        for oid in [o for o, s in self.standing.items() if s.until_hour < view.hour]:
            del self.standing[oid]  # expired with its products
        current = {oid: s.order for oid, s in self.standing.items()}
        change = diff_orders(current, self.agent.orders(view), tolerance)
        for oid in change.cancelled:
            self.client.cancel(self.standing.pop(oid).order_hash)
            counts.cancelled += 1
        for order in change.replaced:
            self._submit(order, view.hour, counts, replaces=self.standing[order["id"]].order_hash)
        for order in change.placed:
            self._submit(order, view.hour, counts, replaces=None)
        return counts

    def _submit(self, order: Order, hour: int, counts: TradeCounts, replaces: str | None) -> None:
        until = last_listed_hour(order["portfolio"])
        try:
            body = self.client.submit(
                portfolio={n: float(w) for n, w in order["portfolio"].items()},
                curve=[(float(q), float(p)) for q, p in order["curve"]],
                from_hour=hour,
                until_hour=until,
                nonce=self.nonce,
                replaces=replaces,
            )
        except (FieldError, InvalidInput) as exc:
            counts.rejected += 1
            if len(counts.reasons) < 5:
                counts.reasons.append(f"{self.agent.name}: {exc}")
            return
        finally:
            self.nonce += 1
        self.standing[order["id"]] = Standing(str(body["order"]["order_hash"]), until, order)
        if replaces is None:
            counts.placed += 1
        else:
            counts.replaced += 1
