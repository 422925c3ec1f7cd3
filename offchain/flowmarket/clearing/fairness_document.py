"""The fairness report of one cleared hour as a JSON document (`flowmarket fairness`).

From the hour's ORDERS.json (with its network block) and RESULT.json:

    {"welfare": W, "congestion_rent": R,
     "unconstrained_prices": {product: λ},
     "mechanisms": {"nodal" | "uniform": {"pof", "compensations", "undistributed",
                    "classes": {class: count}, "forced_cost", "lost_profit"}},
     "family": [{"theta", "delta", "pof"}, ...],
     "orders": {id: {"nodal": {"class", "compensation"},
                     "uniform": {"class", "compensation"}}}}

Mechanisms and classes: `fairness`. `nodal` settles at the clearing's nodal prices;
`uniform` at each commodity's unconstrained market price (the links ignored) plus
compensations; `family` is the virtual-node family λ + δ + θ(π − λ) on a grid of
θ ∈ {0, ½, 1} and shifts δ (tokens per GB, relative to the price scale).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from flowmarket.clearing.document import parse_orders
from flowmarket.clearing.fairness import (
    Fairness,
    OrderClass,
    evaluate,
    unconstrained_prices,
    virtual_node_prices,
)
from flowmarket.clearing.model import FloatArray, IntArray, OrderBook
from flowmarket.errors import InvalidInput

THETAS = (0.0, 0.5, 1.0)
SHIFTS = (-0.2, -0.1, -0.05, -0.02, 0.0, 0.02, 0.05, 0.1, 0.2)  # × the mean |λ|


def _commodities(orders_doc: Mapping[str, Any], book: OrderBook) -> IntArray:
    locations = orders_doc.get("network", {}).get("locations", {})
    names: dict[str, int] = {}
    out = np.full(book.n_products, -1, dtype=np.int64)
    for k, product in enumerate(book.products):
        if product in locations:
            out[k] = names.setdefault(str(locations[product]["commodity"]), len(names))
    return out


def _column(result: Mapping[str, Any], key: str, names: tuple[str, ...], field: str) -> FloatArray:
    table = result.get(key, {})
    try:
        values = [table[name] if field == "" else table[name][field] for name in names]
    except (KeyError, TypeError) as exc:
        raise InvalidInput(f"result.{key}: no entry for {exc}") from exc
    return np.asarray(values, dtype=np.float64)


def _summary(fair: Fairness) -> dict[str, Any]:
    forced = fair.classes == OrderClass.FORCED
    short = fair.classes == OrderClass.UNFAIRLY_REJECTED
    return {
        "pof": fair.pof,
        "compensations": fair.compensations,
        "undistributed": fair.undistributed,
        "forced_cost": float(np.sum(fair.compensation[forced])),
        "lost_profit": float(np.sum(fair.compensation[short])),
        "classes": {kind.name.lower(): fair.count(kind) for kind in OrderClass},
    }


def fairness_document(orders_doc: Mapping[str, Any], result: Mapping[str, Any]) -> dict[str, Any]:
    """The report (see the module docstring) of RESULT `result` for ORDERS `orders_doc`."""
    book = parse_orders(orders_doc)
    quantity = _column(result, "orders", book.order_ids, "quantity")
    nodal = _column(result, "prices", book.products, "")
    welfare = float(result["welfare"])
    uniform = unconstrained_prices(book, _commodities(orders_doc, book), nodal)
    at_nodes = evaluate(book, quantity, nodal, welfare)
    one_price = evaluate(book, quantity, uniform, welfare)
    scale = max(1.0, float(np.mean(np.abs(uniform))) if uniform.size else 1.0)
    family = [
        {
            "theta": theta,
            "delta": shift * scale,
            "pof": evaluate(
                book, quantity, virtual_node_prices(uniform, nodal, theta, shift * scale), welfare
            ).pof,
        }
        for theta in THETAS
        for shift in SHIFTS
    ]
    orders = {
        oid: {
            "nodal": {
                "class": OrderClass(int(at_nodes.classes[j])).name.lower(),
                "compensation": float(at_nodes.compensation[j]),
            },
            "uniform": {
                "class": OrderClass(int(one_price.classes[j])).name.lower(),
                "compensation": float(one_price.compensation[j]),
            },
        }
        for j, oid in enumerate(book.order_ids)
    }
    return {
        "welfare": welfare,
        "congestion_rent": float(result.get("congestion_rent", 0.0)),
        "unconstrained_prices": dict(zip(book.products, map(float, uniform), strict=True)),
        "mechanisms": {"nodal": _summary(at_nodes), "uniform": _summary(one_price)},
        "family": family,
        "orders": orders,
    }
