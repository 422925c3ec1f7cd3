"""Named portfolios, curves over several of them, and their limits in the clear JSON.

ORDERS.json may name portfolios at the top level,

    "portfolios": {id: {"participant": p, "products": {product: weight},
                        "limits": {"min_rate", "max_rate", "min_position",
                                   "max_position", "position"}}}   (limits optional)

and an order may then say `"portfolios": {id: weight}` instead of an inline
`"portfolio"`: its curve values the weighted sum of the rates of the portfolios it
names, and its quantity range bounds that sum ("up to 1 GB/h of east and west
together" is one curve over two portfolios). An order names only its own
participant's portfolios. RESULT.json then has `"portfolios": {id: {"quantity": rate,
"price": Σ weight × product price}}`.

The engine sees the same problem in its own form (`OrderBook`): every order over
named portfolios trades a *virtual product* of its own (its curve on weight 1), and
every named portfolio is an order of its participant with a flat curve at price 0
(`flat`): it buys its products and sells, to each order naming it, that order's
weight of virtual product. Balance of an order's virtual product says exactly that
the order's quantity is the weighted sum of its portfolios' rates; a portfolio
trades only where its products cost what its orders value it at. A portfolio's rate
stays within:

- each of its orders' quantity ranges divided by that order's weight (a portfolio
  named by "up to 1 of east and west together" trades between 0 and 1 on its own,
  it is not sold to buy more of the other one);
- its limits, enforced exactly: `min_rate` ≤ rate ≤ `max_rate` (this clearing) and
  `min_position` ≤ position + rate ≤ `max_position` (the cumulative total, `position`
  the total so far, default 0). A limit never forces a trade: where a position is
  already beyond a limit, the rate may be 0 (and move it back), not more beyond it.

A portfolio no order names does not trade. Virtual products and the portfolios'
internal orders do not appear in RESULT.json; each participant's trades and cash
are over the real products. Prices of virtual products start from prior 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from flowmarket.clearing.schema import PortfolioResult, ResultDoc
from flowmarket.errors import InvalidInput, InvalidOrder

PORTFOLIO_KEYS = frozenset({"participant", "products", "limits"})
LIMIT_KEYS = frozenset({"min_rate", "max_rate", "min_position", "max_position", "position"})
# an order's engine fields, and those a published order set adds for verifiers (what
# was signed: `orders.PublishedOrder`), which the clearing does not read
ORDER_KEYS = frozenset({"id", "participant", "portfolio", "portfolios", "curve"}) | frozenset(
    {"nonce", "from_hour", "until_hour", "replaces", "signature", "signed_curve",
     "signed_portfolio", "signed_portfolios", "batch"}
)  # fmt: skip
# A portfolio named by an order over it alone is bounded by that order's curve; its own
# bound is kept this many times looser (as a network's flow columns, `network`), so
# the two never bind together (which would leave the tie rule's problem degenerate).
ALONE_BOUND = 2.0
VIRTUAL = "\x00order:"  # prefix of the virtual products (no catalogue name starts so)
INTERNAL = "\x00portfolio:"  # prefix of the portfolios' internal order ids


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{where}: expected a number, got {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise InvalidInput(f"{where}: must be a finite number, got {value!r}")
    return out


def _weights(raw: Any, where: str) -> dict[str, float]:
    if not isinstance(raw, Mapping) or not raw:
        raise InvalidInput(f"{where}: must be a non-empty object of weights")
    out = {}
    for name, weight in raw.items():
        value = _number(weight, f"{where}: weight of {name!r}")
        if value == 0:
            raise InvalidInput(f"{where}: weight of {name!r} must be non-zero")
        out[str(name)] = value
    return out


def _limits(raw: Any, where: str) -> tuple[float, float]:
    """(lowest, highest) rate the limits allow, an interval containing 0."""
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"{where}: must be an object")
    unknown = sorted(set(raw) - LIMIT_KEYS)
    if unknown:
        raise InvalidInput(f"{where}: unknown key {unknown[0]!r}")
    value = {k: _number(v, f"{where}.{k}") for k, v in raw.items()}
    lo = value.get("min_rate", -math.inf)
    hi = value.get("max_rate", math.inf)
    if lo > 0 or hi < 0:
        raise InvalidInput(f"{where}: min_rate ≤ 0 ≤ max_rate (a limit never forces a trade)")
    position = value.get("position", 0.0)
    if value.get("min_position", -math.inf) > value.get("max_position", math.inf):
        raise InvalidInput(f"{where}: min_position must not exceed max_position")
    lo = max(lo, value.get("min_position", -math.inf) - position)
    hi = min(hi, value.get("max_position", math.inf) - position)
    return min(lo, 0.0), max(hi, 0.0)


def has_named_portfolios(doc: Mapping[str, Any]) -> bool:
    return "portfolios" in doc


def expand(doc: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """ORDERS.json with named portfolios → (the same in the engine's form, virtual
    product of each order over named portfolios). Raises naming the field."""
    named = doc["portfolios"]
    if not isinstance(named, Mapping):
        raise InvalidInput("portfolios: must be an object of portfolios by id")
    orders = doc.get("orders")
    if not isinstance(orders, Sequence) or isinstance(orders, str):
        raise InvalidInput("orders: expected a list of orders")
    owner: dict[str, str] = {}
    products: dict[str, dict[str, float]] = {}
    bounds: dict[str, tuple[float, float]] = {}
    for pid, raw in named.items():
        where = f"portfolios[{pid!r}]"
        if not isinstance(pid, str) or not pid:
            raise InvalidInput("portfolios: ids must be non-empty strings")
        if not isinstance(raw, Mapping):
            raise InvalidInput(f"{where}: must be an object")
        unknown = sorted(set(raw) - PORTFOLIO_KEYS)
        if unknown:
            raise InvalidInput(f"{where}: unknown key {unknown[0]!r}")
        who = raw.get("participant")
        if not isinstance(who, str) or not who:
            raise InvalidInput(f"{where}.participant: must be a non-empty string")
        owner[pid] = who
        products[pid] = _weights(raw.get("products"), f"{where}.products")
        bounds[pid] = _limits(raw.get("limits", {}), f"{where}.limits")
    out_orders: list[Any] = []
    virtual: dict[str, str] = {}
    extra: dict[str, dict[str, float]] = {pid: dict(w) for pid, w in products.items()}
    named_by: dict[str, int] = dict.fromkeys(named, 0)
    alone: dict[str, tuple[float, float]] = {}  # bounds from an order naming only it
    for j, raw in enumerate(orders):
        if not isinstance(raw, Mapping):
            raise InvalidOrder(f"orders[{j}]: expected an object, got {type(raw).__name__}")
        oid = raw.get("id")
        where = f"order {oid!r}"
        if "kind" in raw and "portfolios" not in raw:  # a non-convex order over an inline
            out_orders.append(raw)  # portfolio: its parser checks its kind's keys
            continue
        unknown = sorted(set(raw) - ORDER_KEYS)
        if unknown:
            raise InvalidOrder(f"{where}: unknown key {unknown[0]!r}")
        if "portfolios" not in raw:
            out_orders.append(raw)
            continue
        if "portfolio" in raw:
            raise InvalidOrder(f"{where}: give either 'portfolio' or 'portfolios', not both")
        if not isinstance(oid, str) or not oid:
            raise InvalidOrder(f"orders[{j}]: 'id' must be a non-empty string")
        names = raw["portfolios"]
        if not isinstance(names, Mapping) or not names:
            raise InvalidOrder(f"{where}: portfolios: must be a non-empty object of weights")
        curve = raw.get("curve")
        quantities = _curve_range(curve, where)
        v = VIRTUAL + oid
        virtual[oid] = v
        for pid, weight in names.items():
            if pid not in named:
                raise InvalidOrder(f"{where}: portfolios: unknown portfolio {pid!r}")
            if owner[pid] != raw.get("participant"):
                raise InvalidOrder(
                    f"{where}: portfolios: {pid!r} belongs to {owner[pid]!r}, not to the order's"
                    " participant"
                )
            a = _number(weight, f"{where}: portfolios: weight of {pid!r}")
            if a == 0:
                raise InvalidOrder(f"{where}: portfolios: weight of {pid!r} must be non-zero")
            extra[pid][v] = -a
            ends = sorted((quantities[0] / a, quantities[1] / a))
            if len(names) == 1:
                lo, hi = alone.get(pid, (-math.inf, math.inf))
                alone[pid] = (max(lo, ends[0]), min(hi, ends[1]))
            else:
                lo, hi = bounds[pid]
                bounds[pid] = (max(lo, ends[0]), min(hi, ends[1]))
            named_by[pid] += 1
        out_orders.append(
            {
                "id": oid,
                "participant": raw.get("participant"),
                "portfolio": {v: 1.0},
                "curve": curve,
            }
        )
    for pid in named:
        if named_by[pid] == 0:
            continue
        lo, hi = bounds[pid]
        if pid in alone:  # its curve bounds it already: a loose bound, never reached
            lo = max(lo, ALONE_BOUND * alone[pid][0])
            hi = min(hi, ALONE_BOUND * alone[pid][1])
        # lo ≤ 0 ≤ hi: the curves' ranges and the limits all contain 0
        curve = [[0.0, 0.0]] if lo == hi == 0 else [[lo, 0.0], [hi, 0.0]]
        out_orders.append(
            {"id": INTERNAL + pid, "participant": owner[pid], "portfolio": extra[pid],
             "curve": curve}
        )  # fmt: skip
    out = {k: v for k, v in doc.items() if k != "portfolios"}
    out["orders"] = out_orders
    if "products" in doc:
        catalogue = doc["products"]
        if isinstance(catalogue, Sequence) and not isinstance(catalogue, str):
            out["products"] = [*catalogue, *virtual.values()]
    return out, virtual


def _curve_range(curve: Any, where: str) -> tuple[float, float]:
    """(first, last) quantity of a curve, for the portfolios' own bounds (the curve
    itself is checked by the order parser)."""
    if (
        not isinstance(curve, Sequence)
        or isinstance(curve, str)
        or not curve
        or not all(
            isinstance(p, Sequence) and not isinstance(p, str) and len(p) == 2 for p in curve
        )
    ):
        raise InvalidOrder(f"{where}: curve must be a list of [quantity, price] points")
    first = _number(curve[0][0], f"{where}: curve point 0")
    last = _number(curve[-1][0], f"{where}: curve point {len(curve) - 1}")
    return first, last


def portfolio_results(doc: Mapping[str, Any], result: ResultDoc) -> None:
    """Turn RESULT.json of the expanded book into that of the named portfolios, in place:
    the virtual products and internal orders leave, "portfolios" comes in."""
    named = doc["portfolios"]
    quantities = {k: v["quantity"] for k, v in result["orders"].items()}
    prices = {k: v for k, v in result["prices"].items() if not k.startswith(VIRTUAL)}
    result["prices"] = prices
    result["products"] = {k: v for k, v in result["products"].items() if not k.startswith(VIRTUAL)}
    result["orders"] = {k: v for k, v in result["orders"].items() if not k.startswith(INTERNAL)}
    for part in result["participants"].values():
        trades = {k: v for k, v in part["trades"].items() if not k.startswith(VIRTUAL)}
        part["trades"] = trades
        part["cash"] = -sum(prices[k] * v for k, v in trades.items())
    out: dict[str, PortfolioResult] = {}
    for pid, raw in named.items():
        weights = raw["products"]
        price = sum(float(w) * prices.get(k, 0.0) for k, w in weights.items())
        out[pid] = {"quantity": quantities.get(INTERNAL + pid, 0.0), "price": price}
    result["portfolios"] = out
