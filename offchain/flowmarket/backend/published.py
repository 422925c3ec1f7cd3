"""Read models of cleared hours: summaries, trades, the published order set, proofs."""

from __future__ import annotations

from typing import Any, cast

from sqlmodel import Session

from flowmarket.api.schemas import (
    CommitmentOut,
    ExclusionOut,
    HourOut,
    LinkOut,
    NetworkOut,
    ProofOut,
    TradeOut,
)
from flowmarket.clearing import OrdersDoc
from flowmarket.db import exclusions_repo, oracle_repo, orders_repo, results_repo
from flowmarket.db.models import HourResult
from flowmarket.errors import NotFound
from flowmarket.orders import OrderSetDoc, PublishedOrder, orders_document, published_order


def require_hour(session: Session, *, hour: int) -> HourResult:
    row = results_repo.get_hour(session, hour=hour)
    if row is None:
        raise NotFound(f"hour: hour {hour} has not been cleared")
    return row


def _commitment(row: HourResult) -> CommitmentOut | None:
    if row.orders_root is None or row.prices_root is None or row.positions_root is None:
        return None
    if row.commit_tx_hash is None:
        return None
    return CommitmentOut.model_validate(row, from_attributes=True)


def hour_summary(session: Session, *, hour: int) -> HourOut:
    row = require_hour(session, hour=hour)
    prices = {p.product: p.price for p in results_repo.hour_products(session, hour=hour)}
    return HourOut(
        hour=row.hour,
        cleared_at=row.cleared_at,
        n_orders=row.n_orders,
        welfare=row.welfare,
        prices=prices,
        commitment=_commitment(row),
    )


def trades(session: Session, *, participant: str) -> list[TradeOut]:
    """Per cleared hour and product: quantity (GB/h), price and cash (-price × quantity)."""
    out: list[TradeOut] = []
    prices: dict[int, dict[str, float]] = {}
    for entry in results_repo.participant_history(session, participant=participant):
        if entry.hour not in prices:
            rows = results_repo.hour_products(session, hour=entry.hour)
            prices[entry.hour] = {row.product: row.price for row in rows}
        for product, quantity in sorted(entry.trades.items()):
            price = prices[entry.hour].get(product, 0.0)
            out.append(
                TradeOut(
                    hour=entry.hour,
                    product=product,
                    quantity=quantity,
                    price=price,
                    cash=-price * quantity,
                )
            )
    return out


def order_set(session: Session, *, hour: int) -> OrderSetDoc:
    """The published order set of `hour`.

    Once the oracle has snapshotted the hour, this is the book exactly as it was
    cleared (after on-chain nonce invalidations and the collateral rules), so a
    monitor's `flowmarket clear` on it reproduces the committed roots; orders whose
    curve the collateral rules cut carry the curve they were signed with as
    `signed_curve`, so their signatures stay checkable. Before that, it is the
    orders standing at the close by the API's own rule.
    """
    journal = oracle_repo.journal_hour(session, hour=hour)
    if journal is None:
        return orders_document(orders_repo.standing_orders(session, hour=hour), hour=hour)
    engine_doc = cast(OrdersDoc, journal.engine_doc)  # the snapshot step's OrdersDoc
    ids = [order["id"] for order in engine_doc["orders"]]
    rows = orders_repo.orders_by_hash(session, order_hashes=ids)
    signed = {row.order_hash: published_order(row) for row in rows}
    cleared: list[PublishedOrder] = []
    for order in engine_doc["orders"]:
        if order["id"] not in signed:  # an authorisation's bound (`authorisations`)
            cleared.append(cast(PublishedOrder, dict(order)))
            continue
        entry = signed[order["id"]]  # the snapshot read every order from the orders table
        if "curve" in order:  # an all-or-nothing order has none (docs/nonconvex.md)
            if entry["curve"] != order["curve"]:
                entry["signed_curve"] = entry["curve"]
            entry["curve"] = order["curve"]
        if "batch" in order:  # signed in a batch: its orders' struct hashes are in `batches`
            cast(dict[str, object], entry)["batch"] = cast(dict[str, object], order)["batch"]
        if "portfolios" in order and "portfolio" in entry:  # an authorisation governs it
            raw = cast(dict[str, object], entry)
            raw["signed_portfolio"] = raw.pop("portfolio")
            raw["portfolios"] = cast(dict[str, object], order)["portfolios"]
        cleared.append(entry)
    published: OrderSetDoc = {
        "hour": hour,
        "products": engine_doc.get("products", []),
        "orders": cleared,
        "collateral": journal.collateral,
    }
    if "portfolios" in engine_doc:
        published["portfolios"] = engine_doc["portfolios"]
    if "batches" in engine_doc:  # what checks the signatures of orders signed in batches
        published["batches"] = cast(dict[str, Any], engine_doc)["batches"]
    if "network" in engine_doc:
        published["network"] = engine_doc["network"]
    if "authorisations" in engine_doc:  # as signed, with the positions (`authorisation_record`)
        published["authorisations"] = engine_doc["authorisations"]
    if "nonconvex_rule" in engine_doc:  # the rule it was cleared under (docs/nonconvex.md)
        published["nonconvex_rule"] = cast(dict[str, Any], engine_doc)["nonconvex_rule"]
    if "engine" in engine_doc:  # the engine it was cleared by (docs/engine-versions.md)
        published["engine"] = cast(dict[str, Any], engine_doc)["engine"]
    return published


