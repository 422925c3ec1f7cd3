"""Repository functions of the clearing oracle: its clock, journal, exact amounts, weeks,
expected positions and alerts, the snapshot of standing orders at a given close time,
and the commitment columns of the hourly results that the API serves."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from flowmarket.db import orders_repo
from flowmarket.db.models import HourParticipant, HourProduct, HourResult, Order, Position
from flowmarket.db.oracle_tables import (
    ExpectedPosition,
    OracleAlert,
    OracleClockRow,
    OracleHour,
    OracleHourAmount,
    OracleWeek,
)


def clock_row(session: Session) -> OracleClockRow | None:
    return session.get(OracleClockRow, 1)


def save_clock(
    session: Session, *, genesis_hour: int, epoch_s: float, hour_length_s: float
) -> None:
    session.add(
        OracleClockRow(genesis_hour=genesis_hour, epoch_s=epoch_s, hour_length_s=hour_length_s)
    )
    session.commit()


def journal_hour(session: Session, *, hour: int) -> OracleHour | None:
    return session.get(OracleHour, hour)


def latest_journal_hour(session: Session, *, steps: Iterable[str] | None = None) -> int | None:
    """The highest journaled hour (whose step is one of `steps`, when given)."""
    query = select(func.max(OracleHour.hour))
    if steps is not None:
        query = query.where(col(OracleHour.step).in_(list(steps)))
    value = session.exec(query).one()
    return int(value) if value is not None else None


def unfinished_hours(session: Session, *, finished: str) -> list[OracleHour]:
    query = select(OracleHour).where(OracleHour.step != finished).order_by(col(OracleHour.hour))
    return list(session.exec(query))


def standing_orders_at(session: Session, *, hour: int, close: float) -> list[Order]:
    """The orders standing for delivery hour `hour` when its window closed at `close`
    (Unix seconds): accepted before, not cancelled before, covering the hour, nonce not
    below the participant's floor recorded before `close`. Oldest first."""
    query = (
        select(Order)
        .where(
            Order.accepted_at < close,
            or_(col(Order.cancelled_at).is_(None), col(Order.cancelled_at) >= close),
            Order.from_hour <= hour,
            Order.until_hour >= hour,
        )
        .order_by(col(Order.accepted_at), col(Order.order_hash))
    )
    rows = list(session.exec(query))
    floors = {
        participant: orders_repo.min_valid_nonce(session, participant=participant, at=close)
        for participant in {row.participant for row in rows}
    }
    return [row for row in rows if row.nonce >= floors[row.participant]]


def positions_of(session: Session, *, participants: Iterable[str]) -> dict[str, dict[str, float]]:
    """{participant: {product: GB/h}} accumulated positions."""
    wanted = list(participants)
    out: dict[str, dict[str, float]] = {p: {} for p in wanted}
    query = select(Position).where(col(Position.participant).in_(wanted))
    for row in session.exec(query):
        out[row.participant][row.product] = row.quantity
    return out


def all_position_holders(session: Session) -> list[str]:
    query = select(Position.participant).distinct().order_by(col(Position.participant))
    return list(session.exec(query))


def expected_positions(
    session: Session, *, participants: Iterable[str]
) -> dict[str, dict[str, float]]:
    wanted = list(participants)
    out: dict[str, dict[str, float]] = {p: {} for p in wanted}
    query = select(ExpectedPosition).where(col(ExpectedPosition.participant).in_(wanted))
    for row in session.exec(query):
        out[row.participant][row.product] = row.quantity
    return out


def report_expected_positions(
    session: Session, *, participant: str, quantities: Mapping[str, float], at: float
) -> None:
    """Replace the participant's reported expected positions ({product: GB/h})."""
    for row in session.exec(
        select(ExpectedPosition).where(ExpectedPosition.participant == participant)
    ):
        session.delete(row)
    for product, quantity in quantities.items():
        session.add(
            ExpectedPosition(
                participant=participant, product=product, quantity=quantity, reported_at=at
            )
        )
    session.commit()


def amounts_rows(
    hour: int, net_cash: Mapping[str, int], fees: Mapping[str, int]
) -> list[OracleHourAmount]:
    return [
        OracleHourAmount(hour=hour, participant=p, net_cash=str(net_cash[p]), fee=str(fees[p]))
        for p in sorted(net_cash)
    ]


def week_totals(session: Session, *, first_hour: int, last_hour: int) -> tuple[dict[str, int], int]:
    """Exact sums over hours [first_hour, last_hour]: ({participant: net wei}, fees wei)."""
    query = select(OracleHourAmount).where(
        OracleHourAmount.hour >= first_hour, OracleHourAmount.hour <= last_hour
    )
    totals: dict[str, int] = {}
    fees = 0
    for row in session.exec(query):
        totals[row.participant] = totals.get(row.participant, 0) + int(row.net_cash)
        fees += int(row.fee)
    return totals, fees


def fill_commitment(
    session: Session,
    *,
    hour: int,
    roots: Mapping[str, str],
    tx_hash: str,
    committed_at: float,
    price_proofs: Mapping[str, tuple[str, list[str]]],
    entry_proofs: Mapping[str, tuple[str, list[str]]],
) -> None:
    """Fill the hour's nullable commitment columns: roots (0x hex), the commit transaction,
    and each price and participant entry's leaf and Merkle proof (0x hex)."""
    result = session.get(HourResult, hour)
    if result is None:
        raise LookupError(f"hour {hour} has no stored result")
    result.orders_root = roots["orders_root"]
    result.prices_root = roots["prices_root"]
    result.positions_root = roots["entries_root"]
    result.commit_tx_hash = tx_hash
    result.committed_at = committed_at
    session.add(result)
    for product, (leaf, proof) in price_proofs.items():
        row = session.get(HourProduct, (hour, product))
        if row is not None:
            row.leaf, row.merkle_proof = leaf, proof
            session.add(row)
    for participant, (leaf, proof) in entry_proofs.items():
        entry = session.get(HourParticipant, (hour, participant))
        if entry is not None:
            entry.leaf, entry.merkle_proof = leaf, proof
            session.add(entry)
    session.commit()


def get_week(session: Session, *, week: int) -> OracleWeek | None:
    return session.get(OracleWeek, week)


def open_weeks(session: Session) -> list[OracleWeek]:
    query = select(OracleWeek).where(OracleWeek.status != "done").order_by(col(OracleWeek.week))
    return list(session.exec(query))


def latest_week(session: Session) -> int | None:
    value = session.exec(select(func.max(OracleWeek.week))).one()
    return int(value) if value is not None else None


def add_alert(session: Session, *, kind: str, message: str, hour: int | None = None) -> None:
    session.add(OracleAlert(at=time.time(), hour=hour, kind=kind, message=message[:1024]))
    session.commit()


def recent_alerts(session: Session, *, limit: int = 20) -> list[OracleAlert]:
    query = select(OracleAlert).order_by(col(OracleAlert.id).desc()).limit(limit)
    return list(session.exec(query))


def to_json(row: Any) -> dict[str, Any]:
    """A table row as a plain dict (for status output)."""
    return {key: value for key, value in row.model_dump().items()}
