"""Repository functions of the clearing oracle: its clock, journal, exact amounts, weeks,
expected positions and alerts, and the commitment columns of the hourly results that
the API serves. (The standing orders it snapshots: `orders_repo.standing_orders`.)"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from sqlalchemy import String, Table, bindparam, cast, delete, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from flowmarket.db.models import HourParticipant, HourProduct, HourResult, Position
from flowmarket.db.oracle_tables import (
    ExpectedPosition,
    OracleAlert,
    OracleClockRow,
    OracleHour,
    OracleHourAmount,
    OracleHourBook,
    OracleWeek,
)
from flowmarket.db.results_repo import table_of
from flowmarket.errors import JournalError, NotFound
from flowmarket.states import WeekStatus

_LARGE_JOURNAL_COLUMNS = ("engine_doc", "owners", "collateral", "result_doc")
_CHUNK = 500  # names per IN (...) list: SQLite allows 32,766 parameters, stay well below


def clock_row(session: Session) -> OracleClockRow | None:
    return session.get(OracleClockRow, 1)


def save_clock(
    session: Session, *, genesis_hour: int, epoch_s: float, hour_length_s: float
) -> None:
    session.add(
        OracleClockRow(genesis_hour=genesis_hour, epoch_s=epoch_s, hour_length_s=hour_length_s)
    )
    session.commit()


def journal_hour(session: Session, *, hour: int, light: bool = False) -> OracleHour | None:
    """The journal row of `hour`. With `light` its large JSON columns (engine_doc, owners,
    collateral, result_doc: megabytes at the demo catalogue) are deferred: they load
    only if read while `session` is still open."""
    if not light:
        return session.get(OracleHour, hour)
    options = [defer(getattr(OracleHour, name)) for name in _LARGE_JOURNAL_COLUMNS]
    return session.get(OracleHour, hour, options=options)


def journal_texts(session: Session, *, hour: int) -> tuple[str, str]:
    """The journaled order set and collateral record of `hour` as stored (JSON text, not
    decoded): the publish step writes them to the order-set file as they are."""
    table = table_of(OracleHourBook).c
    query = sa_select(cast(table.engine_doc, String), cast(table.collateral, String))
    row = session.connection().execute(query.where(table.hour == hour)).one_or_none()
    if row is None or row[0] is None or row[1] is None:
        raise JournalError(f"hour {hour}: no journaled order set")
    return str(row[0]), str(row[1])


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


def positions_of(session: Session, *, participants: Iterable[str]) -> dict[str, dict[str, float]]:
    """{participant: {product: GB/h}} accumulated positions."""
    return _quantities(session, table_of(Position), participants)


def positions_wei_of(session: Session, *, participants: Iterable[str]) -> dict[str, dict[str, int]]:
    """{participant: {product: 10⁻¹⁸ GB/h}}: the exact holdings (`Position.wei`)."""
    wanted = list(participants)
    out: dict[str, dict[str, int]] = {p: {} for p in wanted}
    table = table_of(Position)
    query = sa_select(table.c.participant, table.c.product, table.c.wei).where(
        table.c.participant.in_(wanted)
    )
    for participant, product, wei in session.connection().execute(query):
        out[participant][product] = int(wei)
    return out


def _quantities(
    session: Session, table: Table, participants: Iterable[str]
) -> dict[str, dict[str, float]]:
    """{participant: {product: quantity}} from a (participant, product, quantity) table,
    read as plain tuples (thousands of rows an hour: no ORM objects)."""
    wanted = list(participants)
    out: dict[str, dict[str, float]] = {p: {} for p in wanted}
    query = sa_select(table.c.participant, table.c.product, table.c.quantity).where(
        table.c.participant.in_(wanted)
    )
    for participant, product, quantity in session.connection().execute(query):
        out[participant][product] = float(quantity)
    return out


def all_position_holders(session: Session) -> list[str]:
    query = select(Position.participant).distinct().order_by(col(Position.participant))
    return list(session.exec(query))


def expected_positions(
    session: Session, *, participants: Iterable[str]
) -> dict[str, dict[str, float]]:
    """{participant: {product: GB/h}} reported expected positions."""
    return _quantities(session, table_of(ExpectedPosition), participants)


def live_products(session: Session) -> set[str]:
    """Every product someone holds a position in or reported an expected position for."""
    held = session.exec(select(Position.product).distinct())
    expected = session.exec(select(ExpectedPosition.product).distinct())
    return {*held, *expected}


def drop_products(session: Session, *, products: Collection[str]) -> None:
    """Remove every position and expected position in `products` (delivered products
    leave the live state; their hourly rows stay). Does not commit."""
    names = sorted(products)
    for start in range(0, len(names), _CHUNK):
        chunk = names[start : start + _CHUNK]
        for table in (table_of(Position), table_of(ExpectedPosition)):
            session.connection().execute(delete(table).where(table.c.product.in_(chunk)))


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


def participant_amounts(session: Session, *, participant: str) -> dict[int, tuple[int, int]]:
    """{hour: (net cash wei, fee wei)} of the participant's committed entry leaves."""
    query = select(OracleHourAmount).where(OracleHourAmount.participant == participant)
    return {row.hour: (int(row.net_cash), int(row.fee)) for row in session.exec(query)}


