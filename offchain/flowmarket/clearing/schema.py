"""The JSON documents at the engine boundary, as types: ORDERS.json, PRIOR.json, RESULT.json.

`flowmarket clear`, the oracle and anyone re-verifying a published hour exchange these
documents with the engine (`document.clear_document`). They are TypedDicts, not
classes, because they are the JSON itself: a document read from a file is checked by
`document.parse_orders` / `parse_prior` and then has exactly these keys.

Units: quantities GB/h (of an order's portfolio, or of a product), prices capacity
tokens per GB, cash capacity tokens (negative = pays), welfare capacity tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NotRequired, TypedDict


class OrderDoc(TypedDict):
    """One order: `portfolio` {product: weight}, `curve` [[quantity, price], ...] with
    quantity strictly increasing, price strictly decreasing, quantity range containing 0."""

    id: str
    participant: str
    portfolio: dict[str, float]
    curve: list[list[float]]


class LocationDoc(TypedDict):
    """Where a product is delivered: its node and what it is there (its commodity)."""

    node: str
    commodity: str


# A directed link: capacity GB/h ≥ 0, cost tokens per GB ≥ 0 (default 0), the
# `commodities` it carries (default every commodity located at both ends), the `owner`
# paid its rent and charges. Functional form: "from" is a Python keyword.
LinkDoc = TypedDict(
    "LinkDoc",
    {
        "id": str,
        "from": str,
        "to": str,
        "capacity": float,
        "cost": NotRequired[float],
        "commodities": NotRequired[list[str]],
        "owner": NotRequired[str],
    },
)


class NetworkDoc(TypedDict):
    """The network of one clearing (`network_document`, docs/network.md)."""

    locations: dict[str, LocationDoc]
    links: list[LinkDoc]


class OrdersDoc(TypedDict):
    """ORDERS.json. Without `products` the catalogue is every product the orders and
    the prior name, sorted; without `network` every product clears on its own.
    `hour`, `collateral` and `batches` are carried by published order sets for verifiers."""

    products: NotRequired[list[str]]
    orders: list[OrderDoc]
    portfolios: NotRequired[dict[str, object]]  # named portfolios (`portfolio_document`)
    network: NotRequired[NetworkDoc]
    hour: NotRequired[int]
    collateral: NotRequired[object]
    authorisations: NotRequired[list[dict[str, object]]]  # as signed (`authorisation_record`)
    # {batch id: {"orders": struct hashes, "cancels": ids}} (`orders.OrderSetDoc`)
    batches: NotRequired[dict[str, dict[str, Any]]]
    engine: NotRequired[int]  # the clearing engine's version, 1 when absent (`model.ENGINES`)


class PriorDoc(TypedDict):
    """PRIOR.json: the previous hour's prices, the tie-break towards which prices that
    are not unique are chosen (a product missing here has prior 0); with a network,
    the previous link prices too."""

    prices: dict[str, float]
    link_prices: NotRequired[dict[str, float]]


class OrderResult(TypedDict):
    quantity: float  # GB/h of the order's portfolio traded (signed like its curve)
    accepted: NotRequired[bool]  # non-convex orders only (`nonconvex`)


class PortfolioResult(TypedDict):
    """A named portfolio's hour (`portfolio_document`)."""

    quantity: float  # GB/h, the portfolio's rate (+ = buys its products)
    price: float  # tokens per GB of the portfolio: Σ weight × product price


class ProductResult(TypedDict):
    volume: float  # GB/h bought = GB/h sold
    slope: float  # d(price)/d(volume) at the clearing point


class ParticipantResult(TypedDict):
    trades: dict[str, float]  # product -> GB/h (+ = bought), zero trades left out
    cash: float  # capacity tokens, -Σ price · trade (negative = pays)


class LinkRowDoc(TypedDict):
    """A link's certificate row (`model.LinkCertificate`)."""

    excess: float  # GB/h over capacity
    idle: float  # μ·(capacity − flow), tokens/h
    price_gap: float  # tokens/GB
    flow_gap: float  # tokens/GB


class CertificateDoc(TypedDict):
    """How well the solution clears: residuals of market balance and of each order
    trading where its curve says, in GB/h; the duality gap in capacity tokens; with a
    network, the link rows and their maxima."""

    max_imbalance: float
    max_order_gap: float
    duality_gap: float
    projection_exact: bool  # False when the prices are clearing but maybe not the closest
    max_link_excess: NotRequired[float]
    max_link_idle: NotRequired[float]
    max_link_price_gap: NotRequired[float]
    max_link_flow_gap: NotRequired[float]
    links: NotRequired[dict[str, LinkRowDoc]]
    # with non-convex orders (`nonconvex_document`): the rule, the in-the-money rejected
    # orders and their lost surplus (tokens/h), the relaxation's welfare bound and the gap
    nonconvex_rule: NotRequired[str]
    paradoxically_rejected: NotRequired[list[str]]
    lost_surplus: NotRequired[dict[str, float]]
    welfare_upper_bound: NotRequired[float]
    optimality_gap: NotRequired[float]
    search_exact: NotRequired[bool]


class LinkResult(TypedDict):
    """One link's hour: GB/h, μ tokens per GB of capacity, rent and charge tokens/h."""

    capacity: float
    cost: float
    flow: float
    shadow_price: float
    rent: float
    charge: float
    owner: str | None


class OwnerPaid(TypedDict):
    rent: float  # tokens/h, Σ μ·capacity over the owner's links
    charge: float  # tokens/h, Σ cost·flow
    trades: dict[str, float]  # product -> GB/h: its flows, + where they leave, − where they enter


class ResultDoc(TypedDict):
    """RESULT.json: per product, order and participant; the committed roots derive
    from it (`oracle.hour_commitment.build_hour_bundle`)."""

    prices: dict[str, float]
    orders: dict[str, OrderResult]
    participants: dict[str, ParticipantResult]
    products: dict[str, ProductResult]
    welfare: float
    certificate: CertificateDoc
    flows: NotRequired[dict[str, dict[str, float]]]  # link -> commodity -> GB/h
    links: NotRequired[dict[str, LinkResult]]
    congestion_rent: NotRequired[float]
    transport_charge: NotRequired[float]
    owners: NotRequired[dict[str, OwnerPaid]]
    portfolios: NotRequired[dict[str, PortfolioResult]]  # with named portfolios
    # real-time imbalance settled in this hour: participant -> wei (decimal string),
    # summing to 0 (`money` rule 7; added by the oracle, not by the engine)
    imbalance: NotRequired[dict[str, str]]


# The clearing function the oracle runs (`document.clear_document`, or a test double).
ClearFn = Callable[[OrdersDoc, PriorDoc | None], ResultDoc]
