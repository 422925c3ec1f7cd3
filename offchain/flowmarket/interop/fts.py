"""The flow-trading reference implementation's auction files, as `flowmarket clear` input.

The reference (forward-market-design/flow-trading-service, MIT licence) publishes its
solver's test samples as JSON in two layouts; `convert` reads both and returns
ORDERS.json with named portfolios (`clearing.portfolio_document`):

- *Auction* (trivial_auction, basic_auction): `{"demand_curves": {curve: [{"rate",
  "price"}, ...]}, "portfolios": {portfolio: {"demand": curve | [curve, ...] | {curve:
  weight}, "basis": product | [product, ...] | {product: weight}}}}`. Every curve
  becomes an order over the portfolios that name it (with their weights: the
  reference's curve values the weighted sum of those portfolios' rates); every
  portfolio a named portfolio with its basis as products. The files have no
  participants: portfolios linked through a curve belong to one participant, named
  after its first portfolio (an order names only its own participant's portfolios).
- *Bidders* (pathological-01): `{bidder: {"portfolios": {portfolio: {product: weight}},
  "demand_curves": [{"group": portfolio | {portfolio: weight}, "points": [{"quantity",
  "price"}, ...]}]}}`. Every bidder is a participant; its portfolio p is named
  "bidder/p" and its k-th curve is order "bidder/k".

Points keep their order, rates and prices (GB/h and tokens per GB in flowmarket's
units). A curve of one point is read as flowmarket reads it: a fixed quantity, which
must be 0. Unknown keys are errors naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from flowmarket.errors import InvalidInput


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"{where}: expected a finite number, got {value!r}")
    return float(value)


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{where}: expected an object")
    return value


def _keys(value: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise InvalidInput(f"{where}: unknown key {unknown[0]!r}")


def _weights(value: Any, where: str) -> dict[str, float]:
    """A name, a list of names (weight 1 each) or an object of weights."""
    if isinstance(value, str):
        return {value: 1.0}
    if isinstance(value, Sequence):
        if not all(isinstance(v, str) for v in value):
            raise InvalidInput(f"{where}: expected names")
        return dict.fromkeys(value, 1.0)
    return {str(k): _number(v, f"{where}.{k}") for k, v in _object(value, where).items()}


def _points(value: Any, names: tuple[str, str], where: str) -> list[list[float]]:
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise InvalidInput(f"{where}: expected a non-empty list of points")
    out = []
    for k, point in enumerate(value):
        point = _object(point, f"{where}[{k}]")
        _keys(point, set(names), f"{where}[{k}]")
        out.append([_number(point.get(n), f"{where}[{k}].{n}") for n in names])
    return out


def _auction(doc: Mapping[str, Any]) -> dict[str, Any]:
    _keys(doc, {"demand_curves", "portfolios"}, "auction")
    curves = _object(doc.get("demand_curves"), "demand_curves")
    portfolios = _object(doc.get("portfolios"), "portfolios")
    demand: dict[str, dict[str, float]] = {}
    basis: dict[str, dict[str, float]] = {}
    for pid, raw in portfolios.items():
        raw = _object(raw, f"portfolios.{pid}")
        _keys(raw, {"demand", "basis"}, f"portfolios.{pid}")
        demand[pid] = _weights(raw.get("demand", {}), f"portfolios.{pid}.demand")
        basis[pid] = _weights(raw.get("basis", {}), f"portfolios.{pid}.basis")
        for cid in demand[pid]:
            if cid not in curves:
                raise InvalidInput(f"portfolios.{pid}.demand: unknown demand curve {cid!r}")
    parent = {pid: pid for pid in portfolios}

    def root(p: str) -> str:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    named_by: dict[str, dict[str, float]] = {cid: {} for cid in curves}
    for pid in portfolios:
        for cid, weight in demand[pid].items():
            named_by[cid][pid] = weight
    for members in named_by.values():
        first = next(iter(members), None)
        for pid in members:
            parent[root(pid)] = root(first) if first is not None else pid
    owner = {pid: root(pid) for pid in portfolios}
    orders = []
    for cid, raw in curves.items():
        if not named_by[cid]:
            continue  # no portfolio: the curve trades nothing
        who = owner[next(iter(named_by[cid]))]
        orders.append(
            {
                "id": cid,
                "participant": who,
                "portfolios": named_by[cid],
                "curve": _points(raw, ("rate", "price"), f"demand_curves.{cid}"),
            }
        )
    return {
        "portfolios": {
            pid: {"participant": owner[pid], "products": basis[pid]} for pid in portfolios
        },
        "orders": orders,
    }


def _bidders(doc: Mapping[str, Any]) -> dict[str, Any]:
    portfolios: dict[str, Any] = {}
    orders = []
    for bidder, raw in doc.items():
        raw = _object(raw, bidder)
        _keys(raw, {"portfolios", "demand_curves"}, bidder)
        for pid, products in _object(raw.get("portfolios"), f"{bidder}.portfolios").items():
            weights = _weights(products, f"{bidder}.portfolios.{pid}")
            portfolios[f"{bidder}/{pid}"] = {"participant": bidder, "products": weights}
        curves = raw.get("demand_curves")
        if isinstance(curves, str) or not isinstance(curves, Sequence):
            raise InvalidInput(f"{bidder}.demand_curves: expected a list")
        for k, curve in enumerate(curves):
            where = f"{bidder}.demand_curves[{k}]"
            curve = _object(curve, where)
            _keys(curve, {"group", "points"}, where)
            group = _weights(curve.get("group"), f"{where}.group")
            for pid in group:
                if f"{bidder}/{pid}" not in portfolios:
                    raise InvalidInput(f"{where}.group: unknown portfolio {pid!r}")
            orders.append(
                {
                    "id": f"{bidder}/{k}",
                    "participant": bidder,
                    "portfolios": {f"{bidder}/{p}": w for p, w in group.items()},
                    "curve": _points(curve.get("points"), ("quantity", "price"), f"{where}.points"),
                }
            )
    return {"portfolios": portfolios, "orders": orders}


def convert(doc: Any) -> dict[str, Any]:
    """ORDERS.json (named portfolios) of a reference auction file, either layout."""
    doc = _object(doc, "auction")
    if "demand_curves" in doc or "portfolios" in doc:
        return _auction(doc)
    return _bidders(doc)
