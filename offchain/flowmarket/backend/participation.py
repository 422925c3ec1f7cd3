"""The API's storage backend over `db`: rows in, response models out."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

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
    SettlementHourOut,
    SettlementOut,
    TradeOut,
)
from flowmarket.backend import published, risk
from flowmarket.backend.authorisations import AuthorisationsSql
from flowmarket.backend.batches import BatchesSql
from flowmarket.backend.expected_positions import ExpectedPositionsSql
from flowmarket.backend.order_rows import order_out, outcomes_of
from flowmarket.backend.usage import UsageReadSql, UsageSql
from flowmarket.db import auth_repo, oracle_repo, orders_repo, results_repo
from flowmarket.db.engine import write_turn
from flowmarket.db.models import AuthChallenge, Order
from flowmarket.errors import NotFound
from flowmarket.order_limits import OpenBook
from flowmarket.orders import SignedOrder
from flowmarket.signing import product_id
from flowmarket.states import OrderStatus

CATALOGUE_TTL_S = 2.0


class SqlBackend(ExpectedPositionsSql, UsageSql, UsageReadSql, BatchesSql, AuthorisationsSql):
    """Implements `flowmarket.api.backend.MarketBackend` on a SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._names: tuple[float, frozenset[str]] | None = None
        self._books = risk.OpenBookReader()

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def _out(self, session: Session, row: Order, open_hour: int) -> OrderOut:
        floor = orders_repo.min_valid_nonce(session, participant=row.participant)
        outcomes = outcomes_of(session, [row]).get(row.order_hash, [])
        return order_out(row, open_hour=open_hour, min_nonce=floor, outcomes=outcomes)

    def products(self) -> list[ProductOut]:
        with self._session() as session:
            rows = orders_repo.list_products(session)
        return [
            ProductOut(
                name=row.name,
                kind=row.kind,
                region=row.region,
                description=row.description,
                product_id="0x" + product_id(row.name).hex(),
            )
            for row in rows
        ]

    def product_names(self) -> set[str]:
        """Active catalogue names, cached for CATALOGUE_TTL_S seconds."""
        now = time.monotonic()
        if self._names is None or now - self._names[0] > CATALOGUE_TTL_S:
            with self._session() as session:
                self._names = (now, frozenset(orders_repo.product_names(session)))
        return set(self._names[1])

    def nonce_state(self, participant: str) -> tuple[int, int]:
        with self._session() as session:
            return (
                orders_repo.min_valid_nonce(session, participant=participant),
                orders_repo.next_nonce(session, participant=participant),
            )

    def count_open_orders(self, participant: str, open_hour: int) -> int:
        with self._session() as session:
            return orders_repo.count_open_orders(
                session, participant=participant, open_from_hour=open_hour
            )

    def intake_state(
        self, participant: str, order_hash: str, open_hour: int
    ) -> tuple[OrderOut | None, int, int]:
        with self._session() as session:
            floor = orders_repo.min_valid_nonce(session, participant=participant)
            row = orders_repo.get_order(session, order_hash=order_hash)
            existing = None if row is None else order_out(row, open_hour=open_hour, min_nonce=floor)
            count = orders_repo.count_open_orders(
                session, participant=participant, open_from_hour=open_hour, min_nonce=floor
            )
            return existing, floor, count

    def open_book(self, participant: str, open_hour: int) -> OpenBook:
        with self._session() as session:
            return self._books.read(session, participant=participant, open_hour=open_hour)

    def store_order(
        self,
        order: SignedOrder,
        *,
        accepted_at: float,
        receipt_signature: str,
        cancel_receipt_signature: str | None,
        open_hour: int,
    ) -> tuple[OrderOut, bool, float]:
        row = Order.accepted(order, accepted_at=accepted_at, receipt_signature=receipt_signature)
        cancel_values = None
        if order.replaces is not None:
            cancel_values = {
                "cancelled_at": accepted_at,
                "replaced_by": order.order_hash,
                "cancel_signature": order.signature,
                "cancel_receipt_signature": cancel_receipt_signature,
            }
        with write_turn(self.engine), self._session() as session:
            stored = orders_repo.insert_order(session, order=row, cancel_values=cancel_values)
            duplicate = stored.accepted_at != accepted_at
            return self._out(session, stored, open_hour), duplicate, stored.accepted_at

    def order_receipt_signatures(self, order_hash: str) -> tuple[str | None, str | None]:
        with self._session() as session:
            row = orders_repo.get_order(session, order_hash=order_hash)
            if row is None:
                raise NotFound(f"order_hash: no order {order_hash}")
            accepted = None if row.batch_hash is not None else row.receipt_signature
            cancelled = None if row.cancel_batch_hash is not None else row.cancel_receipt_signature
            return accepted, cancelled

    def get_order(self, order_hash: str, open_hour: int) -> OrderOut | None:
        with self._session() as session:
            row = orders_repo.get_order(session, order_hash=order_hash)
            return None if row is None else self._out(session, row, open_hour)

    def cancel_order(
        self,
        order_hash: str,
        *,
        cancelled_at: float,
        signature: str,
        receipt_signature: str,
        open_hour: int,
    ) -> OrderOut:
        with write_turn(self.engine), self._session() as session:
            values = {
                "cancelled_at": cancelled_at,
                "cancel_signature": signature,
                "cancel_receipt_signature": receipt_signature,
            }
            row = orders_repo.cancel_order(session, order_hash=order_hash, values=values)
            if row is None:
                raise NotFound(f"order_hash: no order {order_hash}")
            return self._out(session, row, open_hour)

    def list_orders(self, participant: str, *, open_hour: int, only_open: bool) -> list[OrderOut]:
        with self._session() as session:
            rows = orders_repo.list_orders(
                session, participant=participant, open_from_hour=open_hour if only_open else None
            )
            floor = orders_repo.min_valid_nonce(session, participant=participant)
            outcomes = outcomes_of(session, rows)
        outs = [
            order_out(
                row, open_hour=open_hour, min_nonce=floor, outcomes=outcomes.get(row.order_hash, [])
            )
            for row in rows
        ]
        return [out for out in outs if out.status == OrderStatus.OPEN] if only_open else outs

    def positions(self, participant: str) -> list[PositionOut]:
        with self._session() as session:
            rows = results_repo.positions(session, participant=participant)
        return [
            PositionOut(product=r.product, quantity=r.quantity, updated_hour=r.updated_hour)
            for r in rows
        ]

    def trades(self, participant: str) -> list[TradeOut]:
        with self._session() as session:
            return published.trades(session, participant=participant)

    def fills(self, participant: str) -> list[FillOut]:
        with self._session() as session:
            rows = results_repo.participant_order_fills(session, participant=participant)
        return [FillOut(hour=r.hour, order_hash=r.order_hash, quantity=r.quantity) for r in rows]

    def settlement(self, participant: str) -> SettlementOut:
        with self._session() as session:
            rows = results_repo.participant_history(session, participant=participant)
            committed = oracle_repo.participant_amounts(session, participant=participant)
        hours, total, net_total, fee_total = [], 0.0, 0, 0
        for row in rows:
            total += row.cash
            exact = committed.get(row.hour)
            if exact is not None:
                net_total += exact[0]
                fee_total += exact[1]
            hours.append(
                SettlementHourOut(
                    hour=row.hour,
                    cash=row.cash,
                    accumulated=total,
                    net_cash_wei=None if exact is None else str(exact[0]),
                    fee_wei=None if exact is None else str(exact[1]),
                )
            )
        return SettlementOut(
            participant=participant,
            accumulated_cash=total,
            to_settle_wei=str(net_total),
            fees_wei=str(fee_total),
            hours=hours,
        )

    def hour(self, hour: int) -> HourOut:
        with self._session() as session:
            return published.hour_summary(session, hour=hour)

    def latest_hour(self) -> int | None:
        with self._session() as session:
            return results_repo.latest_hour(session)

    def hour_prices(self, hour: int) -> list[ProductResultOut]:
        with self._session() as session:
            published.require_hour(session, hour=hour)
            rows = results_repo.hour_products(session, hour=hour)
        return [
            ProductResultOut(
                hour=r.hour, product=r.product, price=r.price, volume=r.volume, slope=r.slope
            )
            for r in rows
        ]

    def hour_certificate(self, hour: int) -> dict[str, Any]:
        with self._session() as session:
            return dict(published.require_hour(session, hour=hour).certificate)

    def hour_orders(self, hour: int) -> dict[str, Any]:
        with self._session() as session:
            published.require_hour(session, hour=hour)
            return dict(published.order_set(session, hour=hour))

    def hour_network(self, hour: int) -> NetworkOut:
        with self._session() as session:
            return published.hour_network(session, hour=hour)

    def hour_exclusions(self, hour: int) -> list[ExclusionOut]:
        with self._session() as session:
            return published.exclusions(session, hour=hour)

    def price_proof(self, hour: int, product: str) -> ProofOut:
        with self._session() as session:
            return published.price_proof(session, hour=hour, product=product)

    def participant_proof(self, hour: int, participant: str) -> ProofOut:
        with self._session() as session:
            return published.participant_proof(session, hour=hour, participant=participant)

    def create_challenge(
        self, *, nonce: str, address: str, issued_at: int, expires_at: int
    ) -> None:
        with self._session() as session:
            auth_repo.purge_expired(session, now=issued_at)
            auth_repo.create_challenge(
                session,
                challenge=AuthChallenge(
                    nonce=nonce, address=address, issued_at=issued_at, expires_at=expires_at
                ),
            )

    def consume_challenge(
        self, *, nonce: str, address: str, issued_at: int, expires_at: int, now: float
    ) -> bool:
        with self._session() as session:
            return auth_repo.consume_challenge(
                session,
                nonce=nonce,
                address=address,
                issued_at=issued_at,
                expires_at=expires_at,
                now=now,
            )
