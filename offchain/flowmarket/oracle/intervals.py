"""Hours with several clearings: the journal of an hour the governed schedule splits into
k = 3600 / L intervals of L seconds (docs/schedule.md).

Such an hour keeps ONE journal row (`OracleHour`), whose documents hold its intervals in
order; each interval goes through the first two steps of an hour on its own:

    snapshot j   at interval j's close: engine_doc["intervals"][j], collateral["intervals"][j]
    solve j      result_doc["intervals"][j], and the interval's exact trades added to
                 the positions (money rule 8), in one transaction

and the row's step stays `snapshotted` until interval k − 1 is solved: that last
transaction also writes the hour's amounts (the exact sums of its intervals'), its result
rows and the step `cleared`. Commit and publish then treat the hour as any other, with
the one commitment `hour_commitment.build_interval_bundle` derives from the interval-hour
document `{"interval_s": L, "intervals": [RESULT_0, …, RESULT_k−1]}`. A crash anywhere
leaves the row at an interval's step boundary; the next run takes the next interval
from the row, so no interval is skipped or cleared twice.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlmodel import Session, select

from flowmarket.clearing import ClearFn, OrdersDoc, ResultDoc
from flowmarket.db import oracle_repo, results_repo
from flowmarket.db.exclusions_repo import exclusion_rows
from flowmarket.db.oracle_tables import OracleHour, OrderExclusion
from flowmarket.errors import JournalError
from flowmarket.oracle.bundles import BundleCache
from flowmarket.oracle.delivery import delivered_by
from flowmarket.oracle.hour_commitment import build_interval_bundle, result_amounts
from flowmarket.oracle.journal import advance, step_of
from flowmarket.oracle.quarantine import clear_with_quarantine, quarantine_alert
from flowmarket.oracle.realtime import DeliveryRules, record_positions, settle_usage
from flowmarket.schedule import SECONDS_PER_HOUR, intervals_per_hour
from flowmarket.states import Exclusion, JournalStep


@dataclass(frozen=True)
class IntervalSnapshot:
    """What the snapshot of one interval journals (`snapshot.take_snapshot`)."""

    close_time: float
    fee_bps: int
    engine_doc: dict[str, Any]
    owners: dict[str, str]
    collateral: dict[str, Any]


def is_interval_row(row: OracleHour) -> bool:
    """Whether `row` journals an hour cleared in intervals."""
    return "intervals" in row.engine_doc


def interval_of(row: OracleHour) -> int:
    """The journaled interval length of an interval hour, in seconds."""
    seconds = row.engine_doc.get("interval_s")
    if not isinstance(seconds, int):
        raise JournalError(f"hour {row.hour}: interval hour without its interval_s")
    return seconds


def snapshots_of(row: OracleHour) -> list[dict[str, Any]]:
    return list(row.engine_doc.get("intervals", []))


def results_of(row: OracleHour) -> list[dict[str, Any]]:
    return list((row.result_doc or {}).get("intervals", []))


def previous_prices(row: OracleHour) -> dict[str, float]:
    """The prices of the last cleared interval of `row`'s hour (the next one's prior)."""
    results = results_of(row)
    if not results:
        raise JournalError(f"hour {row.hour}: no interval cleared yet")
    return {p: float(v) for p, v in results[-1]["prices"].items()}


def pending_cash(row: OracleHour) -> dict[str, int]:
    """{participant: wei} net cash of the intervals of `row`'s hour cleared so far (money
    rule 8, exact), which the next interval's requirements count as owed."""
    interval_s = interval_of(row)
    out: dict[str, int] = {}
    for result in results_of(row):
        amounts = result_amounts(
            cast(ResultDoc, result), fee_bps=row.fee_bps, interval_s=interval_s
        )
        for participant, net in amounts.net_cash.items():
            out[participant] = out.get(participant, 0) + net
    return out


