"""Order intake checks: shape, limits, validity window, domain and signature.

Everything here is pure (no storage): the route gives it the request, the market's
domain, the limits, the known product names and the clock's current open hour.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Protocol

from eth_utils.address import to_checksum_address

from flowmarket.api.limits import ApiLimits
from flowmarket.api.schemas import CancelIn, OrderIn, PortfolioIn, SignedOrderIn
from flowmarket.catalogue.hours import open_hour
from flowmarket.clearing import parse_orders
from flowmarket.clearing.curves import validate_book
from flowmarket.clearing.nonconvex_document import validate_nonconvex_order
from flowmarket.clearing.portfolio_document import expand
from flowmarket.errors import FieldError, InvalidInput, InvalidOrder
from flowmarket.orders import SignedOrder, orders_document
from flowmarket.signing import (
    AuctionBidMessage,
    AuthorisationMessage,
    CancelMessage,
    Domain,
    ExpectedPositionsMessage,
    NamedPortfolio,
    NonConvexTerms,
    OrderBatchMessage,
    OrderMessage,
    PackageBidMessage,
    UsageReportMessage,
    digest,
    recover,
    recover_digest,
)
from flowmarket.signing.portfolio_order import ordered

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


def check_portfolio_order_with_engine(message: OrderMessage) -> None:
    """The clearing engine's own validation of a portfolio order, in the form the oracle
    clears it (named portfolios, `orders.published_order`)."""
    order = SignedOrder(
        "order", message.participant, 0, 0, 0, None, {}, [list(p) for p in message.curve], "",
        portfolios=[p.as_json() for p in ordered(message.portfolios or ())],
    )  # fmt: skip
    doc = orders_document([order], hour=0)
    try:
        expanded, _ = expand(doc)
        validate_book(parse_orders(expanded))
    except (InvalidOrder, InvalidInput) as exc:
        raise FieldError("order", str(exc)) from None


def _number_field(order: KindFields, name: str) -> float | None:
    value = getattr(order, name)
    if value is None:
        return None
    number = float(value)
    if not math.isfinite(number):
        raise FieldError(f"order.{name}", "must be finite")
    return number


class KindFields(Protocol):
    """What `check_terms` reads: the API's `OrderIn` and the web app's draft."""

    @property
    def kind(self) -> str: ...
    @property
    def quantity(self) -> float | None: ...
    @property
    def price(self) -> float | None: ...
    @property
    def min_quantity(self) -> float | None: ...
    @property
    def fixed_cost(self) -> float | None: ...


def check_terms(order: KindFields, curve: list[tuple[float, float]]) -> NonConvexTerms | None:
    """A non-convex order's terms (None for a curve order): each kind's own fields are
    required, every other one refused, naming the field (docs/nonconvex.md)."""
    own = {
        "curve": (),
        "all_or_nothing": ("quantity", "price"),
        "min_fill": ("min_quantity",),
        "startup": ("fixed_cost",),
    }[order.kind]
    values = {name: _number_field(order, name) for name in TERM_NAMES}
    for name, value in values.items():
        if value is None and name in own:
            raise FieldError(f"order.{name}", f"is required for kind {order.kind!r}")
        if value is not None and name not in own:
            raise FieldError(f"order.{name}", f"is not a field of kind {order.kind!r}")
    if order.kind == "curve":
        return None
    if order.kind == "all_or_nothing":
        if curve:
            raise FieldError(
                "order.curve", "an all_or_nothing order has no curve (quantity, price)"
            )
        if values["quantity"] == 0.0:
            raise FieldError("order.quantity", "must be non-zero (negative sells)")
    elif order.kind == "min_fill":
        if curve and curve[0][0] < 0.0 < curve[-1][0]:
            raise FieldError("order.curve", "a min_fill curve must only buy or only sell")
        extent = max((abs(q) for q, _ in curve), default=0.0)
        minimum = values["min_quantity"] or 0.0
        if not 0.0 < minimum <= extent:
            raise FieldError(
                "order.min_quantity", f"must be > 0 and at most the curve's extent {extent:g}"
            )
    elif (values["fixed_cost"] or 0.0) < 0.0:
        raise FieldError("order.fixed_cost", "must be ≥ 0")
    return NonConvexTerms(order.kind, **{k: v for k, v in values.items() if v is not None})


TERM_NAMES = ("quantity", "price", "min_quantity", "fixed_cost")


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


def check_portfolios(
    portfolios: list[PortfolioIn], *, known: set[str], limits: ApiLimits
) -> tuple[NamedPortfolio, ...]:
    """A portfolio order's named portfolios (docs/portfolios.md): at least one, names
    unique, weights finite and non-zero, every product known, in one portfolio only and
    with a finite non-zero weight, at most `max_portfolio_products` products in all."""
    if not portfolios:
        raise FieldError("order.portfolios", "must name at least one portfolio")
    total = sum(len(p.products) for p in portfolios)
    if total > limits.max_portfolio_products:
        raise FieldError(
            "order.portfolios",
            f"name {total} products in all; the limit is {limits.max_portfolio_products}",
        )
    seen: dict[str, int] = {}
    owner: dict[str, str] = {}
    out: list[NamedPortfolio] = []
    for k, portfolio in enumerate(portfolios):
        where = f"order.portfolios[{k}]"
        if portfolio.name in seen:
            raise FieldError(
                f"{where}.name",
                f"duplicate portfolio {portfolio.name!r} "
                f"(also order.portfolios[{seen[portfolio.name]}])",
            )
        seen[portfolio.name] = k
        weight = float(portfolio.weight)
        if not math.isfinite(weight) or weight == 0.0:
            raise FieldError(f"{where}.weight", "must be finite and non-zero")
        if not portfolio.products:
            raise FieldError(f"{where}.products", "must name at least one product")
        products: dict[str, float] = {}
        for name, raw in portfolio.products.items():
            if name not in known:
                raise FieldError(f"{where}.products.{name[:64]}", "unknown product")
            if name in owner:
                raise FieldError(
                    f"{where}.products.{name}",
                    f"product listed twice: already in portfolio {owner[name]!r}",
                )
            owner[name] = portfolio.name
            value = float(raw)
            if not math.isfinite(value) or value == 0.0:
                raise FieldError(f"{where}.products.{name}", "weight must be finite and non-zero")
            products[name] = value
        out.append(NamedPortfolio(portfolio.name, weight, products))
    return tuple(out)


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
    portfolios = None
    if order.portfolios is None:
        check_portfolio(portfolio, known=known, limits=limits)
    elif portfolio:
        raise FieldError("order.portfolio", "give either portfolio or portfolios, not both")
    elif order.kind != "curve":
        raise FieldError("order.kind", "an order over several portfolios is a curve (kind 'curve')")
    else:
        portfolios = check_portfolios(order.portfolios, known=known, limits=limits)
    terms = check_terms(order, curve)
    if terms is None or terms.kind != "all_or_nothing":
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
        terms=terms,
        portfolios=portfolios,
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
        terms=None if message.terms is None else message.terms.as_json(),
        portfolios=None
        if message.portfolios is None
        else [p.as_json() for p in ordered(message.portfolios)],
    )


def verify_order(
    request: SignedOrderIn, *, domain: Domain, known: set[str], limits: ApiLimits, now: float
) -> SignedOrder:
    """Check an order submission; return it with its id, or raise FieldError."""
    check_domain(request.chain_id, request.verifying_contract, domain=domain)
    message = check_order_fields(request.order, known=known, limits=limits, now=now)
    if message.portfolios is not None:
        check_portfolio_order_with_engine(message)
    elif message.terms is None:
        check_with_engine(message.portfolio, list(message.curve))
    else:
        try:
            validate_nonconvex_order(
                {
                    "id": "order",
                    "participant": message.participant,
                    "portfolio": message.portfolio,
                    **({"curve": [list(p) for p in message.curve]} if message.curve else {}),
                    **message.terms.as_json(),
                }
            )
        except InvalidOrder as exc:
            raise FieldError("order", str(exc)) from None
    order_hash = digest(domain, message)
    check_signer(domain, message, request.signature)
    return verified(message, order_hash, request.signature)


def verify_cancel(request: CancelIn, order_hash: str, *, domain: Domain) -> str:
    """Check a cancel's domain and signature; return the checksummed participant."""
    check_domain(request.chain_id, None, domain=domain)
    message = CancelMessage(to_checksum_address(request.participant), order_hash)
    check_signer(domain, message, request.signature)
    return message.participant
