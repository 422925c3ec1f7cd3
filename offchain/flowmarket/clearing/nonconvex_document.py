"""Non-convex orders in the JSON contract of `flowmarket clear` (`nonconvex`).

An order with `"kind"` other than `"curve"` (the default) is non-convex:

    {"id", "participant", "portfolio", "kind": "all_or_nothing", "quantity": q, "price": p}
    {"id", "participant", "portfolio", "kind": "min_fill", "curve": [...], "min_quantity": m}
    {"id", "participant", "portfolio", "kind": "startup", "curve": [...], "fixed_cost": F}

q ≠ 0 (negative sells), p any finite price; a min_fill curve lies on one side of 0
(buys or sells only) and 0 < m ≤ its extent; F ≥ 0. Any other key of a non-convex
order is an error, except the signed fields a published order set carries (nonce,
from_hour, until_hour, replaces, signature), which the clearing ignores. The top-level
`"nonconvex_rule"` is `"no_loss"` (default) or `"model_a"`. RESULT.json gives each
non-convex order `"accepted"` next to its quantity;
the certificate adds `nonconvex_rule`, `paradoxically_rejected` (ids of rejected orders
that would gain at the prices), `lost_surplus` (id → tokens/h), `welfare_upper_bound`
(the convex relaxation's welfare), `optimality_gap` and `search_exact`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from flowmarket.clearing.document import (
    _curve,
    _number,
    _order_id,
    _prior_vector,
    parse_orders,
    parse_prior,
    result_document,
)
from flowmarket.clearing.model import ClearingResult, OrderBook, SolverOptions
from flowmarket.clearing.nonconvex import (
    KINDS,
    RULES,
    NonConvexOptions,
    NonConvexOrder,
    NonConvexResult,
    clear_nonconvex,
    curve_gap,
)
from flowmarket.clearing.schema import ResultDoc
from flowmarket.errors import InvalidInput, InvalidOrder

COMMON_KEYS = frozenset({"id", "participant", "portfolio", "kind"})
# What a published order set adds to each order so that its signature can be checked;
# the clearing ignores them (as it does for curve orders).
SIGNED_KEYS = frozenset({"nonce", "from_hour", "until_hour", "replaces", "signature"})
KIND_KEYS = {
    "all_or_nothing": frozenset({"quantity", "price"}),
    "min_fill": frozenset({"curve", "min_quantity"}),
    "startup": frozenset({"curve", "fixed_cost"}),
}


def has_nonconvex(doc: Mapping[str, Any]) -> bool:
    """Whether ORDERS.json uses the non-convex contract (a rule or an order's kind)."""
    if "nonconvex_rule" in doc:
        return True
    orders = doc.get("orders")
    if not isinstance(orders, Sequence) or isinstance(orders, str):
        return False
    return any(isinstance(o, Mapping) and "kind" in o for o in orders)


def parse_rule(doc: Mapping[str, Any]) -> str:
    rule = doc.get("nonconvex_rule", "no_loss")
    if rule not in RULES:
        raise InvalidInput(f"nonconvex_rule: expected one of {list(RULES)}, got {rule!r}")
    return str(rule)


def _curve_points(raw: Mapping[str, Any], where: str) -> tuple[np.ndarray, np.ndarray]:
    points = _curve(raw.get("curve"), where)
    if len(points) < 2:
        raise InvalidOrder(f"{where}: curve: needs at least 2 points")
    qty = np.array([p[0] for p in points])
    price = np.array([p[1] for p in points])
    if not np.all(np.diff(qty) > 0):
        raise InvalidOrder(f"{where}: curve: quantities must strictly increase from point to point")
    if not np.all(np.diff(price) < 0):
        raise InvalidOrder(f"{where}: curve: price must strictly decrease as quantity increases")
    if not qty[0] <= 0 <= qty[-1]:
        raise InvalidOrder(f"{where}: curve: its quantity range must contain 0")
    return qty, price


def _nonconvex_order(
    raw: Mapping[str, Any], where: str, index: Mapping[str, int]
) -> NonConvexOrder:
    kind = raw["kind"]
    if kind not in KINDS:
        raise InvalidOrder(f"{where}: kind: expected 'curve' or one of {list(KINDS)}, got {kind!r}")
    unknown = sorted(set(raw) - COMMON_KEYS - KIND_KEYS[kind] - SIGNED_KEYS)
    if unknown:
        raise InvalidOrder(f"{where}: unknown key {unknown[0]!r} for kind {kind!r}")
    missing = sorted(KIND_KEYS[kind] - set(raw))
    if missing:
        raise InvalidOrder(f"{where}: {missing[0]!r} is required for kind {kind!r}")
    who = raw.get("participant")
    if not isinstance(who, str) or not who:
        raise InvalidOrder(f"{where}: 'participant' must be a non-empty string")
    portfolio = raw.get("portfolio")
    if not isinstance(portfolio, Mapping) or not portfolio:
        raise InvalidOrder(f"{where}: portfolio: must be a non-empty object of weights")
    products, weights = [], []
    for name, weight in portfolio.items():
        if name not in index:
            raise InvalidOrder(f"{where}: portfolio: unknown product {name!r}")
        value = _number(weight, f"{where}: portfolio weight of {name!r}")
        if value == 0:
            raise InvalidOrder(f"{where}: portfolio weight of {name!r}: must be non-zero")
        products.append(index[name])
        weights.append(value)
    common = {
        "order_id": str(raw["id"]),
        "participant": who,
        "kind": kind,
        "products": np.asarray(products, dtype=np.int64),
        "weights": np.asarray(weights, dtype=np.float64),
    }
    if kind == "all_or_nothing":
        q = _number(raw["quantity"], f"{where}: quantity")
        if q == 0:
            raise InvalidOrder(f"{where}: quantity: must be non-zero (negative sells)")
        p = _number(raw["price"], f"{where}: price")
        qty = np.array([0.0, q]) if q > 0 else np.array([q, 0.0])
        return NonConvexOrder(**common, curve_qty=qty, curve_price=np.array([p, p]))
    qty, price = _curve_points(raw, where)
    if kind == "min_fill":
        if qty[0] < 0 < qty[-1]:
            raise InvalidOrder(f"{where}: curve: a min_fill curve must only buy or only sell")
        m = _number(raw["min_quantity"], f"{where}: min_quantity")
        extent = max(abs(qty[0]), abs(qty[-1]))
        if not 0 < m <= extent:
            raise InvalidOrder(
                f"{where}: min_quantity: must be > 0 and at most the curve's extent {extent:g}"
            )
        return NonConvexOrder(**common, curve_qty=qty, curve_price=price, min_quantity=m)
    fixed = _number(raw["fixed_cost"], f"{where}: fixed_cost")
    if fixed < 0:
        raise InvalidOrder(f"{where}: fixed_cost: must be ≥ 0")
    return NonConvexOrder(**common, curve_qty=qty, curve_price=price, fixed_cost=fixed)


def validate_nonconvex_order(raw: Mapping[str, Any]) -> None:
    """Check one non-convex order as `clear_mixed_document` would (InvalidOrder naming
    the field and reason): the API's intake refuses what the clearing would refuse."""
    portfolio = raw.get("portfolio")
    names = sorted(portfolio) if isinstance(portfolio, Mapping) else []
    _nonconvex_order(raw, f"order {raw.get('id')!r}", {name: k for k, name in enumerate(names)})


def _products(
    doc: Mapping[str, Any], orders: Sequence[Any], prior: Mapping[str, float]
) -> list[str]:
    if "products" in doc:
        return list(doc["products"]) if isinstance(doc["products"], list) else doc["products"]
    seen: set[str] = set(prior)
    for raw in orders:
        if isinstance(raw, Mapping) and isinstance(raw.get("portfolio"), Mapping):
            seen.update(str(k) for k in raw["portfolio"])
    return sorted(seen)


def clear_mixed_document(
    orders_doc: Mapping[str, Any],
    prior_doc: Mapping[str, Any] | None = None,
    options: SolverOptions | None = None,
    nonconvex_options: NonConvexOptions | None = None,
) -> ResultDoc:
    """Clear ORDERS.json with non-convex orders into RESULT.json (`nonconvex`)."""
    if "network" in orders_doc:
        raise InvalidInput("nonconvex_rule: non-convex orders cannot yet clear with a network")
    rule = parse_rule(orders_doc)
    prior = parse_prior(prior_doc)
    orders = orders_doc.get("orders")
    if not isinstance(orders, Sequence) or isinstance(orders, str):
        raise InvalidInput("orders: expected a list of orders")
    convex: list[Any] = []
    special: list[tuple[int, Mapping[str, Any]]] = []
    for j, raw in enumerate(orders):
        _order_id(raw, j)
        kind = raw.get("kind", "curve")
        if kind == "curve":
            convex.append({k: v for k, v in raw.items() if k != "kind"})
        else:
            special.append((j, raw))
    doc = {k: v for k, v in orders_doc.items() if k != "nonconvex_rule"}
    doc["orders"] = convex
    doc["products"] = _products(orders_doc, orders, prior)
    book = parse_orders(doc, prior)
    index = {name: k for k, name in enumerate(book.products)}
    seen = set(book.order_ids)
    nonconvex = []
    for _, raw in special:
        where = f"order {raw['id']!r}"
        if raw["id"] in seen:
            raise InvalidOrder(f"{where}: duplicate order id")
        seen.add(raw["id"])
        nonconvex.append(_nonconvex_order(raw, where, index))
    prior_vec = _prior_vector(book.products, prior)
    outcome = clear_nonconvex(book, nonconvex, prior_vec, rule, nonconvex_options, options)
    return _result(book, nonconvex, outcome, rule)


def _result(
    book: OrderBook, orders: list[NonConvexOrder], outcome: NonConvexResult, rule: str
) -> ResultDoc:
    best = outcome.best
    result = best.result
    aug_ids = list(book.order_ids)
    doc = result_document(_aug_view(book, result, orders), result)
    prices = best.prices
    order_docs = {oid: doc["orders"][oid] for oid in aug_ids}
    for j, o in enumerate(orders):
        order_docs[o.order_id] = {
            "quantity": float(best.quantity[j]),
            "accepted": j in best.accepted,
        }
    doc["orders"] = order_docs
    doc["prices"] = {name: float(v) for name, v in zip(book.products, prices, strict=True)}
    trades = result.participant_trades.tocsr()
    net = np.asarray(trades.sum(axis=0)).ravel()
    cash = -(trades @ prices)
    for p, name in enumerate(doc["participants"]):
        doc["participants"][name]["cash"] = float(cash[p])
    doc["welfare"] = float(best.welfare)
    cert = doc["certificate"]
    cert["max_order_gap"] = curve_gap(book, result, prices)
    cert["duality_gap"] = abs(float(np.dot(prices, net)))
    cert["nonconvex_rule"] = rule
    ids = [orders[j].order_id for j in sorted(outcome.paradoxically_rejected)]
    cert["paradoxically_rejected"] = ids
    cert["lost_surplus"] = {
        orders[j].order_id: float(s) for j, s in sorted(outcome.paradoxically_rejected.items())
    }
    cert["welfare_upper_bound"] = float(outcome.upper_bound)
    cert["optimality_gap"] = float(outcome.gap)
    cert["search_exact"] = outcome.exact
    if not math.isfinite(doc["welfare"]):
        raise InvalidInput("orders: the clearing's welfare is not a finite number")
    return doc


def _aug_view(book: OrderBook, result: ClearingResult, orders: list[NonConvexOrder]) -> OrderBook:
    """The augmented book's names for `result_document` (participants and order ids)."""
    n_extra = len(result.order_quantity) - book.n_orders
    names = list(book.participants)
    for o in orders:
        if o.participant not in names:
            names.append(o.participant)
    ids = tuple(book.order_ids) + tuple(f"\x00part{k}" for k in range(n_extra))
    return replace(
        book,
        participants=tuple(names),
        order_ids=ids,
    )
