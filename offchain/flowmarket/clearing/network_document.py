"""The "network" block of ORDERS.json and the network keys of RESULT.json.

ORDERS.json may carry (missing: no network, every product clears on its own):

    "network": {
      "locations": {PRODUCT: {"node": NODE, "commodity": COMMODITY}, ...},
      "links": [{"id": ID, "from": NODE, "to": NODE, "capacity": GB/h,
                 "cost": tokens per GB (default 0),
                 "commodities": [COMMODITY, ...] (default: every commodity located
                                                   at both ends),
                 "owner": WHO (default none: paid to nobody in RESULT.json)}, ...]
    }

A product without a location is not on the network. The nodes are those the
locations name. A link carries a commodity only if the commodity has a product
at both of its ends. PRIOR.json may carry "link_prices": {ID: μ}.

RESULT.json then has "flows": {ID: {COMMODITY: GB/h}} (every carried commodity),
"links": {ID: {"capacity", "flow", "shadow_price", "rent", "charge", "owner"}},
"congestion_rent" (Σ rent), "transport_charge" (Σ charge), "owners": {WHO:
{"rent", "charge", "trades": {PRODUCT: GB/h}}} (what each owner is paid, tokens/h,
and its flows as trades: bought where they leave, sold where they arrive, which is
how the hour's money pays it, `money.hour_amounts`), and the certificate's
link rows (`add_network_result`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from flowmarket.clearing.model import FloatArray, NetworkOutcome
from flowmarket.clearing.network import Network
from flowmarket.clearing.schema import LinkResult, LinkRowDoc, OwnerPaid, ResultDoc
from flowmarket.errors import InvalidInput

NETWORK_KEYS = frozenset({"locations", "links"})
LOCATION_KEYS = frozenset({"node", "commodity"})
LINK_KEYS = frozenset({"id", "from", "to", "capacity", "cost", "commodities", "owner"})


@dataclass(frozen=True)
class NetworkLabels:
    """Names the engine does not need: commodity of each flow (F,), owner of each link (L,)."""

    flow_commodity: tuple[str, ...]
    owners: tuple[str | None, ...]


def _object(value: Any, where: str, allowed: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{where}: expected an object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise InvalidInput(f"{where}: unknown key {unknown[0]!r}")
    return value


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{where}: must be a non-empty string")
    return value


def _amount(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"{where}: must be a finite number")
    if value < 0:
        raise InvalidInput(f"{where}: must be ≥ 0, got {value!r}")
    return float(value)


def _locations(raw: Any, index: Mapping[str, int]) -> dict[tuple[str, str], int]:
    """(node, commodity) → product index."""
    where = "network.locations"
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"{where}: expected an object of product locations")
    placed: dict[tuple[str, str], int] = {}
    for product, location in raw.items():
        if product not in index:
            raise InvalidInput(f"{where}: unknown product {product!r}")
        entry = _object(location, f"{where}[{product!r}]", LOCATION_KEYS)
        key = (
            _name(entry.get("node"), f"{where}[{product!r}].node"),
            _name(entry.get("commodity"), f"{where}[{product!r}].commodity"),
        )
        if key in placed:
            raise InvalidInput(
                f"{where}[{product!r}]: commodity {key[1]!r} at node {key[0]!r} is already "
                "another product"
            )
        placed[key] = index[product]
    return placed


def _link_commodities(entry: Mapping[str, Any], where: str, known: set[str]) -> list[str] | None:
    if "commodities" not in entry:
        return None
    raw = entry["commodities"]
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise InvalidInput(f"{where}.commodities: expected a list of commodity names")
    names = [_name(c, f"{where}.commodities") for c in raw]
    for name in names:
        if name not in known:
            raise InvalidInput(f"{where}.commodities: unknown commodity {name!r}")
    return sorted(set(names))


def parse_network(raw: Any, products: Sequence[str]) -> tuple[Network, NetworkLabels]:
    """Validate the "network" block against the catalogue `products`."""
    block = _object(raw, "network", NETWORK_KEYS)
    placed = _locations(block.get("locations", {}), {p: k for k, p in enumerate(products)})
    nodes = {node for node, _ in placed}
    commodities = {commodity for _, commodity in placed}
    links = block.get("links", [])
    if not isinstance(links, Sequence) or isinstance(links, str):
        raise InvalidInput("network.links: expected a list of links")
    ids: list[str] = []
    capacity: list[float] = []
    cost: list[float] = []
    owners: list[str | None] = []
    flow_link: list[int] = []
    flow_from: list[int] = []
    flow_to: list[int] = []
    flow_commodity: list[str] = []
    for k, item in enumerate(links):
        where = f"network.links[{k}]"
        entry = _object(item, where, LINK_KEYS)
        link_id = _name(entry.get("id"), f"{where}.id")
        if link_id in ids:
            raise InvalidInput(f"{where}.id: duplicate link id {link_id!r}")
        ends = []
        for side in ("from", "to"):
            node = _name(entry.get(side), f"{where}.{side}")
            if node not in nodes:
                raise InvalidInput(f"{where}.{side}: unknown node {node!r}")
            ends.append(node)
        if ends[0] == ends[1]:
            raise InvalidInput(f"{where}: 'from' and 'to' are the same node {ends[0]!r}")
        ids.append(link_id)
        capacity.append(_amount(entry.get("capacity"), f"{where}.capacity"))
        cost.append(_amount(entry.get("cost", 0.0), f"{where}.cost"))
        owner = entry.get("owner")
        owners.append(None if owner is None else _name(owner, f"{where}.owner"))
        chosen = _link_commodities(entry, where, commodities)
        for commodity in sorted(commodities) if chosen is None else chosen:
            a, b = placed.get((ends[0], commodity)), placed.get((ends[1], commodity))
            if a is not None and b is not None:
                flow_link.append(k)
                flow_from.append(a)
                flow_to.append(b)
                flow_commodity.append(commodity)
    network = Network(
        link_ids=tuple(ids),
        capacity=np.asarray(capacity, dtype=np.float64),
        cost=np.asarray(cost, dtype=np.float64),
        flow_link=np.asarray(flow_link, dtype=np.int64),
        flow_from=np.asarray(flow_from, dtype=np.int64),
        flow_to=np.asarray(flow_to, dtype=np.int64),
    )
    return network, NetworkLabels(tuple(flow_commodity), tuple(owners))


def parse_link_prior(prior_doc: Mapping[str, Any] | None, network: Network) -> FloatArray:
    """(L,) link prices from PRIOR.json's "link_prices" (0 where missing)."""
    raw = {} if prior_doc is None else prior_doc.get("link_prices", {})
    if not isinstance(raw, Mapping):
        raise InvalidInput("prior.link_prices: expected an object of link prices")
    index = {link: k for k, link in enumerate(network.link_ids)}
    out = np.zeros(network.n_links)
    for link, value in raw.items():
        if link not in index:
            raise InvalidInput(f"prior.link_prices: unknown link {link!r}")
        out[index[link]] = _amount(value, f"prior.link_prices[{link!r}]")
    return out


