"""A clock auction is data: products, supply, reserve prices, increments, rounds, groups.

Document (`flowmarket-clock-auction/1`; amounts are decimals in capacity tokens,
quantities in GB of the product, the way positions count them):

    {"format": "flowmarket-clock-auction/1",
     "name": "release-2027-q1",              # the auction's id (a-z, 0-9, '-')
     "seller": "0x…",                         # releases the capacity, receives payments
     "lot": 1,                                # quantity granularity, GB
     "tick": 0.01,                            # price granularity, tokens per GB
     "round_seconds": 600,                    # bidding window of a round
     "increment_bps": 1000,                   # each rising price goes up by 10 % ...
     "min_increment": 0.05,                   # ... and at least this much
     "products": [{"name": "fwd-m:eu-west:premium:2027-01:09:wd",
                   "group": "eu-west",        # products of a group are substitutes
                   "reserve": 2.0,            # first round's start price
                   "supply": 100,             # fixed, or [[price, GB], ...] rising
                   "points": 1}]}             # activity points per GB (default 1)

An increasing supply curve starts at the reserve price and never decreases. Every
price is a multiple of `tick` and every quantity a multiple of `lot`, so the rounds'
arithmetic is exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flowmarket.auctions import parsing
from flowmarket.auctions.steps import Steps
from flowmarket.errors import FieldError, NotFound
from flowmarket.money import BPS_DENOMINATOR

FORMAT = "flowmarket-clock-auction/1"
MAX_PRODUCTS = 256
MAX_ROUND_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class ClockProduct:
    """One product: its group, reserve (wei per GB), supply steps (wei, 10⁻¹⁸ GB) and
    activity points per GB."""

    name: str
    group: str
    reserve: int
    supply: Steps
    points: int


@dataclass(frozen=True)
class ClockSpec:
    """The auction's rules. lot: 10⁻¹⁸ GB; tick, min_increment: wei per GB."""

    name: str
    seller: str
    lot: int
    tick: int
    round_seconds: int
    increment_bps: int
    min_increment: int
    products: tuple[ClockProduct, ...]

    def product(self, name: str) -> ClockProduct:
        for product in self.products:
            if product.name == name:
                return product
        raise NotFound(f"product: {name!r} is not in this clock auction")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.products)

    def groups(self) -> dict[str, tuple[str, ...]]:
        """{group: its product names}, groups and products in spec order."""
        out: dict[str, list[str]] = {}
        for product in self.products:
            out.setdefault(product.group, []).append(product.name)
        return {g: tuple(names) for g, names in out.items()}

    def next_price(self, price: int) -> int:
        """The end price of a round that starts at `price`: up by `increment_bps` of it,
        rounded up to the tick, and by at least `min_increment`."""
        raw = -(-price * self.increment_bps // BPS_DENOMINATOR)
        step = max(self.min_increment, -(-raw // self.tick) * self.tick)
        return price + step


def parse_clock_spec(doc: Any) -> ClockSpec:
    """Read a clock auction document strictly; FieldError names the first bad field."""
    doc = parsing.mapping(doc, field="auction")
    parsing.keys(
        doc,
        field="",
        required={"format", "name", "seller", "lot", "tick", "round_seconds", "products"},
        optional={"increment_bps", "min_increment"},
    )
    if doc["format"] != FORMAT:
        raise FieldError("format", f"must be {FORMAT!r}, got {doc['format']!r}")
    lot = parsing.amount(doc["lot"], field="lot", positive=True)
    tick = parsing.amount(doc["tick"], field="tick", positive=True)
    increment_bps = parsing.integer(
        doc.get("increment_bps", 1000), field="increment_bps", low=1, high=BPS_DENOMINATOR
    )
    min_increment = parsing.amount(doc.get("min_increment", doc["tick"]), field="min_increment")
    parsing.multiple_of(min_increment, tick, field="min_increment", what="tick")
    items = parsing.sequence(doc["products"], field="products", min_items=1)
    if len(items) > MAX_PRODUCTS:
        raise FieldError("products", f"has {len(items)} products; the limit is {MAX_PRODUCTS}")
    products = tuple(_product(raw, f"products[{k}]", lot, tick) for k, raw in enumerate(items))
    parsing.unique_names([product.name for product in products], field="products")
    return ClockSpec(
        name=parsing.name(doc["name"], field="name"),
        seller=parsing.address(doc["seller"], field="seller"),
        lot=lot,
        tick=tick,
        round_seconds=parsing.integer(
            doc["round_seconds"], field="round_seconds", low=1, high=MAX_ROUND_SECONDS
        ),
        increment_bps=increment_bps,
        min_increment=max(min_increment, tick),
        products=products,
    )


def _product(raw: Any, field: str, lot: int, tick: int) -> ClockProduct:
    item: Mapping[str, Any] = parsing.mapping(raw, field=field)
    parsing.keys(
        item, field=field, required={"name", "group", "reserve", "supply"}, optional={"points"}
    )
    reserve = parsing.amount(item["reserve"], field=f"{field}.reserve")
    parsing.multiple_of(reserve, tick, field=f"{field}.reserve", what="tick")
    points = parsing.integer(item.get("points", 1), field=f"{field}.points", low=1, high=10**6)
    return ClockProduct(
        name=parsing.product_name(item["name"], field=f"{field}.name"),
        group=parsing.name(item["group"], field=f"{field}.group"),
        reserve=reserve,
        supply=_supply(item["supply"], f"{field}.supply", reserve, lot, tick),
        points=points,
    )


def _supply(raw: Any, field: str, reserve: int, lot: int, tick: int) -> Steps:
    if not isinstance(raw, list):
        quantity = parsing.amount(raw, field=field)
        return ((reserve, parsing.multiple_of(quantity, lot, field=field, what="lot")),)
    points = parsing.sequence(raw, field=field, min_items=1)
    out: list[tuple[int, int]] = []
    for k, point in enumerate(points):
        where = f"{field}[{k}]"
        pair = parsing.sequence(point, field=where, min_items=2)
        if len(pair) != 2:
            raise FieldError(where, "must be [price, quantity]")
        price = parsing.multiple_of(
            parsing.amount(pair[0], field=f"{where}[0]"), tick, field=f"{where}[0]", what="tick"
        )
        quantity = parsing.multiple_of(
            parsing.amount(pair[1], field=f"{where}[1]"), lot, field=f"{where}[1]", what="lot"
        )
        if k == 0 and price != reserve:
            raise FieldError(f"{where}[0]", "the supply curve must start at the reserve price")
        if out and price <= out[-1][0]:
            raise FieldError(f"{where}[0]", "prices must strictly increase")
        if out and quantity < out[-1][1]:
            raise FieldError(f"{where}[1]", "an increasing supply curve never decreases")
        out.append((price, quantity))
    return tuple(out)