def journal_interval(
    session: Session, *, hour: int, index: int, interval_s: int, snapshot: IntervalSnapshot
) -> OracleHour:
    """Append interval `index`'s snapshot to hour `hour`'s row (created at index 0); no
    commit. The hour's fee rate is the one read at its first interval: one hour, one rate
    (its commitment has one)."""
    row = oracle_repo.journal_hour(session, hour=hour)
    if row is None:
        if index != 0:
            raise JournalError(f"hour {hour}: interval {index} snapshotted before interval 0")
        row = OracleHour(
            hour=hour,
            step=JournalStep.SNAPSHOTTED,
            close_time=snapshot.close_time,
            fee_bps=snapshot.fee_bps,
            engine_doc={"interval_s": interval_s, "intervals": [], "products": [], "orders": []},
            owners={},
            collateral={"intervals": []},
            updated_at=time.time(),
        )
    done, cleared = snapshots_of(row), results_of(row)
    if step_of(row) != JournalStep.SNAPSHOTTED or len(done) != index or len(cleared) != index:
        raise JournalError(
            f"hour {hour}: cannot snapshot interval {index}: {len(done)} snapshotted, "
            f"{len(cleared)} cleared, step '{row.step}'"
        )
    row.engine_doc = {**row.engine_doc, "intervals": [*done, snapshot.engine_doc]}
    row.collateral = {"intervals": [*row.collateral.get("intervals", []), snapshot.collateral]}
    row.owners = {**row.owners, **snapshot.owners}
    row.updated_at = time.time()
    session.add(row)
    return row


def new_exclusions(
    session: Session, hour: int, rows: Sequence[OrderExclusion]
) -> list[OrderExclusion]:
    """The rows of `rows` whose order has no exclusion recorded for `hour` yet: an order
    left out of several intervals of an hour is recorded once, with its first reason."""
    if not rows:
        return []
    query = select(OrderExclusion.order_hash).where(OrderExclusion.hour == hour)
    known = set(session.exec(query))
    return [row for row in rows if row.order_hash not in known]


def solve_interval(
    session: Session,
    row: OracleHour,
    *,
    clear_fn: ClearFn,
    bundles: BundleCache | None = None,
    delivery: DeliveryRules | None = None,
) -> ResultDoc:
    """Clear the interval `row` snapshotted last, with the previous interval's prices as
    prior (the previous hour's for interval 0), add its exact trades for L seconds to the
    positions, journal its result, and, at the hour's last interval, close the hour
    (`_close_hour`); one transaction, committed here.

    With `delivery` rules the metered usage of hour − lag is settled in interval 0."""
    hour, interval_s = row.hour, interval_of(row)
    snapshots, results = snapshots_of(row), results_of(row)
    index = len(results)
    if step_of(row) != JournalStep.SNAPSHOTTED or len(snapshots) != index + 1:
        raise JournalError(
            f"hour {hour}: no interval to clear ({len(snapshots)} snapshotted, "
            f"{index} cleared, step '{row.step}')"
        )
    doc = cast(OrdersDoc, snapshots[index])
    products = set(doc.get("products", ()))
    before = previous_prices(row) if index else results_repo.prices_before(session, hour=hour)
    prior = {p: v for p, v in before.items() if p in products}
    result, cleared, quarantined = clear_with_quarantine(doc, {"prices": prior}, clear_fn)
    if delivery is not None and index == 0:
        imbalance = settle_usage(session, hour=hour, rules=delivery)
        if imbalance:
            result = {**result, "imbalance": {p: str(v) for p, v in sorted(imbalance.items())}}
    amounts = result_amounts(result, fee_bps=row.fee_bps, interval_s=interval_s)
    share = interval_s / SECONDS_PER_HOUR
    results_repo.add_quantities(
        session,
        hour=hour,
        deltas=[
            (who, {p: float(q) * share for p, q in entry["trades"].items()})
            for who, entry in result["participants"].items()
        ],
        exact=amounts.trades,
    )
    if quarantined:
        snapshots[index] = dict(cleared)
        session.add_all(
            new_exclusions(
                session,
                hour,
                exclusion_rows(
                    hour, stage=Exclusion.QUARANTINE, reasons=quarantined, owners=row.owners
                ),
            )
        )
        session.add(quarantine_alert(hour, quarantined))
    row.engine_doc = {**row.engine_doc, "intervals": snapshots}
    row.result_doc = {"interval_s": interval_s, "intervals": [*results, dict(result)]}
    row.updated_at = time.time()
    session.add(row)
    if index + 1 == intervals_per_hour(interval_s):
        _close_hour(session, row, bundles=bundles, delivery=delivery)
    session.commit()
    return result


