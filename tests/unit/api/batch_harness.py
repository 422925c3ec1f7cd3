"""Signed `OrderBatch` request bodies for the batch route's tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_account.signers.local import LocalAccount

from flowmarket.signing import Domain, OrderBatchMessage, OrderMessage, sign

DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")


def order_json(order: OrderMessage) -> dict[str, Any]:
    return {
        "participant": order.participant,
        "nonce": order.nonce,
        "from_hour": order.from_hour,
        "until_hour": order.until_hour,
        "portfolio": order.portfolio,
        "curve": [list(p) for p in order.curve],
        "replaces": order.replaces,
    }


def batch_body(
    signer: LocalAccount,
    orders: Sequence[OrderMessage],
    cancels: Sequence[str] = (),
    *,
    participant: str | None = None,
    domain: Domain = DOMAIN,
) -> dict[str, Any]:
    """The body of POST /v1/orders/batch, signed by `signer` (for `participant`,
    default the signer)."""
    who = participant or signer.address
    message = OrderBatchMessage(who, tuple(orders), tuple(cancels))
    return {
        "batch": {
            "participant": who,
            "orders": [order_json(o) for o in orders],
            "cancels": list(cancels),
        },
        "chain_id": DOMAIN.chain_id,
        "verifying_contract": DOMAIN.verifying_contract,
        "signature": sign(domain, message, signer.key.hex()),
    }
