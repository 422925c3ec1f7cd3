"""Per-app state shared by the routes, and the dependencies that read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi import Depends, Header, Request

from flowmarket.api.auth import verify_token
from flowmarket.api.backend import MarketBackend
from flowmarket.api.limits import ApiLimits, RateLimiter
from flowmarket.api.rules import MarketRules
from flowmarket.api.schemas import ReceiptOut
from flowmarket.errors import AuthenticationFailed
from flowmarket.signing import BatchReceiptMessage, Domain, ReceiptMessage, sign
from flowmarket.states import ReceiptAction


@dataclass(frozen=True)
class ApiContext:
    backend: MarketBackend
    domain: Domain
    operator: LocalAccount
    limits: ApiLimits
    clock: Callable[[], float]
    token_secret: bytes
    rate_limiter: RateLimiter
    login_domain: str
    rules: MarketRules | None = None  # the chain's economics; None: syntactic limits only

    @classmethod
    def build(
        cls,
        *,
        backend: MarketBackend,
        domain: Domain,
        operator_key: str,
        limits: ApiLimits,
        clock: Callable[[], float],
        token_secret: bytes,
        login_domain: str,
        rules: MarketRules | None = None,
    ) -> ApiContext:
        return cls(
            backend=backend,
            domain=domain,
            operator=Account.from_key(operator_key),
            limits=limits,
            clock=clock,
            token_secret=token_secret,
            rate_limiter=RateLimiter(limits.max_requests_per_minute),
            login_domain=login_domain,
            rules=rules,
        )

    def receipt(
        self,
        *,
        order_hash: str,
        participant: str,
        nonce: int,
        action: ReceiptAction,
        recorded_at: int,
    ) -> ReceiptOut:
        """Sign Receipt(orderHash, participant, nonce, action, recordedAt) as the operator."""
        message = ReceiptMessage(order_hash, participant, nonce, action, recorded_at)
        return ReceiptOut(
            order_hash=order_hash,
            participant=participant,
            nonce=nonce,
            action=action,
            recorded_at=recorded_at,
            operator=self.operator.address,
            signature=sign(self.domain, message, self.operator.key.hex()),
        )

    def batch_receipt_signature(
        self,
        *,
        batch_hash: str,
        participant: str,
        entries_root: str,
        entries: int,
        recorded_at: int,
    ) -> str:
        """Sign BatchReceipt(batchHash, participant, entriesRoot, entries, recordedAt)."""
        message = BatchReceiptMessage(batch_hash, participant, entries_root, entries, recorded_at)
        return sign(self.domain, message, self.operator.key.hex())


def get_context(request: Request) -> ApiContext:
    context: ApiContext = request.app.state.context
    return context


Context = Annotated[ApiContext, Depends(get_context)]


def current_participant(
    context: Context, authorization: Annotated[str | None, Header()] = None
) -> str:
    """The address of a valid `Authorization: Bearer <token>` header."""
    if authorization is None or not authorization.startswith("Bearer "):
        raise AuthenticationFailed(
            "authorization: missing bearer token; sign in via POST /v1/auth/challenge "
            "and POST /v1/auth/login"
        )
    address = verify_token(
        context.token_secret, authorization.removeprefix("Bearer "), now=context.clock()
    )
    context.rate_limiter.check(address)
    return address


Me = Annotated[str, Depends(current_participant)]
