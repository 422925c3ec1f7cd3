"""An agent's hour goes to the API as one signed batch; a refused entry costs that entry
only (the rest is signed and sent again), and what stood before keeps standing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_account import Account

from flowmarket.agents import MarketView
from flowmarket.agents.base import Order
from flowmarket.catalogue.listing import product_names
from flowmarket.catalogue.spec import load_spec
from flowmarket.client.participant_client import ParticipantClient
from flowmarket.demo.traders import WalletTrader
from flowmarket.demo.wallets import Wallet
from flowmarket.errors import FieldError
from flowmarket.signing import Domain, OrderMessage, digest

HOUR = 500_001
SPEC = load_spec("demo")
NAMES = product_names(SPEC, HOUR)
DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
ACCOUNT = Account.from_key("0x" + "0e" * 32)


class FakeApi(ParticipantClient):
    """Records every batch; refuses the first one naming `refuse` (a field), once."""

    def __init__(self, refuse: str | None = None) -> None:
        super().__init__("http://unused.invalid", ACCOUNT)
        self.refuse = refuse
        self.batches: list[tuple[list[OrderMessage], list[str]]] = []

    def submit_batch(
        self, orders: Sequence[OrderMessage], cancels: Sequence[str] = ()
    ) -> dict[str, Any]:
        self.batches.append((list(orders), list(cancels)))
        if self.refuse is not None:
            field, self.refuse = self.refuse, None
            raise FieldError(field, "refused by the test")
        entries = [{"order_hash": digest(DOMAIN, o), "action": "accepted"} for o in orders]
        return {"entries": entries}


class Wants:
    """An agent that wants exactly `orders` this hour."""

    name = "tester"

    def __init__(self, orders: list[Order]) -> None:
        self.wanted = orders

    def orders(self, view: MarketView) -> list[Order]:
        return self.wanted


def order(k: int, price: float = 10.0) -> Order:
    return {"id": f"o{k}", "portfolio": {NAMES[k]: 1.0}, "curve": [[0.0, price], [5.0, 1.0]]}


def trader(api: FakeApi, wanted: list[Order]) -> WalletTrader:
    wallet = Wallet("tester", "buyer", ACCOUNT.address, ACCOUNT.key.hex())
    return WalletTrader(Wants(wanted), wallet, api)  # type: ignore[arg-type]


def view() -> MarketView:
    return MarketView(HOUR, SPEC, NAMES, {}, None)  # type: ignore[arg-type]


def test_one_hour_of_changes_is_one_signed_batch() -> None:
    api = FakeApi()
    agent = trader(api, [order(1), order(2), order(3)])
    counts = agent.trade(view(), tolerance=0.5)
    assert (counts.placed, counts.requests, len(api.batches)) == (3, 1, 1)
    before = {oid: s.order_hash for oid, s in agent.standing.items()}
    agent.agent.wanted = [order(1, price=40.0), order(3)]  # type: ignore[attr-defined]
    counts = agent.trade(view(), tolerance=0.5)
    orders, cancels = api.batches[-1]
    assert (counts.replaced, counts.cancelled, counts.requests) == (1, 1, 1)
    assert [o.replaces for o in orders] == [before["o1"]]
    assert cancels == [before["o2"]]
    assert set(agent.standing) == {"o1", "o3"}
    assert agent.standing["o1"].order_hash == digest(DOMAIN, orders[0])


def test_a_refused_order_is_dropped_and_the_rest_sent_again() -> None:
    api = FakeApi(refuse="batch.orders[1].curve[1][1]")
    agent = trader(api, [order(1), order(2), order(3)])
    counts = agent.trade(view(), tolerance=0.5)
    assert (counts.placed, counts.rejected, counts.requests) == (2, 1, 2)
    assert [len(o) for o, _ in api.batches] == [3, 2]
    assert set(agent.standing) == {"o1", "o3"}
    assert "batch.orders[1].curve[1][1]" in counts.reasons[0]


def test_a_refusal_naming_no_entry_refuses_the_batch_and_changes_nothing() -> None:
    api = FakeApi(refuse="batch")
    agent = trader(api, [order(1), order(2)])
    counts = agent.trade(view(), tolerance=0.5)
    assert (counts.placed, counts.rejected, counts.requests) == (0, 2, 1)
    assert agent.standing == {}
