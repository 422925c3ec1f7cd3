"""What the API needs from storage: a protocol that `backend` implements over `db`.

The API never imports `db`; it receives an object with these methods. Methods raise
`FieldError`, `Conflict` or `NotFound` (from `flowmarket.errors`) for bad requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from flowmarket.api.authorisation_intake import VerifiedAuthorisation
from flowmarket.api.authorisation_schemas import AuthorisationOut, AuthorisationsOut
from flowmarket.api.batch_intake import BatchBook, BatchEntry, StoredBatch, VerifiedBatch
from flowmarket.api.expected_intake import VerifiedReport
from flowmarket.api.expected_schemas import ExpectedPositionsOut, ExpectedReportOut
from flowmarket.api.schemas import (
    ExclusionOut,
    FillOut,
    HourOut,
    NetworkOut,
    OrderOut,
    PositionOut,
    ProductOut,
    ProductResultOut,
    ProofOut,
    SettlementOut,
    TradeOut,
)
from flowmarket.api.usage_schemas import DeliveryHourOut, MyUsageOut
from flowmarket.order_limits import OpenBook, OrderRisk
from flowmarket.orders import SignedOrder
from flowmarket.signing import UsageReportMessage


class MarketBackend(Protocol):
    """Storage operations behind the HTTP API."""

    def products(self) -> list[ProductOut]: ...

    def product_names(self) -> set[str]: ...

    def nonce_state(self, participant: str) -> tuple[int, int]:
        """(min_valid_nonce, next_nonce)."""
        ...

    def count_open_orders(self, participant: str, open_hour: int) -> int: ...

    def intake_state(
        self, participant: str, order_hash: str, open_hour: int
    ) -> tuple[OrderOut | None, int, int]:
        """(the stored order with this id or None, min_valid_nonce, open orders) at once."""
        ...

    def open_book(self, participant: str, open_hour: int) -> OpenBook:
        """The participant's open orders, position, expected position and last prices."""
        ...

    def store_order(
        self,
        order: SignedOrder,
        *,
        accepted_at: float,
        receipt_signature: str,
        cancel_receipt_signature: str | None,
        open_hour: int,
    ) -> tuple[OrderOut, bool, float]:
        """Store (idempotently); returns (order, duplicate, recorded accepted_at)."""
        ...

    def order_receipt_signatures(self, order_hash: str) -> tuple[str | None, str | None]:
        """The stored (accepted, cancel) receipt signatures; None for one recorded by a
        batch (its receipt is the batch's; the route signs the order's own on demand) or
        for no cancel."""
        ...

    def batch_book(
        self, batch: VerifiedBatch, open_hour: int, *, with_open_book: bool = False
    ) -> tuple[StoredBatch | None, BatchBook]:
        """(the batch when already stored, else None; what storage holds about it, with
        the participant's `open_book` read in the same session when `with_open_book`)."""
        ...

    def store_batch(
        self,
        batch: VerifiedBatch,
        entries: list[BatchEntry],
        *,
        recorded_at: float,
        entries_root: str,
        receipt_signature: str,
        risks: Sequence[OrderRisk] = (),
    ) -> tuple[StoredBatch, bool]:
        """Store the batch atomically; returns (stored batch, duplicate). Raises Conflict
        when an order it names changed or one of its orders or nonces was stored meanwhile.
        `risks`: the batch's orders' risks as intake computed them (in order), for
        `open_book` to keep; empty when intake checked no economics."""
        ...

    def get_order(self, order_hash: str, open_hour: int) -> OrderOut | None: ...

    def cancel_order(
        self,
        order_hash: str,
        *,
        cancelled_at: float,
        signature: str,
        receipt_signature: str,
        open_hour: int,
    ) -> OrderOut: ...

    def list_orders(
        self, participant: str, *, open_hour: int, only_open: bool
    ) -> list[OrderOut]: ...

    def positions(self, participant: str) -> list[PositionOut]: ...

    def trades(self, participant: str) -> list[TradeOut]: ...

    def fills(self, participant: str) -> list[FillOut]: ...

    def settlement(self, participant: str) -> SettlementOut: ...

    def hour(self, hour: int) -> HourOut:
        """Raises NotFound when the hour is not cleared."""
        ...

    def latest_hour(self) -> int | None: ...

    def hour_prices(self, hour: int) -> list[ProductResultOut]: ...

    def hour_certificate(self, hour: int) -> dict[str, Any]: ...

    def hour_orders(self, hour: int) -> dict[str, Any]: ...

    def hour_network(self, hour: int) -> NetworkOut:
        """The hour's links, flows and link prices; NotFound without a network."""
        ...

    def hour_exclusions(self, hour: int) -> list[ExclusionOut]:
        """Orders left out of the hour and why; raises NotFound when it is not cleared."""
        ...

    def price_proof(self, hour: int, product: str) -> ProofOut: ...

    def participant_proof(self, hour: int, participant: str) -> ProofOut: ...

    def create_challenge(
        self, *, nonce: str, address: str, issued_at: int, expires_at: int
    ) -> None: ...

    def consume_challenge(
        self, *, nonce: str, address: str, issued_at: int, expires_at: int, now: float
    ) -> bool:
        """Mark the challenge used; False unless it exists for `address` with exactly
        these times, unused and unexpired at `now`."""
        ...

    def expected_positions(self, participant: str) -> ExpectedPositionsOut:
        """The participant's expected positions (as the oracle reads them) and nonces."""
        ...

    def store_expected_report(
        self, report: VerifiedReport, *, reported_at: float, receipt_signature: str
    ) -> tuple[ExpectedReportOut, str, bool]:
        """Store and apply atomically; returns (report, receipt signature, duplicate).
        Raises Conflict("report.nonce") when the nonce is not above the last one."""
        ...

    def store_usage(
        self,
        message: UsageReportMessage,
        *,
        report_hash: str,
        signature: str,
        reported_at: float,
        lag: int,
    ) -> bool:
        """Store the network operator's usage atomically; True when every entry was stored
        before with the same quantity. Conflict when the hour is final or an entry
        contradicts a stored one; FieldError for a product not cleared in the hour."""
        ...

    def usage_of(self, participant: str) -> MyUsageOut:
        """The participant's settled deliveries: usage, served, imbalance cash."""
        ...

    def delivery_hour(self, hour: int) -> DeliveryHourOut:
        """A metered hour's demand, served and throttled GB per real-time product;
        NotFound when the hour was not metered or is not settled yet."""
        ...

    def get_authorisation(self, auth_hash: str, open_hour: int) -> AuthorisationOut | None: ...

    def authorisation_receipts(self, auth_hash: str) -> tuple[str, str | None]:
        """The stored (accepted, cancel) receipt signatures; NotFound for no such id."""
        ...

    def check_authorisation(self, auth: VerifiedAuthorisation, open_hour: int) -> None:
        """FieldError/Conflict unless `auth` may be stored: the one it replaces is the
        participant's and live; no other live one governs the same portfolio."""
        ...

    def store_authorisation(
        self,
        auth: VerifiedAuthorisation,
        *,
        accepted_at: float,
        receipt_signature: str,
        cancel_receipt_signature: str | None,
        open_hour: int,
    ) -> tuple[AuthorisationOut, bool]:
        """Store (idempotently), cancelling the one it replaces atomically; returns
        (authorisation, duplicate). Conflict for a nonce in use or a replaced one gone."""
        ...

    def cancel_authorisation(
        self,
        auth_hash: str,
        *,
        cancelled_at: float,
        signature: str,
        receipt_signature: str,
        open_hour: int,
    ) -> AuthorisationOut: ...

    def authorisations(self, participant: str, open_hour: int) -> AuthorisationsOut:
        """All of the participant's authorisations, newest first, with its position in
        each portfolio and the live ones' bounds for the next clearing."""
        ...
