"""Order intake checks: shape, limits, validity window, domain and signature.

Everything here is pure (no storage): the route gives it the request, the market's
domain, the limits, the known product names and the clock's current open hour.
"""

from __future__ import annotations

import math
from functools import lru_cache

from eth_utils.address import to_checksum_address

from flowmarket.api.limits import ApiLimits
from flowmarket.api.schemas import CancelIn, OrderIn, SignedOrderIn
from flowmarket.catalogue.hours import open_hour
from flowmarket.clearing import parse_orders
from flowmarket.clearing.curves import validate_book
from flowmarket.errors import FieldError, InvalidOrder
from flowmarket.orders import SignedOrder
from flowmarket.signing import (
    AuctionBidMessage,
    AuthorisationMessage,
    CancelMessage,
    Domain,
    ExpectedPositionsMessage,
    OrderBatchMessage,
    OrderMessage,
    PackageBidMessage,
    UsageReportMessage,
    digest,
    recover,
    recover_digest,
)

# to_checksum_address hashes the address (eth-hash, ~10 µs); participants repeat.
checksummed = lru_cache(maxsize=1 << 14)(to_checksum_address)


def check_curve(curve: list[tuple[float, float]], *, limits: ApiLimits) -> None:
    """One or more points, quantities strictly increasing, prices never increasing (flat
    pieces are limit prices), 0 within the quantity range (so a one-point curve is at
    quantity 0), all finite: the clearing engine's rules (docs/market.md, the curve
    language)."""
    if not curve:
        raise FieldError("order.curve", "needs at least 1 point")
    if len(curve) > limits.max_curve_points:
        raise FieldError(
            "order.curve", f"has {len(curve)} points; the limit is {limits.max_curve_points}"
        )
    for k, (quantity, price) in enumerate(curve):
        if not (math.isfinite(quantity) and math.isfinite(price)):
            raise FieldError(f"order.curve[{k}]", "quantity and price must be finite")
    for k in range(1, len(curve)):
        (q0, p0), (q1, p1) = curve[k - 1], curve[k]
        if q1 <= q0:
            raise FieldError(
                f"order.curve[{k}][0]", f"quantities must strictly increase ({q0} then {q1})"
            )
        if p1 > p0:
            raise FieldError(f"order.curve[{k}][1]", f"prices must not increase ({p0} then {p1})")
    if not curve[0][0] <= 0.0 <= curve[-1][0]:
        raise FieldError(
            "order.curve", f"quantity range [{curve[0][0]}, {curve[-1][0]}] must contain 0"
        )


def check_with_engine(portfolio: dict[str, float], curve: list[tuple[float, float]]) -> None:
    """Run the clearing engine's own order validation, so intake never accepts an order
    that clearing would refuse (the checks above only add field names and limits)."""
    check_book_with_engine([("order", portfolio, curve)])


def check_book_with_engine(
    orders: list[tuple[str, dict[str, float], list[tuple[float, float]]]],
) -> None:
    """`check_with_engine` for (id, portfolio, curve) triples at once (one engine call);
    the error names the first bad order by its id."""
    products = sorted({name for _, portfolio, _ in orders for name in portfolio})
    doc = {
        "products": products,
        "orders": [
            {"id": oid, "participant": "-", "portfolio": portfolio, "curve": curve}
            for oid, portfolio, curve in orders
        ],
    }
    try:
        validate_book(parse_orders(doc))
    except InvalidOrder as exc:
        field = orders[0][0] if len(orders) == 1 else "orders"
        raise FieldError(field, str(exc)) from None


def check_portfolio(portfolio: dict[str, float], *, known: set[str], limits: ApiLimits) -> None:
    if not portfolio:
        raise FieldError("order.portfolio", "must name at least one product")
    if len(portfolio) > limits.max_portfolio_products:
        raise FieldError(
            "order.portfolio",
            f"has {len(portfolio)} products; the limit is {limits.max_portfolio_products}",
        )
    for name, weight in portfolio.items():
        if name not in known:
            raise FieldError(f"order.portfolio.{name[:64]}", "unknown product")
        if not math.isfinite(weight) or weight == 0.0:
            raise FieldError(f"order.portfolio.{name}", "weight must be finite and non-zero")


