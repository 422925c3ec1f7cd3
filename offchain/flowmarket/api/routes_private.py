"""Sign-in and the participant's own orders, positions, trades and settlement."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from flowmarket.api.auth import issue_token
from flowmarket.api.context import ApiContext, Context, Me
from flowmarket.api.downloads import Format, table_response
from flowmarket.api.schemas import (
    HASH_RE,
    ChallengeIn,
    ChallengeOut,
    ErrorOut,
    FillOut,
    LoginIn,
    OrderOut,
    PositionOut,
    SettlementHourOut,
    SettlementOut,
    TokenOut,
    TradeOut,
)
from flowmarket.catalogue.hours import open_hour
from flowmarket.errors import AuthenticationFailed, FieldError, NotFound
from flowmarket.signing import LoginMessage, parse_login_message, recover_login_signer

auth_router = APIRouter(prefix="/v1/auth", tags=["auth"])
router = APIRouter(prefix="/v1/me", tags=["private"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (401, 404, 422, 429)
}
FormatQuery = Query(default="json", description="json, or csv for a download")


@auth_router.post("/challenge", response_model=ChallengeOut, responses=ERRORS)
def challenge(body: ChallengeIn, context: Context) -> ChallengeOut:
    """A one-time EIP-4361 sign-in message for `address` to sign with personal_sign."""
    from eth_utils.address import to_checksum_address

    address = to_checksum_address(body.address)
    context.rate_limiter.check(address)
    now = int(context.clock())
    message = LoginMessage(
        domain=context.login_domain,
        address=address,
        uri=_login_uri(context),
        chain_id=context.domain.chain_id,
        nonce=secrets.token_hex(16),
        issued_at=now,
        expires_at=now + context.limits.challenge_lifetime_s,
    )
    context.backend.create_challenge(
        nonce=message.nonce, address=address, issued_at=now, expires_at=message.expires_at
    )
    return ChallengeOut(message=message.text(), nonce=message.nonce, expires_at=message.expires_at)


@auth_router.post("/login", response_model=TokenOut, responses=ERRORS)
def login(body: LoginIn, context: Context) -> TokenOut:
    """Exchange a signed challenge for a short-lived bearer token.

    The signed text must be the challenge exactly as issued: this server's domain and
    URI, its chain, and the challenge's own nonce, Issued At and Expiration Time (401 for
    a challenge that is unknown, used, expired or edited)."""
    message = parse_login_message(body.message)
    _check_login_domain(message, context)
    try:
        signer = recover_login_signer(body.message, bytes.fromhex(body.signature[2:]))
    except (ValueError, TypeError) as exc:
        raise FieldError("signature", f"cannot recover a signer: {exc}") from None
    if signer != message.address:
        raise AuthenticationFailed(f"signature: signed by {signer}, not {message.address}")
    now = context.clock()
    if not message.issued_at <= now < message.expires_at:
        raise AuthenticationFailed(
            f"message: valid from Issued At {message.issued_at} until Expiration Time "
            f"{message.expires_at}, not at {int(now)}"
        )
    consumed = context.backend.consume_challenge(
        nonce=message.nonce,
        address=signer,
        issued_at=message.issued_at,
        expires_at=message.expires_at,
        now=now,
    )
    if not consumed:
        raise AuthenticationFailed(
            "message: challenge unknown, already used, expired or not as issued"
        )
    expires_at = int(now) + context.limits.token_lifetime_s
    token = issue_token(context.token_secret, signer, expires_at)
    return TokenOut(access_token=token, address=signer, expires_at=expires_at)


def _check_login_domain(message: LoginMessage, context: ApiContext) -> None:
    if message.domain != context.login_domain or message.uri != _login_uri(context):
        raise FieldError("message", f"was issued for another domain, not {context.login_domain}")
    if message.chain_id != context.domain.chain_id:
        raise FieldError(
            "message", f"was issued for chain {message.chain_id}, not {context.domain.chain_id}"
        )


def _login_uri(context: ApiContext) -> str:
    return f"https://{context.login_domain}/v1/auth/login"


@router.get("/orders", response_model=list[OrderOut], responses=ERRORS)
def my_orders(
    context: Context,
    me: Me,
    status: str = Query(default="open", pattern="^(open|all)$"),
    format: Format = FormatQuery,
) -> Response:
    """The caller's orders: open ones (default) or all, newest first."""
    hour = open_hour(context.clock())
    rows = context.backend.list_orders(me, open_hour=hour, only_open=status == "open")
    return table_response(rows, fmt=format, filename="orders")


@router.get("/orders/{order_hash}", response_model=OrderOut, responses=ERRORS)
def my_order(context: Context, me: Me, order_hash: str = Path(pattern=HASH_RE.pattern)) -> OrderOut:
    order = context.backend.get_order(order_hash.lower(), open_hour(context.clock()))
    if order is None or order.participant != me:
        raise NotFound(f"order_hash: no order {order_hash} of {me}")
    return order


@router.get("/positions", response_model=list[PositionOut], responses=ERRORS)
def my_positions(context: Context, me: Me, format: Format = FormatQuery) -> Response:
    """Accumulated holding per product (GB/h) after the last cleared hour."""
    return table_response(context.backend.positions(me), fmt=format, filename="positions")


@router.get("/trades", response_model=list[TradeOut], responses=ERRORS)
def my_trades(context: Context, me: Me, format: Format = FormatQuery) -> Response:
    """Per cleared hour and product: traded quantity, price and cash."""
    return table_response(context.backend.trades(me), fmt=format, filename="trades")


@router.get("/fills", response_model=list[FillOut], responses=ERRORS)
def my_fills(context: Context, me: Me, format: Format = FormatQuery) -> Response:
    """Per cleared hour and order: the order's trade rate."""
    return table_response(context.backend.fills(me), fmt=format, filename="fills")


@router.get("/settlement", response_model=SettlementOut, responses=ERRORS)
def my_settlement(context: Context, me: Me, format: Format = FormatQuery) -> Response:
    """Accumulated settlement (capacity tokens; negative = owes) and its hourly steps."""
    summary = context.backend.settlement(me)
    if format == "csv":
        rows: list[SettlementHourOut] = summary.hours
        return table_response(rows, fmt="csv", filename="settlement")
    return Response(summary.model_dump_json(), media_type="application/json")