def _close_hour(
    session: Session,
    row: OracleHour,
    *,
    bundles: BundleCache | None,
    delivery: DeliveryRules | None,
) -> None:
    """The hour's last interval is cleared: store the hour's exact amounts (sums of its
    intervals'), its result rows (`hour_summary`; positions already hold every interval's
    trades) and the step `cleared`; drop the products delivered by the hour. No commit."""
    hour = row.hour
    document = cast(Mapping[str, Any], row.result_doc)
    bundle = build_interval_bundle(
        document, hour=hour, fee_bps=row.fee_bps, order_sets=snapshots_of(row)
    ).committed()  # what is read from here on (`CommittedHour`)
    advance(session, row, JournalStep.CLEARED, commit=False)
    session.add_all(oracle_repo.amounts_rows(hour, bundle.amounts.net_cash, bundle.amounts.fees))
    results = [cast(ResultDoc, r) for r in document["intervals"]]
    summary = hour_summary(results, interval_s=interval_of(row))
    results_repo.store_hour(
        session,
        hour=hour,
        result=summary,
        owners=row.owners,
        cleared_at=time.time(),
        n_orders=len(summary["orders"]),
        commit=False,
        positions=False,
    )
    if delivery is not None:
        record_positions(session, hour=hour)
    traded = {p for r in results for entry in r["participants"].values() for p in entry["trades"]}
    live = oracle_repo.live_products(session) | traded
    oracle_repo.drop_products(session, products=delivered_by(live, hour))
    if bundles is not None:
        bundles.put(bundle, fee_bps=row.fee_bps)


def hour_summary(results: Sequence[ResultDoc], *, interval_s: int) -> ResultDoc:
    """The hour's rows of the results tables (`hour_results`, `hour_products`, …) for an
    hour cleared in intervals: every rate (trades, order quantities, volumes) is the hour's
    average, Σ rate × L / 3600, i.e. GB delivered in the hour; cash and welfare are the
    sums of the intervals' (tokens); prices and slopes are the last interval's (the next
    clearing's prior); the certificate is the last interval's with the worst gaps."""
    share = interval_s / SECONDS_PER_HOUR
    products: dict[str, dict[str, float]] = {}
    orders: dict[str, dict[str, float]] = {}
    participants: dict[str, dict[str, Any]] = {}
    prices: dict[str, float] = {}
    for result in results:
        prices.update(result["prices"])
        for name, entry in result["products"].items():
            row = products.setdefault(name, {"volume": 0.0, "slope": 0.0})
            row["volume"] += float(entry["volume"]) * share
            row["slope"] = float(entry["slope"])
        for order_id, fill in result["orders"].items():
            held = orders.setdefault(order_id, {"quantity": 0.0})
            held["quantity"] += float(fill["quantity"]) * share
        for who, p in result["participants"].items():
            book = participants.setdefault(who, {"trades": {}, "cash": 0.0})
            book["cash"] += float(p["cash"]) * share
            for product, qty in p["trades"].items():
                book["trades"][product] = book["trades"].get(product, 0.0) + float(qty) * share
    certificate = dict(results[-1]["certificate"])
    for gap in ("max_imbalance", "max_order_gap"):
        certificate[gap] = max(float(r["certificate"][gap]) for r in results)
    return cast(
        ResultDoc,
        {
            "prices": prices,
            "orders": orders,
            "participants": participants,
            "products": products,
            "welfare": sum(float(r["welfare"]) for r in results) * share,
            "certificate": certificate,
        },
    )
