"""How the demo's wallets reach the participation API: over HTTP, or in process.

Both send exactly the bodies `ParticipantClient` builds (EIP-712 signed by the wallet)
to exactly the API's route functions. `http` (the default) goes through uvicorn and
the network stack like any user; `inprocess` validates the same body with the route's
request model and calls the route function directly, without the HTTP hop, for runs
where the demo's own I/O would dominate (the agents send one signed batch per hour
each, so the hop matters little since the batch route).
"""

from __future__ import annotations

from typing import Any

import httpx
from eth_account.signers.local import LocalAccount
from fastapi import FastAPI
from pydantic import BaseModel, ValidationError

from flowmarket.api.batch_schemas import SignedBatchIn
from flowmarket.api.context import ApiContext
from flowmarket.api.routes_batch import submit_batch
from flowmarket.api.routes_orders import cancel_order, submit_order
from flowmarket.api.schemas import CancelIn, SignedOrderIn
from flowmarket.client.participant_client import ParticipantClient
from flowmarket.errors import InvalidInput
from flowmarket.signing import Domain

TRANSPORTS = ("http", "inprocess")
ORDERS = "/v1/orders"


class InProcessClient(ParticipantClient):
    """A `ParticipantClient` whose order calls go straight to the route functions."""

    def __init__(self, app: FastAPI, account: LocalAccount) -> None:
        super().__init__("http://in-process.invalid", account)
        self.context: ApiContext = app.state.context

    def domain(self) -> Domain:
        return self.context.domain

    def operator(self) -> str:
        return str(self.context.operator.address)

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        body = kwargs.get("json")
        out: BaseModel
        try:
            if method == "POST" and path == ORDERS:
                out = submit_order(SignedOrderIn.model_validate(body), self.context)
            elif method == "POST" and path == ORDERS + "/batch":
                out = submit_batch(SignedBatchIn.model_validate(body), self.context)
            elif method == "POST" and path.startswith(ORDERS + "/") and path.endswith("/cancel"):
                order_hash = path.removeprefix(ORDERS + "/").removesuffix("/cancel")
                out = cancel_order(CancelIn.model_validate(body), self.context, order_hash)
            else:
                raise InvalidInput(f"{method} {path}: not served in process")
        except ValidationError as exc:
            raise InvalidInput(f"{path}: {exc.errors()[0]['msg']}") from None
        return httpx.Response(200, json=out.model_dump(mode="json"))


def participant_client(
    transport: str, *, url: str, app: FastAPI, account: LocalAccount
) -> ParticipantClient:
    """The wallet's client for `transport` (one of TRANSPORTS)."""
    if transport == "http":
        return ParticipantClient(url, account)
    if transport == "inprocess":
        return InProcessClient(app, account)
    raise InvalidInput(f"transport: {transport!r} is not one of {TRANSPORTS}")
