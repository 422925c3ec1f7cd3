"""The catalogue's network: links between regions, their hourly capacities and owners.

A catalogue specification may carry (`spec.parse_spec`):

    "network": {"owner": "0x…" (optional: the owner of links that name none),
                "links": [{"from": REGION, "to": REGION, "capacity": GB/h,
                           "cost": tokens per GB (default 0),
                           "daily": [24 factors, default all 1],
                           "owner": "0x…" (optional)}, …]}

Links are directed; there is one per ordered pair of regions at most. The capacity
of a link in delivery hour h is capacity × daily[h mod 24] (UTC hour of the day):
capacity that moves with the day (satellites pass, terrestrial peaks).

Which products a link connects (the choice, docs/network.md): the hourly products of
one delivery hour and type — the real-time product of that hour and the hourly
forwards for it alike (commodity TYPE@YYYY-MM-DDTHH) — at different regions.
Every (link, delivery hour) is one
link of the clearing, with id `FROM>TO@YYYY-MM-DDTHH`, carrying that hour's types;
monthly and annual forwards are on no network. Capacity is sold once: a clearing
offers a link what earlier clearings have not already used of it for that delivery
hour (`network_block`'s `used`), so the flows committed for an hour, forwards and
real-time together, never exceed its capacity.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flowmarket.catalogue.hours import format_hour, parse_hour
from flowmarket.catalogue.names import parse_name
from flowmarket.errors import FieldError

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_NETWORK_KEYS = {"owner", "links"}
_LINK_KEYS = {"from", "to", "capacity", "cost", "daily", "owner"}


@dataclass(frozen=True)
class CatalogueLink:
    """A directed link between two regions: capacity GB/h × daily[hour of day], cost
    tokens per GB, owner a 0x address (or None: the network's owner)."""

    source: str
    target: str
    capacity: float
    cost: float
    daily: tuple[float, ...]
    owner: str | None

    @property
    def name(self) -> str:
        return f"{self.source}>{self.target}"

    def capacity_at(self, hour: int) -> float:
        """GB/h in delivery hour `hour` (hours since the epoch)."""
        return self.capacity * self.daily[hour % 24]


@dataclass(frozen=True)
class CatalogueNetwork:
    links: tuple[CatalogueLink, ...]
    owner: str | None = None

    def owner_of(self, link: CatalogueLink) -> str | None:
        return link.owner or self.owner


def _number(raw: Any, field: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise FieldError(field, f"must be a finite number, got {raw!r}")
    if raw < 0:
        raise FieldError(field, f"must be ≥ 0, got {raw!r}")
    return float(raw)


def _owner(raw: Any, field: str) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not _ADDRESS.match(raw):
        raise FieldError(field, f"must be a 0x address (40 hex digits), got {raw!r}")
    return raw


def _daily(raw: Any, field: str) -> tuple[float, ...]:
    if raw is None:
        return (1.0,) * 24
    if not isinstance(raw, list) or len(raw) != 24:
        raise FieldError(field, "must be a list of 24 factors, one per UTC hour of the day")
    return tuple(_number(v, f"{field}[{k}]") for k, v in enumerate(raw))


def _link(raw: Any, field: str, regions: Sequence[str]) -> CatalogueLink:
    if not isinstance(raw, Mapping):
        raise FieldError(field, "must be an object")
    unknown = sorted(set(raw) - _LINK_KEYS)
    if unknown:
        raise FieldError(f"{field}.{unknown[0]}", f"unknown field (expected {sorted(_LINK_KEYS)})")
    ends = []
    for side in ("from", "to"):
        region = raw.get(side)
        if region not in regions:
            raise FieldError(f"{field}.{side}", f"unknown region {region!r}")
        ends.append(str(region))
    if ends[0] == ends[1]:
        raise FieldError(field, f"a link joins two different regions, got {ends[0]!r} twice")
    return CatalogueLink(
        source=ends[0],
        target=ends[1],
        capacity=_number(raw.get("capacity"), f"{field}.capacity"),
        cost=_number(raw.get("cost", 0.0), f"{field}.cost"),
        daily=_daily(raw.get("daily"), f"{field}.daily"),
        owner=_owner(raw.get("owner"), f"{field}.owner"),
    )


def parse_network(raw: Any, regions: Sequence[str]) -> CatalogueNetwork:
    """Validate a specification's "network"; `FieldError` names the field."""
    if not isinstance(raw, Mapping):
        raise FieldError("network", "must be an object with links")
    unknown = sorted(set(raw) - _NETWORK_KEYS)
    if unknown:
        raise FieldError(f"network.{unknown[0]}", "unknown field (expected links, owner)")
    links_raw = raw.get("links")
    if not isinstance(links_raw, list):
        raise FieldError("network.links", "must be a list of links")
    links = tuple(_link(item, f"network.links[{k}]", regions) for k, item in enumerate(links_raw))
    names = [link.name for link in links]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise FieldError("network.links", f"two links {duplicate!r}")
    return CatalogueNetwork(links=links, owner=_owner(raw.get("owner"), "network.owner"))


def network_document(network: CatalogueNetwork) -> dict[str, Any]:
    """The specification's "network" as JSON."""
    doc: dict[str, Any] = {
        "links": [
            {
                "from": link.source,
                "to": link.target,
                "capacity": link.capacity,
                "cost": link.cost,
                "daily": list(link.daily),
                **({"owner": link.owner} if link.owner else {}),
            }
            for link in network.links
        ]
    }
    if network.owner:
        doc["owner"] = network.owner
    return doc


def link_id(link: CatalogueLink, hour: int) -> str:
    """The clearing's id of `link` in delivery hour `hour`: FROM>TO@YYYY-MM-DDTHH."""
    return f"{link.name}@{format_hour(hour)}"


def network_block(
    network: CatalogueNetwork,
    products: Sequence[str],
    hours: Sequence[int],
    used: Mapping[str, float],
    owner: str | None = None,
) -> dict[str, Any]:
    """The clearing's "network" block (`clearing.network_document`).

    Locations: each real-time and hourly-forward product among `products`, at its
    region, commodity `TYPE@YYYY-MM-DDTHH`. Links: every catalogue link in every
    delivery hour of `hours` (the hours the catalogue lists hourly products for, so the
    block also records what is used of links no order touches this hour), with
    capacity max(0, capacity_at(hour) − used[id]) and the link's owner, else the
    network's, else `owner`.
    """
    locations: dict[str, dict[str, str]] = {}
    by_hour: dict[int, set[str]] = {hour: set() for hour in hours}
    for name in products:
        key = parse_name(name)
        if key.kind.is_hourly:
            commodity = f"{key.type}@{format_hour(key.start)}"
            locations[name] = {"node": key.region, "commodity": commodity}
            by_hour.setdefault(key.start, set()).add(commodity)
    links = []
    for hour in sorted(by_hour):
        for link in network.links:
            ident = link_id(link, hour)
            entry: dict[str, Any] = {
                "id": ident,
                "from": link.source,
                "to": link.target,
                "capacity": max(0.0, link.capacity_at(hour) - used.get(ident, 0.0)),
                "cost": link.cost,
                "commodities": sorted(by_hour[hour]),
            }
            paid = network.owner_of(link) or owner
            if paid:
                entry["owner"] = paid
            links.append(entry)
    return {"locations": locations, "links": links}


def used_after(
    network: CatalogueNetwork, block: Mapping[str, Any], flows: Mapping[str, float]
) -> dict[str, float]:
    """What is used of each link id after a clearing: what its block had used already
    (capacity_at(hour) − the capacity it offered) plus the clearing's flow on it."""
    by_name = {link.name: link for link in network.links}
    out: dict[str, float] = {}
    for entry in block.get("links", []):
        ident = str(entry["id"])
        name, _, stamp = ident.partition("@")
        link = by_name.get(name)
        if link is None:
            continue
        full = link.capacity_at(parse_hour(stamp))
        out[ident] = max(0.0, full - float(entry["capacity"])) + float(flows.get(ident, 0.0))
    return out
