"""Signed `OrderBatch` request bodies for the batch route's tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_account.signers.local import LocalAccount

from flowmarket.client.bodies import batch_body as signed_batch_body
from flowmarket.signing import Domain, OrderBatchMessage, OrderMessage, sign

DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")


def batch_body(
    signer: LocalAccount,
    orders: Sequence[OrderMessage],
    cancels: Sequence[str] = (),
    *,
    participant: str | None = None,
    domain: Domain = DOMAIN,
) -> dict[str, Any]:
    """The body of POST /v1/orders/batch for this market's domain, signed by `signer` (for
    `participant`, default the signer) over `domain` (another one to test rejections)."""
    message = OrderBatchMessage(participant or signer.address, tuple(orders), tuple(cancels))
    body = signed_batch_body(DOMAIN, message, signer.key.hex())
    if domain != DOMAIN:
        body["signature"] = sign(domain, message, signer.key.hex())
    return body
