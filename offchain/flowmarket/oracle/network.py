"""The network block of an hour's engine document: the catalogue's links, what is left of them.

When `Settings.network_catalogue` names a catalogue with a network, the snapshot
step adds `catalogue.network.network_block` to the engine document, so the hour is
cleared with nodal prices and its published order set carries the network a
verifier needs. Each (link, delivery hour) is offered what the earlier clearings did
not already use of it: the previous hour's block says what was used before it and
its result what it added (`catalogue.network.used_after`); links are kept in the
block for every delivery hour the catalogue lists, touched by orders or not, so that
account never breaks.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlmodel import Session

from flowmarket.catalogue import load_spec
from flowmarket.catalogue.network import CatalogueNetwork, network_block, used_after
from flowmarket.config import Settings
from flowmarket.db import oracle_repo
from flowmarket.errors import FieldError


@lru_cache(maxsize=4)
def _catalogue(source: str) -> tuple[CatalogueNetwork, int]:
    """(the network, the hourly window in hours) of catalogue `source`."""
    spec = load_spec(source)
    if spec.network is None:
        raise FieldError("network_catalogue", f"catalogue {source!r} has no network")
    return spec.network, spec.horizons.hourly_window


def _used(session: Session, network: CatalogueNetwork, hour: int) -> dict[str, float]:
    previous = oracle_repo.journal_hour(session, hour=hour - 1)
    if previous is None or previous.result_doc is None:
        return {}
    block = previous.engine_doc.get("network")
    if not block:
        return {}
    links = previous.result_doc.get("links", {})
    flows = {ident: float(entry["flow"]) for ident, entry in links.items()}
    return used_after(network, block, flows)


def hour_network(
    settings: Settings, session: Session, *, hour: int, products: list[str]
) -> dict[str, Any] | None:
    """The "network" block for hour `hour`'s engine document, or None without a network."""
    if not settings.network_catalogue:
        return None
    network, window = _catalogue(settings.network_catalogue)
    hours = list(range(hour, hour + window))
    owner = settings.network_owner or None
    return network_block(network, products, hours, _used(session, network, hour), owner)