def check_window(from_hour: int, until_hour: int, *, now: float, limits: ApiLimits) -> None:
    first_open = open_hour(now)
    if until_hour < from_hour:
        raise FieldError("order.until_hour", f"{until_hour} is before from_hour {from_hour}")
    if until_hour < first_open:
        raise FieldError(
            "order.until_hour",
            f"order expired: until_hour {until_hour} is before the open hour {first_open}",
        )
    horizon = first_open + limits.max_hours_ahead
    if from_hour > horizon:
        raise FieldError(
            "order.from_hour", f"{from_hour} is more than {limits.max_hours_ahead} hours ahead"
        )
    if until_hour > horizon:
        raise FieldError(
            "order.until_hour", f"{until_hour} is more than {limits.max_hours_ahead} hours ahead"
        )


def check_domain(chain_id: int, contract: str | None, *, domain: Domain) -> None:
    if chain_id != domain.chain_id:
        raise FieldError("chain_id", f"{chain_id} is not this market's chain id {domain.chain_id}")
    if contract is not None and contract.lower() != domain.verifying_contract.lower():
        raise FieldError(
            "verifying_contract",
            f"{contract} is not this market's ledger {domain.verifying_contract}",
        )


def check_signer(
    domain: Domain,
    message: OrderMessage
    | OrderBatchMessage
    | CancelMessage
    | ExpectedPositionsMessage
    | AuctionBidMessage
    | PackageBidMessage
    | UsageReportMessage
    | AuthorisationMessage,
    sig: str,
    *,
    message_digest: bytes | None = None,
) -> None:
    """Raise FieldError("signature") unless `sig` recovers to the message's participant
    (its bidder, for an auction bid); `message_digest`: the message's EIP-712 digest when
    already computed."""
    if isinstance(message, AuctionBidMessage | PackageBidMessage):
        role, claimed = "bidder", message.bidder
    elif isinstance(message, UsageReportMessage):
        role, claimed = "network operator", message.operator
    else:
        role, claimed = "participant", message.participant
    try:
        raw = bytes.fromhex(sig[2:])
        if message_digest is None:
            signer = recover(domain, message, raw)
        else:
            signer = recover_digest(message_digest, raw)
    except (ValueError, TypeError) as exc:
        raise FieldError("signature", f"cannot recover a signer: {exc}") from None
    if signer.lower() != claimed.lower():
        raise FieldError(
            "signature",
            f"signed by {signer}, not by {role} {claimed} (wrong key, chain id or ledger address?)",
        )


def check_order_fields(
    order: OrderIn, *, known: set[str], limits: ApiLimits, now: float
) -> OrderMessage:
    """Every rule one order must meet on its own (products, curve, limits, validity
    window), as the message its participant signs (its digest then checks every
    number's fixed-point form, naming the field). Both the single
    order route and the batch route call this: a new per-order intake rule belongs
    here. Fields are named `order.…`; the batch route renames them `batch.orders[i].…`."""
    portfolio = {name: float(weight) for name, weight in order.portfolio.items()}
    curve = [(float(q), float(p)) for q, p in order.curve]
    check_portfolio(portfolio, known=known, limits=limits)
    check_curve(curve, limits=limits)
    check_window(order.from_hour, order.until_hour, now=now, limits=limits)
    message = OrderMessage(
        participant=checksummed(order.participant),
        nonce=order.nonce,
        from_hour=order.from_hour,
        until_hour=order.until_hour,
        portfolio=portfolio,
        curve=tuple(curve),
        replaces=order.replaces,
    )
    return message


def verified(message: OrderMessage, order_hash: str, signature: str) -> SignedOrder:
    """The stored form of a checked order; `signature` is what authorises it (the
    order's own signature, or that of the batch carrying it)."""
    return SignedOrder(
        order_hash=order_hash,
        participant=message.participant,
        nonce=message.nonce,
        from_hour=message.from_hour,
        until_hour=message.until_hour,
        portfolio=message.portfolio,
        curve=[[q, p] for q, p in message.curve],
        replaces=message.replaces,
        signature=signature.lower(),
    )


def verify_order(
    request: SignedOrderIn, *, domain: Domain, known: set[str], limits: ApiLimits, now: float
) -> SignedOrder:
    """Check an order submission; return it with its id, or raise FieldError."""
    check_domain(request.chain_id, request.verifying_contract, domain=domain)
    message = check_order_fields(request.order, known=known, limits=limits, now=now)
    check_with_engine(message.portfolio, list(message.curve))
    order_hash = digest(domain, message)
    check_signer(domain, message, request.signature)
    return verified(message, order_hash, request.signature)


def verify_cancel(request: CancelIn, order_hash: str, *, domain: Domain) -> str:
    """Check a cancel's domain and signature; return the checksummed participant."""
    check_domain(request.chain_id, None, domain=domain)
    message = CancelMessage(to_checksum_address(request.participant), order_hash)
    check_signer(domain, message, request.signature)
    return message.participant