def week_totals(
    session: Session, *, first_hour: int, last_hour: int, excluded: Collection[int] = ()
) -> tuple[dict[str, int], int]:
    """Exact sums over hours [first_hour, last_hour] but the `excluded` ones (voided on
    chain by a proven wrong trade): ({participant: net wei}, fees wei)."""
    query = select(OracleHourAmount).where(
        OracleHourAmount.hour >= first_hour, OracleHourAmount.hour <= last_hour
    )
    totals: dict[str, int] = {}
    fees = 0
    for row in session.exec(query):
        if row.hour in excluded:
            continue
        totals[row.participant] = totals.get(row.participant, 0) + int(row.net_cash)
        fees += int(row.fee)
    return totals, fees


def week_hours(
    session: Session, *, first_hour: int, last_hour: int, excluded: Collection[int] = ()
) -> dict[str, int]:
    """{participant: bitmap} over hours [first_hour, last_hour] but the `excluded` ones:
    bit h − first_hour set when the participant has an amounts row (an entry leaf) in hour h."""
    query = select(OracleHourAmount.hour, OracleHourAmount.participant).where(
        OracleHourAmount.hour >= first_hour, OracleHourAmount.hour <= last_hour
    )
    bitmaps: dict[str, int] = {}
    for hour, participant in session.exec(query):
        if hour in excluded:
            continue
        bitmaps[participant] = bitmaps.get(participant, 0) | (1 << (hour - first_hour))
    return bitmaps


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
        raise NotFound(f"hour: hour {hour} has no stored result")
    result.orders_root = roots["orders_root"]
    result.prices_root = roots["prices_root"]
    result.positions_root = roots["entries_root"]
    result.commit_tx_hash = tx_hash
    result.committed_at = committed_at
    session.add(result)
    session.flush()
    _fill_proofs(session, table_of(HourProduct), "product", hour, price_proofs)
    _fill_proofs(session, table_of(HourParticipant), "participant", hour, entry_proofs)
    session.commit()


def _fill_proofs(
    session: Session,
    table: Table,
    key: str,
    hour: int,
    proofs: Mapping[str, tuple[str, list[str]]],
) -> None:
    """One executemany UPDATE of (leaf, merkle_proof) for the hour's rows named in `proofs`
    (rows that do not exist are left alone)."""
    if not proofs:
        return
    statement = (
        update(table)
        .where(table.c.hour == bindparam("h"), table.c[key] == bindparam("k"))
        .values(leaf=bindparam("leaf_value"), merkle_proof=bindparam("proof_value"))
    )
    rows = [
        {"h": hour, "k": name, "leaf_value": leaf, "proof_value": proof}
        for name, (leaf, proof) in proofs.items()
    ]
    session.connection().execute(statement, rows)


def get_week(session: Session, *, week: int) -> OracleWeek | None:
    return session.get(OracleWeek, week)


def open_weeks(session: Session) -> list[OracleWeek]:
    query = (
        select(OracleWeek)
        .where(OracleWeek.status != WeekStatus.DONE)
        .order_by(col(OracleWeek.week))
    )
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