def exclusions(session: Session, *, hour: int) -> list[ExclusionOut]:
    """The orders the oracle left out of cleared hour `hour`, and why."""
    require_hour(session, hour=hour)
    return [
        ExclusionOut(
            hour=r.hour,
            order_hash=r.order_hash,
            participant=r.participant,
            stage=r.stage,
            reason=r.reason,
        )
        for r in exclusions_repo.hour_exclusions(session, hour=hour)
    ]


def _proof(
    hour: int, key: str, leaf: str | None, proof: list[str] | None, root: str | None
) -> ProofOut:
    if leaf is None or proof is None or root is None:
        raise NotFound(
            f"hour: hour {hour} is cleared but not yet committed on chain (no Merkle proof)"
        )
    return ProofOut(hour=hour, key=key, leaf=leaf, proof=proof, root=root)


def price_proof(session: Session, *, hour: int, product: str) -> ProofOut:
    row = require_hour(session, hour=hour)
    entry = results_repo.hour_product(session, hour=hour, product=product)
    if entry is None:
        raise NotFound(f"product: no price for {product!r} in hour {hour}")
    return _proof(hour, product, entry.leaf, entry.merkle_proof, row.prices_root)


def participant_proof(session: Session, *, hour: int, participant: str) -> ProofOut:
    row = require_hour(session, hour=hour)
    entry = results_repo.hour_participant(session, hour=hour, participant=participant)
    if entry is None:
        raise NotFound(f"address: {participant} did not trade in hour {hour}")
    return _proof(hour, participant, entry.leaf, entry.merkle_proof, row.positions_root)


def hour_network(session: Session, *, hour: int) -> NetworkOut:
    """The links of cleared hour `hour` as its journal has them (the engine document's
    network block and the result); `NotFound` when the hour was cleared without one."""
    require_hour(session, hour=hour)
    journal = oracle_repo.journal_hour(session, hour=hour)
    block = None if journal is None else journal.engine_doc.get("network")
    result = None if journal is None else journal.result_doc
    if not block or result is None:
        raise NotFound(f"hour: hour {hour} was cleared without a network")
    ends = {str(entry["id"]): (str(entry["from"]), str(entry["to"])) for entry in block["links"]}
    links = []
    for link, entry in result.get("links", {}).items():
        capacity = float(entry["capacity"])
        links.append(
            LinkOut.model_validate(
                {
                    "id": link,
                    "from": ends[link][0],
                    "to": ends[link][1],
                    "capacity": capacity,
                    "cost": float(entry["cost"]),
                    "flow": float(entry["flow"]),
                    "utilisation": float(entry["flow"]) / capacity if capacity > 0 else None,
                    "shadow_price": float(entry["shadow_price"]),
                    "rent": float(entry["rent"]),
                    "charge": float(entry["charge"]),
                    "owner": entry.get("owner"),
                    "flows": {
                        c: float(v) for c, v in result.get("flows", {}).get(link, {}).items()
                    },
                }
            )
        )
    return NetworkOut(
        hour=hour,
        congestion_rent=float(result.get("congestion_rent", 0.0)),
        transport_charge=float(result.get("transport_charge", 0.0)),
        links=links,
    )
