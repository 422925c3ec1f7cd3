"""Signed order sets for the tests of fill leaves: orders as the API stores and the oracle
publishes them (`orders.PublishedOrder`: id = the EIP-712 digest, nonce, hours, replaces,
signature), alone or in a signed batch (`batch` + the order set's `batches`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flowmarket.signing import (
    Domain,
    OrderBatchMessage,
    OrderMessage,
    batch_ids,
    digest,
    order_struct_hash,
    sign,
)


def message(
    participant: str,
    portfolio: dict[str, float],
    curve: Sequence[Sequence[float]],
    *,
    nonce: int,
    hours: tuple[int, int],
) -> OrderMessage:
    return OrderMessage(
        participant=participant,
        nonce=nonce,
        from_hour=hours[0],
        until_hour=hours[1],
        portfolio=portfolio,
        curve=tuple((float(q), float(p)) for q, p in curve),
    )


def published(m: OrderMessage, order_id: str, signature: str) -> dict[str, Any]:
    return {
        "id": order_id,
        "participant": m.participant,
        "portfolio": dict(m.portfolio),
        "curve": [[q, p] for q, p in m.curve],
        "nonce": m.nonce,
        "from_hour": m.from_hour,
        "until_hour": m.until_hour,
        "replaces": m.replaces,
        "signature": signature,
    }


def signed_order(domain: Domain, key: str, m: OrderMessage) -> dict[str, Any]:
    """`m` signed alone with `key` (whoever holds it: the participant, or a thief)."""
    return published(m, digest(domain, m), sign(domain, m, key))


def signed_batch(
    domain: Domain, key: str, orders: Sequence[OrderMessage], cancels: Sequence[str] = ()
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """(the batch's orders as published, the order set's `batches` entry for it)."""
    batch = OrderBatchMessage(
        participant=orders[0].participant, orders=tuple(orders), cancels=tuple(cancels)
    )
    batch_hash, ids = batch_ids(domain, batch)
    signature = sign(domain, batch, key)
    batch_id = "0x" + batch_hash.hex()
    out = [
        {**published(m, i, signature), "batch": batch_id} for m, i in zip(orders, ids, strict=True)
    ]
    entry = {
        "orders": ["0x" + order_struct_hash(m).hex() for m in orders],
        "cancels": list(cancels),
    }
    return out, {batch_id: entry}


def signed_portfolio_order(
    domain: Domain, key: str, m: OrderMessage
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A portfolio order (`m.portfolios`) signed with `key`, as the oracle publishes it
    (`orders.published_order`: its named portfolios `<id>:<name>` with their weights, the
    signed list as `signed_portfolios`), and the order set's `portfolios` entries that
    define those named portfolios."""
    assert m.portfolios is not None
    order_id = digest(domain, m)
    order = {
        "id": order_id,
        "participant": m.participant,
        "portfolios": {f"{order_id}:{p.name}": p.weight for p in m.portfolios},
        "signed_portfolios": [p.as_json() for p in m.portfolios],
        "curve": [[q, p] for q, p in m.curve],
        "nonce": m.nonce,
        "from_hour": m.from_hour,
        "until_hour": m.until_hour,
        "replaces": m.replaces,
        "signature": sign(domain, m, key),
    }
    named = {
        f"{order_id}:{p.name}": {"participant": m.participant, "products": dict(p.products)}
        for p in m.portfolios
    }
    return order, named
