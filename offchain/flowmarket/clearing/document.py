"""The JSON contract of `flowmarket clear`: ORDERS.json / PRIOR.json in, RESULT.json out.

The documents' types are in `schema` (`OrdersDoc`, `PriorDoc`, `ResultDoc`). ORDERS.json:
{"products": [...] (optional catalogue), "orders": [{"id", "participant", "portfolio":
{product: weight}, "curve": [[quantity, price], ...]}], "network": {...} (optional,
`network_document`), "engine": N (optional, the clearing engine's version: 1 when
absent; docs/engine-versions.md)}; "hour", "collateral", "authorisations" and "batches",
which the published order sets carry for verifiers, are allowed and not used; any other
key is an error. PRIOR.json:
{"prices": {product: price}, "link_prices": {link: μ} (optional)}. Without a catalogue
the products are those named by the orders and the prior, sorted. A product missing
from the prior has prior price 0. The parsers take any decoded JSON and raise
`InvalidOrder` / `InvalidInput` naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from flowmarket.clearing.engine import check_engine, clear
from flowmarket.clearing.model import ClearingResult, FloatArray, OrderBook, SolverOptions
from flowmarket.clearing.network_document import (
    add_network_result,
    parse_link_prior,
    parse_network,
)
from flowmarket.clearing.portfolio_document import expand, has_named_portfolios, portfolio_results
from flowmarket.clearing.schema import ParticipantResult, ResultDoc
from flowmarket.errors import InvalidInput, InvalidOrder

ORDERS_KEYS = frozenset(
    {
        "products",
        "orders",
        "portfolios",
        "network",
        "hour",
        "collateral",
        "nonconvex_rule",
        "authorisations",
        "batches",
        "engine",
    }
)
PRIOR_KEYS = frozenset({"prices", "link_prices"})


def _known_keys(doc: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise InvalidInput(f"{where}: unknown key {unknown[0]!r}")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidOrder(f"{where}: expected a number, got {value!r}")
    try:
        out = float(value)
    except OverflowError:  # an integer beyond any float
        out = math.inf
    if not math.isfinite(out):
        raise InvalidOrder(f"{where}: must be a finite number, got {value!r}")
    return out


def _plain(value: Any) -> float | None:
    """A finite JSON number (int or float, not bool) as a float, without building an error
    message; None for anything else, which `_number` then checks and names. An hour parses
    millions of numbers, and the messages were most of the time."""
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is int:
        try:
            out = float(value)
        except OverflowError:
            return None
        return out
    return None


def _plain_curve(raw: Any, qty: list[float], price: list[float]) -> bool:
    """Append a curve of plain [quantity, price] lists of finite numbers to qty and price;
    False, with nothing appended, for anything else (`_curve` then checks and names it)."""
    if type(raw) is not list:
        return False
    start = len(qty)
    for point in raw:
        q = p = None
        if type(point) is list and len(point) == 2:
            q, p = _plain(point[0]), _plain(point[1])
        if q is None or p is None:
            del qty[start:], price[start:]
            return False
        qty.append(q)
        price.append(p)
    return True


def _order_id(raw: Any, index: int) -> str:
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise InvalidOrder(f"orders[{index}]: expected an object, got {type(raw).__name__}")
    order_id = raw.get("id")
    if not isinstance(order_id, str) or not order_id:
        raise InvalidOrder(f"orders[{index}]: 'id' must be a non-empty string")
    return order_id


def _curve(raw: Any, where: str) -> list[tuple[float, float]]:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise InvalidOrder(f"{where}: curve must be a list of [quantity, price] points")
    points = []
    for k, point in enumerate(raw):
        if not isinstance(point, Sequence) or isinstance(point, str) or len(point) != 2:
            raise InvalidOrder(f"{where}: curve point {k} must be [quantity, price]")
        points.append(
            (
                _number(point[0], f"{where}: curve point {k}"),
                _number(point[1], f"{where}: curve point {k}"),
            )
        )
    return points


def _catalogue(
    doc: Mapping[str, Any], orders: Sequence[Any], prior: Mapping[str, float]
) -> tuple[str, ...]:
    if "products" in doc:
        names = doc["products"]
        if (
            not isinstance(names, Sequence)
            or isinstance(names, str)
            or not all(isinstance(p, str) and p for p in names)
        ):
            raise InvalidInput("products: must be a list of non-empty product names")
        if len(set(names)) != len(names):
            raise InvalidInput("products: duplicate product name")
        return tuple(names)
    seen: set[str] = set(prior)
    for raw in orders:
        if isinstance(raw, Mapping) and isinstance(raw.get("portfolio"), Mapping):
            seen.update(str(k) for k in raw["portfolio"])
    return tuple(sorted(seen))


def parse_prior(prior_doc: Mapping[str, Any] | None) -> dict[str, float]:
    """Prior prices by product from PRIOR.json (empty without one)."""
    if prior_doc is None:
        return {}
    prices = prior_doc.get("prices") if isinstance(prior_doc, Mapping) else None
    if not isinstance(prices, Mapping):
        raise InvalidInput("prior: expected an object with a 'prices' object")
    _known_keys(prior_doc, PRIOR_KEYS, "prior")
    out: dict[str, float] = {}
    for name, value in prices.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise InvalidInput(f"prior: price of {name!r} must be a finite number")
        out[str(name)] = float(value)
    return out


def parse_orders(doc: Mapping[str, Any], prior: Mapping[str, float] | None = None) -> OrderBook:
    """Validate ORDERS.json into an `OrderBook`; `InvalidOrder` names the order and reason."""
    orders = doc.get("orders") if isinstance(doc, Mapping) else None
    if not isinstance(orders, Sequence) or isinstance(orders, str):
        raise InvalidInput("orders: expected a list of orders")
    _known_keys(doc, ORDERS_KEYS, "orders file")
    products = _catalogue(doc, orders, prior or {})
    index = {name: k for k, name in enumerate(products)}
    ids: list[str] = []
    participants: dict[str, int] = {}
    owner: list[int] = []
    rows: list[int] = []
    cols: list[int] = []
    weights: list[float] = []
    ptr: list[int] = [0]
    qty: list[float] = []
    price: list[float] = []
    for j, raw in enumerate(orders):
        order_id = _order_id(raw, j)
        who = raw.get("participant")
        if not isinstance(who, str) or not who:
            raise InvalidOrder(f"order {order_id!r}: 'participant' must be a non-empty string")
        portfolio = raw.get("portfolio")
        if (type(portfolio) is not dict and not isinstance(portfolio, Mapping)) or not portfolio:
            raise InvalidOrder(
                f"order {order_id!r}: portfolio: must be a non-empty object of weights"
            )
        for name, weight in portfolio.items():
            if name not in index:
                raise InvalidOrder(f"order {order_id!r}: portfolio: unknown product {name!r}")
            rows.append(index[name])
            cols.append(j)
            plain = _plain(weight)
            if plain is None:
                plain = _number(weight, f"order {order_id!r}: portfolio weight of {name!r}")
            weights.append(plain)
        if not _plain_curve(raw.get("curve"), qty, price):
            points = _curve(raw.get("curve"), f"order {order_id!r}")
            qty.extend(p[0] for p in points)
            price.extend(p[1] for p in points)
        ptr.append(len(qty))
        ids.append(order_id)
        owner.append(participants.setdefault(who, len(participants)))
    shape = (len(products), len(ids))
    return OrderBook(
        products=products,
        participants=tuple(participants),
        order_ids=tuple(ids),
        order_participant=np.asarray(owner, dtype=np.int64),
        portfolios=sp.csc_array((np.asarray(weights, dtype=np.float64), (rows, cols)), shape=shape),
        curve_ptr=np.asarray(ptr, dtype=np.int64),
        curve_qty=np.asarray(qty, dtype=np.float64),
        curve_price=np.asarray(price, dtype=np.float64),
    )


def order_set_engine(doc: Mapping[str, Any]) -> object:
    """The engine an order set names: its "engine", 1 when it names none (every order set
    from before engine versions, and every engine-1 order set since)."""
    return doc.get("engine", 1)


def naming_engine(doc: Mapping[str, Any], engine: int) -> dict[str, Any]:
    """`doc` naming `engine` (`order_set_engine`): its "engine" set, or dropped for 1."""
    out = {k: v for k, v in doc.items() if k != "engine"}
    if engine != 1:
        out["engine"] = engine
    return out


def _named_engine(orders_doc: Any, options: SolverOptions | None) -> SolverOptions | None:
    """`options` with the engine the document names (its "engine"), which wins: an order
    set records the engine it is cleared with."""
    if not isinstance(orders_doc, Mapping) or "engine" not in orders_doc:
        return options
    return replace(options or SolverOptions(), engine=check_engine(orders_doc["engine"]))


def _prior_vector(products: Sequence[str], prior: Mapping[str, float]) -> FloatArray:
    unknown = sorted(set(prior) - set(products))
    if unknown:
        raise InvalidInput(f"prior: unknown product {unknown[0]!r}")
    return np.array([prior.get(name, 0.0) for name in products], dtype=np.float64)


def result_document(book: OrderBook, result: ClearingResult) -> ResultDoc:
    """RESULT.json as plain JSON types."""
    products = book.products
    trades = result.participant_trades.tocsr()
    participants: dict[str, ParticipantResult] = {}
    for p, name in enumerate(book.participants):
        lo, hi = trades.indptr[p], trades.indptr[p + 1]
        row = {
            products[k]: float(v)
            for k, v in zip(trades.indices[lo:hi], trades.data[lo:hi], strict=True)
        }
        participants[name] = {"trades": row, "cash": float(result.cash[p])}
    cert = result.certificate
    return {
        "prices": {name: float(v) for name, v in zip(products, result.prices, strict=True)},
        "orders": {
            oid: {"quantity": float(q)}
            for oid, q in zip(book.order_ids, result.order_quantity, strict=True)
        },
        "participants": participants,
        "products": {
            name: {"volume": float(v), "slope": float(s)}
            for name, v, s in zip(products, result.volume, result.slope, strict=True)
        },
        "welfare": float(result.welfare),
        "certificate": {
            "max_imbalance": cert.max_imbalance,
            "max_order_gap": cert.max_order_gap,
            "duality_gap": cert.duality_gap,
            "projection_exact": cert.projection_exact,
        },
    }


def clear_document(
    orders_doc: Mapping[str, Any],
    prior_doc: Mapping[str, Any] | None = None,
    options: SolverOptions | None = None,
) -> ResultDoc:
    """Clear ORDERS.json (and PRIOR.json), decoded JSON or `OrdersDoc` / `PriorDoc`,
    into RESULT.json. An `schema.ClearFn`. A book with non-convex orders (an order's
    "kind", or "nonconvex_rule") clears through `nonconvex_document`."""
    # Imported here: nonconvex_document builds on this module's parsers.
    from flowmarket.clearing import nonconvex_document

    options = _named_engine(orders_doc, options)
    if isinstance(orders_doc, Mapping) and has_named_portfolios(orders_doc):
        if "network" in orders_doc:
            raise InvalidInput("portfolios: named portfolios clear without a network")
        expanded, _ = expand(orders_doc)
        out_doc = clear_document(expanded, prior_doc, options)
        portfolio_results(orders_doc, out_doc)
        return out_doc
    if isinstance(orders_doc, Mapping) and nonconvex_document.has_nonconvex(orders_doc):
        return nonconvex_document.clear_mixed_document(orders_doc, prior_doc, options)
    prior = parse_prior(prior_doc)
    book = parse_orders(orders_doc, prior)
    if "network" not in orders_doc:
        return result_document(book, clear(book, _prior_vector(book.products, prior), options))
    network, labels = parse_network(orders_doc["network"], book.products)
    result = clear(
        book,
        _prior_vector(book.products, prior),
        options,
        network=network,
        link_prior=parse_link_prior(prior_doc, network),
    )
    out = result_document(book, result)
    if result.network is not None:
        add_network_result(out, network, labels, result.network, book.products)
    return out
