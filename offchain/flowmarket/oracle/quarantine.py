"""Clear an hour's journaled snapshot, quarantining the orders its certificate cannot
reach its tolerance with (`clearing.gate`): the oracle never commits an hour whose
certificate fails.

The engine names the orders that make the tolerance unreachable; they are removed and
the rest is cleared again, until the certificate passes. Each failed round removes at
least one order, so it ends, at worst with an empty book (which clears). The same snapshot always
gives the same rounds (the engine is deterministic), so a restart after a crash
quarantines exactly the same orders.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from flowmarket.clearing import ClearFn, OrdersDoc, PriorDoc, ResultDoc
from flowmarket.db.oracle_tables import OracleAlert
from flowmarket.errors import CertificateFailed

log = logging.getLogger("flowmarket.oracle")
ALERT = "orders-quarantined"


def clear_with_quarantine(
    doc: OrdersDoc, prior: PriorDoc, clear_fn: ClearFn
) -> tuple[ResultDoc, OrdersDoc, dict[str, str]]:
    """(RESULT, the engine document actually cleared, {order id: reason quarantined})."""
    current: OrdersDoc = {**doc}
    quarantined: dict[str, str] = {}
    while True:
        try:
            return clear_fn(current, prior), current, quarantined
        except CertificateFailed as failed:
            named = set(failed.orders) - set(quarantined)
            if not named:
                raise
            reason = f"quarantined: {failed}"
            quarantined.update(dict.fromkeys(sorted(named), reason))
            kept = [order for order in current["orders"] if order["id"] not in named]
            current = {**current, "orders": kept}


def quarantine_alert(hour: int, quarantined: Mapping[str, str]) -> OracleAlert:
    """The operator's alert (`flowmarket status`) for an hour cleared without these orders."""
    names = ", ".join(sorted(quarantined)[:5])
    more = f" and {len(quarantined) - 5} more" if len(quarantined) > 5 else ""
    message = (
        f"hour {hour} cleared without {len(quarantined)} quarantined order(s) {names}{more}: "
        f"{next(iter(quarantined.values()))}"
    )
    log.warning(message, extra={"hour": hour, "step": ALERT})
    return OracleAlert(at=time.time(), hour=hour, kind=ALERT, message=message[:1024])
