"""What intake's economic checks read from storage about one participant (`OpenBook`).

An order's `OrderRisk` depends on its signed content only (its hash), so it is computed
once per order and kept; a submission decodes only the open orders it has not seen. The
last cleared hour's prices are read once per cleared hour. The open orders themselves
(their hashes), the position and the expected position are read on every call, so
writes by other workers count at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from sqlalchemy import func
from sqlmodel import Session, select

from flowmarket.db import oracle_repo, orders_repo, results_repo
from flowmarket.db.models import HourResult
from flowmarket.money import to_wad
from flowmarket.order_limits import OpenBook, OrderRisk

MAX_KEPT = 500_000  # orders whose risk is kept (about 200 bytes each)


class OpenBookReader:
    """Reads `OpenBook`s for the API, keeping what never changes (thread-safe)."""

    def __init__(self) -> None:
        self._risk: dict[str, OrderRisk] = {}
        self._prices: tuple[int | None, dict[str, int]] = (None, {})
        self._lock = threading.Lock()

    def read(
        self, session: Session, *, participant: str, open_hour: int, min_nonce: int | None = None
    ) -> OpenBook:
        """The participant's open orders, position, expected position and the prices of the
        last cleared hour before `open_hour` (what the oracle's next snapshot will use).
        `min_nonce`: the participant's valid nonce floor when the caller has read it in
        `session` already."""
        floor = (
            orders_repo.min_valid_nonce(session, participant=participant)
            if min_nonce is None
            else min_nonce
        )
        hashes = orders_repo.open_order_hashes(
            session, participant=participant, open_from_hour=open_hour, min_nonce=floor
        )
        with self._lock:
            known = {h: self._risk[h] for h in hashes if h in self._risk}
        missing = [h for h in hashes if h not in known]
        decoded = [
            (h, OrderRisk.of_parts(parts))
            for h, parts in orders_repo.order_parts(session, order_hashes=missing)
        ]
        known.update(decoded)
        self.remember(decoded)
        orders = [(h, known[h]) for h in hashes]
        positions = oracle_repo.positions_of(session, participants=[participant])
        expected = oracle_repo.expected_positions(session, participants=[participant])
        return OpenBook(
            orders=orders,
            position=positions.get(participant, {}),
            expected=expected.get(participant, {}),
            prices=self._last_prices(session, open_hour),
        )

    def remember(self, risks: Iterable[tuple[str, OrderRisk]]) -> None:
        """Keep risks computed elsewhere (intake's, of the orders it just stored): a
        participant's next submission then reads none of its own orders back."""
        fresh = dict(risks)
        with self._lock:
            if len(self._risk) + len(fresh) > MAX_KEPT:
                self._risk.clear()
            self._risk.update(fresh)

    def _last_prices(self, session: Session, open_hour: int) -> dict[str, int]:
        latest = session.exec(
            select(func.max(HourResult.hour)).where(HourResult.hour < open_hour)
        ).one()
        with self._lock:
            if self._prices[0] == latest:
                return self._prices[1]
        prices = {} if latest is None else results_repo.hour_prices(session, hour=int(latest))
        wad = {product: to_wad(price) for product, price in prices.items()}
        with self._lock:
            self._prices = (latest, wad)
        return wad