def _owner_trades(
    network: Network, labels: NetworkLabels, outcome: NetworkOutcome, products: Sequence[str]
) -> dict[str, dict[str, float]]:
    """{owner: {product: GB/h}}: each flow as its link owner's trades, bought at the
    product it leaves and sold at the one it enters, so the owner's cash, −Σ price ×
    trade, is Σ flow × (price_to − price_from) = rent + charge, and every product's
    trades, the participants' and the owners', sum to zero."""
    out: dict[str, dict[str, float]] = {}
    for j, value in enumerate(outcome.flows):
        owner = labels.owners[int(network.flow_link[j])]
        if owner is None or value == 0.0:
            continue
        trades = out.setdefault(owner, {})
        for product, sign in ((network.flow_from[j], 1.0), (network.flow_to[j], -1.0)):
            name = products[int(product)]
            trades[name] = trades.get(name, 0.0) + sign * float(value)
    return out


def add_network_result(
    doc: ResultDoc,
    network: Network,
    labels: NetworkLabels,
    outcome: NetworkOutcome,
    products: Sequence[str],
) -> None:
    """Add the network's keys to RESULT.json `doc` (plain JSON types).

    Certificate: max_link_excess, max_link_idle, max_link_price_gap,
    max_link_flow_gap (see `LinkCertificate`) and "links": {ID: {"excess", "idle",
    "price_gap", "flow_gap"}}.
    """
    flows: dict[str, dict[str, float]] = {link: {} for link in network.link_ids}
    for j, value in enumerate(outcome.flows):
        flows[network.link_ids[int(network.flow_link[j])]][labels.flow_commodity[j]] = float(value)
    links: dict[str, LinkResult] = {}
    owners: dict[str, OwnerPaid] = {}
    cert = outcome.certificate
    rows: dict[str, LinkRowDoc] = {}
    for k, link in enumerate(network.link_ids):
        owner = labels.owners[k]
        links[link] = {
            "capacity": float(network.capacity[k]),
            "cost": float(network.cost[k]),
            "flow": float(outcome.link_flow[k]),
            "shadow_price": float(outcome.link_price[k]),
            "rent": float(outcome.rent[k]),
            "charge": float(outcome.charge[k]),
            "owner": owner,
        }
        if owner is not None:
            paid = owners.setdefault(owner, {"rent": 0.0, "charge": 0.0, "trades": {}})
            paid["rent"] += float(outcome.rent[k])
            paid["charge"] += float(outcome.charge[k])
        rows[link] = {
            "excess": float(cert.excess[k]),
            "idle": float(cert.idle[k]),
            "price_gap": float(cert.price_gap[k]),
            "flow_gap": float(cert.flow_gap[k]),
        }
    for owner, trades in _owner_trades(network, labels, outcome, products).items():
        owners[owner]["trades"] = trades
    doc["flows"] = flows
    doc["links"] = links
    doc["congestion_rent"] = outcome.congestion_rent
    doc["transport_charge"] = outcome.transport_cost
    doc["owners"] = owners
    certificate = doc["certificate"]
    certificate["max_link_excess"] = cert.max_excess
    certificate["max_link_idle"] = cert.max_idle
    certificate["max_link_price_gap"] = cert.max_price_gap
    certificate["max_link_flow_gap"] = cert.max_flow_gap
    certificate["links"] = rows
