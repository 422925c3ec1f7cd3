"""Storage tests run against SQLite and PostgreSQL.

PostgreSQL comes from `FLOWMARKET_TEST_POSTGRES_URL` (scripts/test starts one in CI
and exports postgresql://fm:fm@127.0.0.1:5432/fm). Without it the PostgreSQL cases
skip, except under CI=true where a missing database is a failure. Each test gets its
own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, create_engine, text

from flowmarket.db.engine import make_engine

POSTGRES_ENV = "FLOWMARKET_TEST_POSTGRES_URL"


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV, "")
    if url:
        return url
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {POSTGRES_ENV} is not set: the PostgreSQL storage tests must run")
    pytest.skip(f"{POSTGRES_ENV} is not set; PostgreSQL storage tests skipped")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a fresh SQLite file or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'storage.sqlite'}"
        return
    base = postgres_url()
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(make_engine(base).url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    from flowmarket.db.engine import upgrade

    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()
