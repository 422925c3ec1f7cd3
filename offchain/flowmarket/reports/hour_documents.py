"""One cleared hour's ORDERS.json and RESULT.json, read from a market's database."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from flowmarket.db import oracle_repo
from flowmarket.errors import FieldError
from flowmarket.reports.sources import Source, open_source


def hour_documents(source: Source, hour: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the engine document the oracle cleared, its result) of `hour`, read-only.

    `FieldError("--hour", …)` when the hour was never cleared in that database."""
    engine = open_source(source)
    try:
        with Session(engine) as session:
            row = oracle_repo.journal_hour(session, hour=hour)
            if row is None or row.result_doc is None:
                raise FieldError("--hour", f"hour {hour} is not cleared in {source.shown}")
            return dict(row.engine_doc), dict(row.result_doc)
    finally:
        engine.dispose()
