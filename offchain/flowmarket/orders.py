"""An order as its participant signed it, and the order set an hour publishes.

`SignedOrder` is the one definition of an order's fields: the API's intake returns one
once the signature checks out, storage reads standing orders back as them, and the
oracle and the API's read side build the published order set from them. The stored
row (`db.models.Order`) adds the intake's bookkeeping (receipts, cancellation) to
these columns; a test keeps the two in step.

The published order set of hour h (`OrderSetDoc`) is ORDERS.json (`clearing.OrdersDoc`)
whose orders also carry what a verifier needs to check each signature (nonce, validity
window, replaces, signature): anyone can re-clear it with `flowmarket clear` and check
every order was signed by its participant.

A portfolio order (docs/portfolios.md) carries `portfolios`, its named portfolios as
signed ([{"name", "weight", "products"}], `portfolio` empty); its published and engine
forms name them as the clear contract's named portfolios, one per portfolio of the order,
with id `<order id>:<name>` (`portfolio_id`), defined in the document's top-level
`"portfolios"`; the published order keeps the signed list as `signed_portfolios`.

A non-convex order (docs/nonconvex.md) carries `terms`, its kind and parameters as in
the `flowmarket clear` contract (`{"kind": "all_or_nothing", "quantity": 10, "price":
45}`); its published and engine forms are that contract's order (an all-or-nothing
order has no curve).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict, cast

from flowmarket.clearing.schema import NetworkDoc, OrderDoc
from flowmarket.order_limits import (
    Breach,
    OrderLimits,
    Part,
    limit_breach,
    parts_breach,
    portfolio_parts,
)
from flowmarket.signing.nonconvex_order import KIND_FIELDS, NonConvexTerms
from flowmarket.signing.typed_data import OrderMessage


@dataclass(frozen=True, slots=True)
class SignedOrder:
    """order_hash: the EIP-712 digest (the order's id); portfolio {product: weight};
    curve [[GB/h, tokens per GB], ...]; hours are hours since the Unix epoch; terms: a
    non-convex order's kind and parameters (`NonConvexTerms.as_json`), None for a curve;
    portfolios: a portfolio order's named portfolios (`NamedPortfolio.as_json`, by name),
    None for an order over one inline portfolio."""

    order_hash: str
    participant: str
    nonce: int
    from_hour: int
    until_hour: int
    replaces: str | None
    portfolio: dict[str, float]
    curve: list[list[float]]
    signature: str
    terms: dict[str, Any] | None = None
    portfolios: list[dict[str, Any]] | None = None

    @property
    def kind(self) -> str:
        return "curve" if self.terms is None else str(self.terms["kind"])

    def products(self) -> set[str]:
        """The products the order names (in its portfolio or its named portfolios)."""
        if self.portfolios is None:
            return set(self.portfolio)
        return {name for p in self.portfolios for name in p["products"]}


SIGNED_ORDER_FIELDS: tuple[str, ...] = SignedOrder.__slots__


class PublishedOrder(OrderDoc):
    """An order of the published set: the engine's fields (`id` = order_hash) and the
    signed ones. `signed_curve` is the curve as signed when the collateral rule cut it;
    `batch` the id of the batch the order was signed in (its signature is the batch's);
    an order an authorisation governs names `portfolios` and carries its signed
    portfolio as `signed_portfolio` (`authorisations`)."""

    nonce: int
    from_hour: int
    until_hour: int
    replaces: str | None
    signature: str
    signed_curve: NotRequired[list[list[float]]]
    batch: NotRequired[str]
    signed_portfolios: NotRequired[list[dict[str, Any]]]
    kind: NotRequired[str]
    quantity: NotRequired[float]
    price: NotRequired[float]
    min_quantity: NotRequired[float]
    fixed_cost: NotRequired[float]


class OrderSetDoc(TypedDict):
    """The published order set of `hour` (`hours/<h>.orders.json`, `GET /v1/hours/{h}/
    orders`); `collateral`: the collateral states and cuts that produced it, once the
    oracle has snapshotted the hour."""

    hour: int
    products: list[str]
    orders: list[PublishedOrder]
    collateral: NotRequired[dict[str, Any]]
    network: NotRequired[NetworkDoc]  # the hour's network, when it was cleared with one
    portfolios: NotRequired[dict[str, object]]  # named portfolios of the authorisations
    # {batch id: {"orders": struct hashes, "cancels": ids}} of the batches orders were
    # signed in (`PublishedOrder.batch`), so each signature is checkable
    batches: NotRequired[dict[str, dict[str, Any]]]
    nonconvex_rule: NotRequired[str]  # when it held non-convex orders (docs/nonconvex.md)
    authorisations: NotRequired[list[dict[str, object]]]  # standing at the close, as signed
    engine: NotRequired[int]  # the clearing engine the chain governed for it, when not 1


def portfolio_id(order_id: str, name: str) -> str:
    """The clear contract's id of a portfolio order's named portfolio `name`."""
    return f"{order_id}:{name}"


def named_portfolios(order: SignedOrder) -> dict[str, dict[str, Any]]:
    """A portfolio order's named portfolios in the clear contract's form, by id."""
    return {
        portfolio_id(order.order_hash, p["name"]): {
            "participant": order.participant,
            "products": dict(p["products"]),
        }
        for p in order.portfolios or ()
    }


def published_order(order: SignedOrder) -> PublishedOrder:
    entry: dict[str, Any] = {"id": order.order_hash, "participant": order.participant}
    if order.portfolios is None:
        entry["portfolio"] = order.portfolio
    else:
        entry["portfolios"] = {
            portfolio_id(order.order_hash, p["name"]): p["weight"] for p in order.portfolios
        }
        entry["signed_portfolios"] = order.portfolios
    entry |= {
        "curve": order.curve,
        "nonce": order.nonce,
        "from_hour": order.from_hour,
        "until_hour": order.until_hour,
        "replaces": order.replaces,
        "signature": order.signature,
    }
    if order.terms is not None:
        entry.update(order.terms)
        if order.terms["kind"] == "all_or_nothing":
            del entry["curve"]
    return cast(PublishedOrder, entry)


def order_message(order: SignedOrder) -> OrderMessage:
    """The message `order`'s participant signed (a batch's member, or an order alone)."""
    return OrderMessage(
        participant=order.participant,
        nonce=order.nonce,
        from_hour=order.from_hour,
        until_hour=order.until_hour,
        portfolio=order.portfolio,
        curve=tuple((float(q), float(p)) for q, p in order.curve),
        replaces=order.replaces,
        terms=None if order.terms is None else NonConvexTerms.from_json(order.terms),
    )


def risk_curve(curve: list[list[float]], terms: dict[str, Any] | None) -> list[list[float]]:
    """The points the order limits and the worst case read (`order_limits`: the largest
    |quantity| and |price|): the curve, or an all-or-nothing order's (0, p) and (q, p)."""
    if terms is None or terms["kind"] != "all_or_nothing":
        return curve
    return [[0.0, float(terms["price"])], [float(terms["quantity"]), float(terms["price"])]]


def risk_parts(order: SignedOrder) -> list[Part]:
    """The (portfolio, curve) pairs the order limits and the worst case read: the order's
    `risk_curve` on its portfolio, or a portfolio order's `portfolio_parts`."""
    if order.portfolios is None:
        return [(order.portfolio, risk_curve(order.curve, order.terms))]
    pairs = [(float(p["weight"]), dict(p["products"])) for p in order.portfolios]
    return portfolio_parts(pairs, order.curve)


def order_breach(order: SignedOrder, parts: Sequence[Part], limits: OrderLimits) -> Breach | None:
    """The first governed per-order limit the order breaks (`risk_parts` its parts)."""
    if order.portfolios is None:
        ((portfolio, points),) = parts
        return limit_breach(portfolio, points, limits)
    return parts_breach(parts, order.curve, limits)


def orders_document(orders: Sequence[SignedOrder], *, hour: int) -> OrderSetDoc:
    """The order set of `hour` for standing `orders`; products: the sorted union of
    their portfolios' products; `portfolios`: the named portfolios of portfolio orders."""
    document: OrderSetDoc = {
        "hour": hour,
        "products": sorted({name for order in orders for name in order.products()}),
        "orders": [published_order(order) for order in orders],
    }
    named = {k: v for order in orders for k, v in named_portfolios(order).items()}
    if named:
        document["portfolios"] = cast(dict[str, object], named)
    return document


def engine_order(order: OrderDoc) -> OrderDoc:
    """Only the fields the clearing engine reads (what the oracle journals and clears):
    a non-convex order's are its kind's (`flowmarket clear`'s contract)."""
    kind = cast(dict[str, Any], order).get("kind")
    if kind is None:
        side = "portfolios" if "portfolios" in order else "portfolio"
        return cast(
            OrderDoc,
            {
                "id": order["id"],
                "participant": order["participant"],
                side: cast(dict[str, Any], order)[side],
                "curve": order["curve"],
            },
        )
    keys = ("id", "participant", "portfolio", "kind", *KIND_FIELDS[kind])
    return cast(OrderDoc, {key: cast(dict[str, Any], order)[key] for key in keys})


def journaled_order(order: PublishedOrder, batch: str | None = None) -> OrderDoc:
    """What the oracle journals and clears of an order: the engine's fields and, for a
    curve order, what its participant signed (nonce, hours, replaces, signature, the
    batch it was signed in and a portfolio order's `signed_portfolios`), so the hour's
    fill leaves commit the signed order (`oracle.hour_commitment.fill_terms`,
    `chain.portfolio_fill`). The engine ignores the signed fields."""
    out = engine_order(order)
    if "kind" in out:
        return out
    raw = cast(dict[str, Any], out)
    for key in ("nonce", "from_hour", "until_hour", "replaces", "signature"):
        raw[key] = order[key]
    if "signed_portfolios" in order:  # a portfolio order: its fill leaf commits them
        raw["signed_portfolios"] = order["signed_portfolios"]
    if batch is not None:
        raw["batch"] = batch
    return out


def is_portfolio_order(order: OrderDoc) -> bool:
    """An order over named portfolios (a portfolio order, or one an authorisation governs)."""
    return "portfolios" in order


def is_nonconvex(order: OrderDoc) -> bool:
    return "kind" in order and cast(dict[str, Any], order)["kind"] != "curve"
