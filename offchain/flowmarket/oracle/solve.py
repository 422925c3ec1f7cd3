"""Step 2 of an hour: clear the journaled snapshot and store everything it produced.

The oracle clears exactly the journaled (collateral-cut) snapshot with the previous
hour's prices as prior, and stores the results (`results_repo.store_hour`, which also
updates positions), the participants' exact integer amounts and the journal step in
ONE transaction, so a crash leaves the hour either snapshotted or fully cleared.
"""

from __future__ import annotations

import time

from sqlmodel import Session

from flowmarket.clearing import ClearFn, ResultDoc
from flowmarket.db import exclusions_repo, oracle_repo, results_repo
from flowmarket.db.oracle_tables import OracleHour
from flowmarket.errors import Conflict
from flowmarket.oracle.bundles import BundleCache
from flowmarket.oracle.delivery import delivered_by
from flowmarket.oracle.hour_commitment import build_hour_bundle
from flowmarket.oracle.journal import advance, engine_doc_of
from flowmarket.oracle.quarantine import clear_with_quarantine, quarantine_alert
from flowmarket.oracle.realtime import DeliveryRules, record_positions, settle_usage
from flowmarket.solvers.highs_projection import clear_market_document
from flowmarket.states import Exclusion, JournalStep


def solve_hour(
    session: Session,
    row: OracleHour,
    *,
    clear_fn: ClearFn = clear_market_document,
    bundles: BundleCache | None = None,
    delivery: DeliveryRules | None = None,
) -> ResultDoc:
    """Clear `row`'s engine document with the previous hour's prices as prior, store the
    results and amounts, drop the positions in products delivered by now
    (`delivery.delivered_by`) and move the journal to `cleared`, atomically. Returns
    RESULT; the committed part of the hour's bundle goes to `bundles` for the commit and
    publish steps.

    Orders the certificate gate names are quarantined (`quarantine`): the journaled
    engine document becomes the one actually cleared, and each quarantined order and
    its reason are stored (`OrderExclusion`), in the same transaction.

    With `delivery` rules (a network operator is set) the same transaction settles the
    metered usage of hour − lag into RESULT's `imbalance` entries and records the
    positions held at delivery of this hour (`oracle.realtime`)."""
    hour = row.hour
    if results_repo.get_hour(session, hour=hour) is not None:
        raise Conflict(
            "hour", f"hour {hour} already has stored results but its journal says '{row.step}'"
        )
    doc = engine_doc_of(row)
    products = set(doc.get("products", ()))
    prior = {
        p: v for p, v in results_repo.prices_before(session, hour=hour).items() if p in products
    }
    result, cleared, quarantined = clear_with_quarantine(doc, {"prices": prior}, clear_fn)
    if delivery is not None:
        imbalance = settle_usage(session, hour=hour, rules=delivery)
        if imbalance:
            result = {**result, "imbalance": {p: str(v) for p, v in sorted(imbalance.items())}}
    # Only the committed part is read from here on: the trees and fills, most of the
    # bundle, go before the results are stored (`CommittedHour`).
    bundle = build_hour_bundle(
        result,
        hour=hour,
        fee_bps=row.fee_bps,
        orders=cleared["orders"],
        batches=cleared.get("batches"),
    ).committed()
    row.result_doc = dict(result)
    if quarantined:  # the published order set is what was cleared; the rest is on record
        row.engine_doc = dict(cleared)
        row.collateral = {**row.collateral, "quarantined": quarantined}
        session.add_all(
            exclusions_repo.exclusion_rows(
                hour, stage=Exclusion.QUARANTINE, reasons=quarantined, owners=row.owners
            )
        )
        session.add(quarantine_alert(hour, quarantined))
    advance(session, row, JournalStep.CLEARED, commit=False)
    session.add_all(oracle_repo.amounts_rows(hour, bundle.amounts.net_cash, bundle.amounts.fees))
    results_repo.store_hour(
        session,
        hour=hour,
        result=result,
        owners=row.owners,
        cleared_at=time.time(),
        n_orders=len(result["orders"]),
        commit=False,
        exact=bundle.amounts.trades,
    )
    if delivery is not None:
        record_positions(session, hour=hour)
    traded = {p for entry in result["participants"].values() for p in entry["trades"]}
    live = oracle_repo.live_products(session) | traded
    oracle_repo.drop_products(session, products=delivered_by(live, hour))
    session.commit()
    if bundles is not None:
        bundles.put(bundle, fee_bps=row.fee_bps)
    return result
