"""The API's storage of authorisations over `db` (part of `SqlBackend`)."""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.api.authorisation_intake import VerifiedAuthorisation
from flowmarket.api.authorisation_schemas import (
    AuthorisationOut,
    AuthorisationsOut,
    RateBoundsOut,
)
from flowmarket.authorisations import WAD, position_range, rate_bounds
from flowmarket.db import authorisations_repo, oracle_repo
from flowmarket.db.authorisation_tables import AuthorisationRow
from flowmarket.errors import Conflict, FieldError, NotFound
from flowmarket.signing.authorisation import LIMITS


def _gbh(value: str | None) -> float | None:
    return None if value is None else float(Fraction(int(value), WAD))


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def status_of(row: AuthorisationRow, open_hour: int) -> str:
    if row.cancelled_at is not None:
        return "replaced" if row.replaced_by is not None else "cancelled"
    return "expired" if row.until_hour < open_hour else "live"


def authorisation_out(
    row: AuthorisationRow, open_hour: int, held: dict[str, int] | None = None
) -> AuthorisationOut:
    status = status_of(row, open_hour)
    position = bounds = None
    if held is not None:
        least, most = position_range(row.portfolio, held)
        position = RateBoundsOut(min_rate=float(least), max_rate=float(most))
        if status == "live":
            lo, hi = rate_bounds(authorisations_repo.as_authorisation(row), held)
            bounds = RateBoundsOut(min_rate=_float(lo), max_rate=_float(hi))
    return AuthorisationOut(
        auth_hash=row.auth_hash,
        participant=row.participant,
        nonce=row.nonce,
        from_hour=row.from_hour,
        until_hour=row.until_hour,
        portfolio=dict(row.portfolio),
        replaces=row.replaces,
        replaced_by=row.replaced_by,
        status=status,
        accepted_at=row.accepted_at,
        cancelled_at=row.cancelled_at,
        signature=row.signature,
        position=position,
        next_bounds=bounds,
        **{name: _gbh(getattr(row, name)) for name in LIMITS},
    )


class AuthorisationsSql:
    """`MarketBackend`'s authorisation methods on a SQLAlchemy engine."""

    engine: Engine

    def get_authorisation(self, auth_hash: str, open_hour: int) -> AuthorisationOut | None:
        with Session(self.engine) as session:
            row = authorisations_repo.get(session, auth_hash=auth_hash)
            return None if row is None else authorisation_out(row, open_hour)

    def authorisation_receipts(self, auth_hash: str) -> tuple[str, str | None]:
        """(accepted, cancel) receipt signatures as stored."""
        with Session(self.engine) as session:
            row = authorisations_repo.get(session, auth_hash=auth_hash)
            if row is None:
                raise NotFound(f"auth_hash: no authorisation {auth_hash}")
            return row.receipt_signature, row.cancel_receipt_signature

    def check_authorisation(self, auth: VerifiedAuthorisation, open_hour: int) -> None:
        """Conflict unless `auth` may be stored now: the one it replaces is the
        participant's and live, and no other live one governs the same portfolio."""
        message = auth.message
        with Session(self.engine) as session:
            if message.replaces is not None:
                old = authorisations_repo.get(session, auth_hash=message.replaces)
                if old is None:
                    raise FieldError(
                        "authorisation.replaces", f"unknown authorisation {message.replaces}"
                    )
                if old.participant != message.participant:
                    raise FieldError("authorisation.replaces", "belongs to another participant")
                if old.replaced_by == auth.auth_hash:
                    return
                if old.cancelled_at is not None:
                    raise Conflict(
                        "authorisation.replaces",
                        f"authorisation {message.replaces} is {status_of(old, open_hour)}",
                    )
            others = authorisations_repo.live_same_direction(
                session,
                participant=message.participant,
                direction=auth.direction,
                open_hour=open_hour,
            )
            for other in others:
                if other.auth_hash not in (auth.auth_hash, message.replaces):
                    raise Conflict(
                        "authorisation.portfolio",
                        f"authorisation {other.auth_hash} already governs this portfolio; "
                        "replace or cancel it",
                    )

    def store_authorisation(
        self,
        auth: VerifiedAuthorisation,
        *,
        accepted_at: float,
        receipt_signature: str,
        cancel_receipt_signature: str | None,
        open_hour: int,
    ) -> tuple[AuthorisationOut, bool]:
        message = auth.message
        row = AuthorisationRow(
            auth_hash=auth.auth_hash,
            participant=message.participant,
            nonce=message.nonce,
            from_hour=message.from_hour,
            until_hour=message.until_hour,
            replaces=message.replaces,
            portfolio=dict(message.portfolio),
            direction=auth.direction,
            signature=auth.signature,
            receipt_signature=receipt_signature,
            accepted_at=accepted_at,
        )
        for name, value in auth.limits.items():
            setattr(row, name, None if value is None else str(value))
        with Session(self.engine, expire_on_commit=False) as session:
            stored, duplicate = authorisations_repo.record(
                session,
                row=row,
                replaced=message.replaces,
                cancelled_at=accepted_at,
                cancel_receipt_signature=cancel_receipt_signature,
            )
            return authorisation_out(stored, open_hour), duplicate

    def cancel_authorisation(
        self,
        auth_hash: str,
        *,
        cancelled_at: float,
        signature: str,
        receipt_signature: str,
        open_hour: int,
    ) -> AuthorisationOut:
        with Session(self.engine, expire_on_commit=False) as session:
            row = authorisations_repo.cancel(
                session,
                auth_hash=auth_hash,
                cancelled_at=cancelled_at,
                signature=signature,
                receipt_signature=receipt_signature,
            )
            return authorisation_out(row, open_hour)

    def authorisations(self, participant: str, open_hour: int) -> AuthorisationsOut:
        with Session(self.engine) as session:
            rows = authorisations_repo.of_participant(session, participant=participant)
            held = oracle_repo.positions_wei_of(session, participants=[participant])[participant]
        return AuthorisationsOut(
            participant=participant,
            authorisations=[authorisation_out(row, open_hour, held) for row in rows],
        )
