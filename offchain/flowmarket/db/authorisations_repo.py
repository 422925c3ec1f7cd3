"""Repository functions for participants' signed authorisations.

`record` stores one (idempotently by its id) and, when it replaces another, cancels that
one in the same transaction; `standing` is the oracle's read at a bidding close.
"""

from __future__ import annotations

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from flowmarket.authorisations import Authorisation
from flowmarket.db.authorisation_tables import AuthorisationRow
from flowmarket.errors import Conflict


def get(session: Session, *, auth_hash: str) -> AuthorisationRow | None:
    return session.get(AuthorisationRow, auth_hash)


def of_participant(session: Session, *, participant: str) -> list[AuthorisationRow]:
    """All of the participant's authorisations, newest first (accepted at one second:
    the higher nonce first)."""
    query = (
        select(AuthorisationRow)
        .where(AuthorisationRow.participant == participant)
        .order_by(
            col(AuthorisationRow.accepted_at).desc(),
            col(AuthorisationRow.nonce).desc(),
            col(AuthorisationRow.auth_hash),
        )
    )
    return list(session.exec(query))


def live_same_direction(
    session: Session, *, participant: str, direction: str, open_hour: int
) -> list[AuthorisationRow]:
    """The participant's authorisations over `direction` not cancelled and not expired."""
    query = select(AuthorisationRow).where(
        AuthorisationRow.participant == participant,
        AuthorisationRow.direction == direction,
        col(AuthorisationRow.cancelled_at).is_(None),
        AuthorisationRow.until_hour >= open_hour,
    )
    return list(session.exec(query))


def record(
    session: Session,
    *,
    row: AuthorisationRow,
    replaced: str | None,
    cancelled_at: float,
    cancel_receipt_signature: str | None,
) -> tuple[AuthorisationRow, bool]:
    """Store `row` (cancelling `replaced` with it); (stored row, duplicate). Raises
    Conflict("authorisation.nonce") for another authorisation with the same nonce, and
    Conflict("authorisation.replaces") when `replaced` was cancelled meanwhile."""
    existing = session.get(AuthorisationRow, row.auth_hash)
    if existing is not None:
        return existing, True
    if replaced is not None:
        old = session.get(AuthorisationRow, replaced, with_for_update=True)
        if old is None or old.cancelled_at is not None:
            raise Conflict("authorisation.replaces", f"authorisation {replaced} is not live")
        old.cancelled_at = cancelled_at
        old.replaced_by = row.auth_hash
        old.cancel_receipt_signature = cancel_receipt_signature
        session.add(old)
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        again = session.get(AuthorisationRow, row.auth_hash)
        if again is not None:
            return again, True
        raise Conflict(
            "authorisation.nonce", f"nonce {row.nonce} is used by another authorisation"
        ) from None
    session.refresh(row)
    return row, False


def cancel(
    session: Session,
    *,
    auth_hash: str,
    cancelled_at: float,
    signature: str,
    receipt_signature: str,
) -> AuthorisationRow:
    """Cancel (idempotent: a cancelled one is returned unchanged)."""
    row = session.get(AuthorisationRow, auth_hash, with_for_update=True)
    if row is None:
        raise Conflict("auth_hash", f"no authorisation {auth_hash}")
    if row.cancelled_at is None:
        row.cancelled_at = cancelled_at
        row.cancel_signature = signature
        row.cancel_receipt_signature = receipt_signature
        session.add(row)
        session.commit()
        session.refresh(row)
    return row


def _wei(value: str | None) -> int | None:
    return None if value is None else int(value)


def as_authorisation(row: AuthorisationRow) -> Authorisation:
    return Authorisation(
        auth_hash=row.auth_hash,
        participant=row.participant,
        portfolio=dict(row.portfolio),
        min_rate=_wei(row.min_rate),
        max_rate=_wei(row.max_rate),
        min_position=_wei(row.min_position),
        max_position=_wei(row.max_position),
    )


def standing(session: Session, *, hour: int, close: float) -> list[Authorisation]:
    """The authorisations governing delivery hour `hour` at its bidding close `close`,
    newest first (of two over one portfolio, the newest governs)."""
    return [as_authorisation(row) for row in standing_rows(session, hour=hour, close=close)]


def standing_rows(session: Session, *, hour: int, close: float) -> list[AuthorisationRow]:
    """`standing`'s authorisations as stored (with their signatures), in its order."""
    query = (
        select(AuthorisationRow)
        .where(
            AuthorisationRow.accepted_at < close,
            or_(
                col(AuthorisationRow.cancelled_at).is_(None),
                col(AuthorisationRow.cancelled_at) >= close,
            ),
            AuthorisationRow.from_hour <= hour,
            AuthorisationRow.until_hour >= hour,
        )
        .order_by(
            col(AuthorisationRow.accepted_at).desc(),
            col(AuthorisationRow.nonce).desc(),
            col(AuthorisationRow.auth_hash),
        )
    )
    return list(session.exec(query))
