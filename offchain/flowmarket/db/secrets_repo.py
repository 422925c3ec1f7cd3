"""Per-deployment secrets: created once (first writer wins), then read by everyone."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from flowmarket.db.models import ServerSecret
from flowmarket.errors import NotFound


def get_or_create(session: Session, *, name: str, make: Callable[[], str]) -> str:
    """The stored secret `name`; stores `make()` first when there is none. Concurrent
    first starts (several workers) all return the one value that was stored."""
    row = session.get(ServerSecret, name)
    if row is not None:
        return row.value
    session.add(ServerSecret(name=name, value=make(), created_at=time.time()))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
    stored = session.get(ServerSecret, name)
    if stored is None:
        raise NotFound(f"secret {name!r} was neither stored nor found")
    return stored.value
