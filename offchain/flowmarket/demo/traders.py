"""Agents trading through the participation API: wanted orders → one signed batch.

Each hour an agent states the orders it wants standing (`agents.base`); the standing
ones it placed earlier are compared with them (`agents.book.diff_orders`) and the
difference goes to the API as ONE EIP-712 signed `OrderBatch` per hour (split at
`BATCH_ENTRIES` entries): new orders, moved ones replaced atomically (`replaces` = the
old order's id), ones no longer wanted cancelled. An order stands from the hour it is
placed until the last hour every product of its portfolio is listed (a real-time
product only in its own hour, an hourly forward until the hour before its delivery),
so orders on products that left the catalogue expire without a cancel.

A non-convex order an agent wants (one with a `kind`, e.g. the broadcaster's event
blocks) is signed alone as a `NonConvexOrder` and sent by POST /v1/orders, the path a
user's `flowmarket order submit --kind …` takes; it stands for the one hour it is placed
in (the market accepts or rejects it there) and is recorded in `WalletTrader.blocks`.

A batch is atomic: when the API refuses it, it names the entry (`batch.orders[i]…`,
`batch.cancels[j]`); that entry is counted as rejected with its reason and the rest is
signed and sent again, so one bad order costs the agent that order only, and what
stood before keeps standing. Numbers go to the client as computed:
`ParticipantClient.order` rounds them to the 18 decimals the API signs
(`signing.fixed_point.signable`), the one rounding rule every client uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flowmarket.agents import Agent, MarketView, diff_orders
from flowmarket.agents.base import Order
from flowmarket.catalogue import Kind, parse_name
from flowmarket.client.participant_client import ParticipantClient
from flowmarket.demo.wallets import Wallet
from flowmarket.errors import FieldError, InvalidInput
from flowmarket.signing import NonConvexTerms, OrderMessage

BATCH_ENTRIES = 500  # orders + cancels per signed batch (the API takes up to 1,000 each)
_ENTRY = re.compile(r"^batch\.(orders|cancels)\[(\d+)\]")


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
    """What one agent (or all) changed in one hour, and the signed batches it took."""

    placed: int = 0
    replaced: int = 0
    cancelled: int = 0
    rejected: int = 0
    requests: int = 0  # signed batches sent (a refused one included)
    reasons: list[str] = field(default_factory=list)

    def add(self, other: TradeCounts) -> None:
        self.placed += other.placed
        self.replaced += other.replaced
        self.cancelled += other.cancelled
        self.rejected += other.rejected
        self.requests += other.requests
        self.reasons.extend(other.reasons[: max(0, 5 - len(self.reasons))])

    @property
    def orders(self) -> int:
        """Orders placed, replaced, cancelled or refused."""
        return self.placed + self.replaced + self.cancelled + self.rejected


@dataclass
class Draft:
    """An order of this hour's batch: the agent's order, its last hour, what is signed."""

    order: Order
    until_hour: int
    message: OrderMessage


@dataclass
class WalletTrader:
    """One agent, its wallet and its API client; `standing` by the agent's order id."""

    agent: Agent
    wallet: Wallet
    client: ParticipantClient
    nonce: int = 0
    standing: dict[str, Standing] = field(default_factory=dict)
    blocks: dict[str, tuple[int, str]] = field(default_factory=dict)  # id → (hour, hash)

    def trade(self, view: MarketView, tolerance: float) -> TradeCounts:
        """Bring the agent's standing orders for `view.hour` to what it wants now."""
        counts = TradeCounts()
        for oid in [o for o, s in self.standing.items() if s.until_hour < view.hour]:
            del self.standing[oid]  # expired with its products
        current = {oid: s.order for oid, s in self.standing.items()}
        wanted = self.agent.orders(view)
        for order in [o for o in wanted if "kind" in o and o["id"] not in self.blocks]:
            self._send_alone(order, view.hour, counts)
        wanted = [o for o in wanted if "kind" not in o]
        change = diff_orders(current, wanted, tolerance)
        cancels = list(change.cancelled)
        drafts = [
            self._draft(o, view.hour, self.standing[o["id"]].order_hash) for o in change.replaced
        ]
        drafts += [self._draft(o, view.hour, None) for o in change.placed]
        while drafts or cancels:
            take = min(len(drafts), BATCH_ENTRIES)
            chunk, drafts = drafts[:take], drafts[take:]
            room = BATCH_ENTRIES - take
            gone, cancels = cancels[:room], cancels[room:]
            self._send(chunk, gone, counts)
        return counts

    def _draft(self, order: Order, hour: int, replaces: str | None) -> Draft:
        until = last_listed_hour(order["portfolio"])
        message = self.client.order(
            portfolio={n: float(w) for n, w in order["portfolio"].items()},
            curve=[(float(q), float(p)) for q, p in order["curve"]],
            from_hour=hour,
            until_hour=until,
            nonce=self.nonce,
            replaces=replaces,
        )
        self.nonce += 1
        return Draft(order, until, message)

    def _send_alone(self, order: Order, hour: int, counts: TradeCounts) -> None:
        """Sign one non-convex order for `hour` alone and send it (POST /v1/orders)."""
        message = self.client.order(
            portfolio={n: float(w) for n, w in order["portfolio"].items()},
            curve=[(float(q), float(p)) for q, p in order.get("curve", [])],
            from_hour=hour,
            until_hour=hour,
            nonce=self.nonce,
            terms=NonConvexTerms.from_json(order),
        )
        self.nonce += 1
        counts.requests += 1
        try:
            answer = self.client.submit_order(message)
        except (FieldError, InvalidInput) as exc:
            counts.rejected += 1
            counts.reasons.append(f"{order['id']}: {exc}")
            return
        self.blocks[order["id"]] = (hour, str(answer["order"]["order_hash"]))
        counts.placed += 1

    def _send(self, drafts: list[Draft], cancels: list[str], counts: TradeCounts) -> None:
        """Send one batch; on a refusal naming an entry, drop that entry and send again."""
        while drafts or cancels:
            counts.requests += 1
            try:
                answer = self.client.submit_batch(
                    [d.message for d in drafts], [self.standing[oid].order_hash for oid in cancels]
                )
            except (FieldError, InvalidInput) as exc:
                if not self._drop_refused(exc, drafts, cancels, counts):
                    return
                continue
            for draft, entry in zip(drafts, answer["entries"], strict=False):
                order_hash = str(entry["order_hash"])
                self.standing[draft.order["id"]] = Standing(
                    order_hash, draft.until_hour, draft.order
                )
                if draft.message.replaces is None:
                    counts.placed += 1
                else:
                    counts.replaced += 1
            for oid in cancels:
                del self.standing[oid]
                counts.cancelled += 1
            return

    def _drop_refused(
        self, exc: InvalidInput, drafts: list[Draft], cancels: list[str], counts: TradeCounts
    ) -> bool:
        """Count the refused entry and remove it; False when the refusal names no entry
        (then the whole batch is counted as refused)."""
        if len(counts.reasons) < 5:
            counts.reasons.append(f"{self.agent.name}: {exc}")
        found = _ENTRY.match(exc.field) if isinstance(exc, FieldError) else None
        if found is None:
            counts.rejected += len(drafts) + len(cancels)
            return False
        counts.rejected += 1
        index = int(found.group(2))
        if found.group(1) == "orders":
            drafts.pop(index)
        else:
            self.standing.pop(cancels.pop(index), None)  # not open any more: forget it
        return True
