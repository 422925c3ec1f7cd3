"""One-time sign-in challenges."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col, delete

from flowmarket.db.models import AuthChallenge


def create_challenge(session: Session, *, challenge: AuthChallenge) -> AuthChallenge:
    session.add(challenge)
    session.commit()
    session.refresh(challenge)
    return challenge


def consume_challenge(
    session: Session, *, nonce: str, address: str, issued_at: int, expires_at: int, now: float
) -> bool:
    """Atomically mark the challenge used; False when unknown, used, expired, foreign or
    signed with other times than it was issued with."""
    statement = (
        update(AuthChallenge)
        .where(
            col(AuthChallenge.nonce) == nonce,
            col(AuthChallenge.address) == address,
            col(AuthChallenge.issued_at) == issued_at,
            col(AuthChallenge.expires_at) == expires_at,
            col(AuthChallenge.used).is_(False),
            col(AuthChallenge.expires_at) > now,
        )
        .values(used=True)
    )
    result = session.connection().execute(statement)
    session.commit()
    return result.rowcount == 1


def purge_expired(session: Session, *, now: float) -> None:
    session.exec(delete(AuthChallenge).where(col(AuthChallenge.expires_at) < now))
    session.commit()
