"""Read a `MarketRecord` from a flowmarket database, read-only.

The database is never created or migrated here: a missing SQLite file, a database
without flowmarket's tables, a market with no cleared hour and an hour range that
selects none are `FieldError`s naming the option the user gave (`--state-dir`,
`--database-url`, `--hours`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlmodel import Session

from flowmarket.catalogue import parse_hour_value
from flowmarket.db import report_repo
from flowmarket.db.engine import make_engine
from flowmarket.errors import FieldError
from flowmarket.reports.record import (
    AlertRecord,
    AmountRecord,
    HourRecord,
    MarketRecord,
    WeekRecord,
)

REQUIRED_TABLES = (
    "hour_results",
    "hour_products",
    "hour_participants",
    "oracle_hours",
    "oracle_hour_books",
    "oracle_hour_clearings",
)


@dataclass(frozen=True)
class Source:
    """Where to read: a database URL, the option that named it, the demo's state folder."""

    url: str
    option: str
    state_dir: Path | None = None

    @property
    def shown(self) -> str:
        """The database as shown to people: a SQLite file's path, any other URL with its
        password hidden (the report may be shared; the URL must not leak it)."""
        try:
            url = make_url(self.url)
        except ArgumentError:
            return "(unreadable database URL)"
        if url.get_backend_name() == "sqlite" and url.database:
            return url.database
        return url.render_as_string(hide_password=True)


def parse_hour_range(text: str) -> tuple[int | None, int | None]:
    """`A:B`, `A:` or `:B` (inclusive; hour indices or UTC hours like 2026-11-22T14)."""
    if text.count(":") < 1:
        raise FieldError("--hours", f"expected A:B, A: or :B, got {text!r}")
    # A UTC time may itself contain ':' (2026-11-22T14:00); split at the ':' that
    # separates two parts which both parse.
    for cut in [i for i, ch in enumerate(text) if ch == ":"]:
        left, right = text[:cut].strip(), text[cut + 1 :].strip()
        try:
            first = parse_hour_value(left, "--hours") if left else None
            last = parse_hour_value(right, "--hours") if right else None
        except FieldError:
            continue
        if first is not None and last is not None and first > last:
            raise FieldError("--hours", f"the range {text!r} ends before it starts")
        return first, last
    raise FieldError(
        "--hours", f"expected A:B with hour indices or UTC hours (YYYY-MM-DDTHH), got {text!r}"
    )


def open_source(source: Source) -> Engine:
    """An engine on an existing flowmarket database (never created, never migrated)."""
    try:
        url = make_url(source.url)
    except ArgumentError as exc:
        raise FieldError(source.option, "not a database URL") from exc
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not url.database or not path.is_file():
            where = source.state_dir if source.state_dir is not None else path
            raise FieldError(
                source.option,
                f"no database at {path} ({where} holds no market: run `flowmarket demo` first)",
            )
    try:
        engine = make_engine(source.url)
    except ArgumentError as exc:  # includes an unknown dialect (NoSuchModuleError)
        raise FieldError(source.option, f"no database driver for {source.shown}") from exc
    try:
        tables = set(inspect(engine).get_table_names())
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = f"cannot open {source.shown}: {exc.__class__.__name__}"
        raise FieldError(source.option, reason) from exc
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        engine.dispose()
        raise FieldError(
            source.option,
            f"{source.shown} has no {missing[0]} table: not a flowmarket database, or one "
            "from an older version (`flowmarket db upgrade` migrates it)",
        )
    return engine


def participant_labels(state_dir: Path | None) -> dict[str, str]:
    """{address: agent name} from the demo's summary.json, when there is one."""
    if state_dir is None or not (state_dir / "summary.json").is_file():
        return {}
    try:
        summary = json.loads((state_dir / "summary.json").read_text(encoding="utf-8"))
        return {str(p["address"]): str(p["agent"]) for p in summary["participants"]}
    except (ValueError, KeyError, TypeError):
        return {}


def _hour_records(session: Session, first: int, last: int) -> tuple[HourRecord, ...]:
    records = []
    for row in report_repo.hour_results(session, first=first, last=last):
        cert = row.certificate
        records.append(
            HourRecord(
                hour=row.hour,
                n_orders=row.n_orders,
                welfare=row.welfare,
                max_imbalance=float(cert.get("max_imbalance", 0.0)),
                max_order_gap=float(cert.get("max_order_gap", 0.0)),
                duality_gap=float(cert.get("duality_gap", 0.0)),
                projection_exact=bool(cert.get("projection_exact", True)),
                committed=row.commit_tx_hash is not None,
            )
        )
    return tuple(records)


def resolve_range(
    bounds: tuple[int, int], wanted: tuple[int | None, int | None], text: str | None
) -> tuple[int, int]:
    """The cleared hours to report: `wanted` clipped to what was cleared."""
    first = bounds[0] if wanted[0] is None else max(bounds[0], wanted[0])
    last = bounds[1] if wanted[1] is None else min(bounds[1], wanted[1])
    if first > last:
        raise FieldError(
            "--hours", f"no cleared hour in {text!r}: the market cleared {bounds[0]}–{bounds[1]}"
        )
    return first, last


def read_record(
    engine: Engine,
    *,
    source: Source,
    hours: tuple[int | None, int | None] = (None, None),
    hours_text: str | None = None,
    curve_hours: Sequence[int] = (),
) -> MarketRecord:
    """Everything the report shows for the cleared hours in `hours` (inclusive).

    curve_hours: hours whose order books are loaded for the net-demand curves; empty
    means the last cleared hour of the range.
    """
    with Session(engine) as session:
        bounds = report_repo.hour_bounds(session)
        if bounds is None:
            raise FieldError(source.option, f"{source.shown}: the market has no cleared hour yet")
        first, last = resolve_range(bounds, hours, hours_text)
        records = _hour_records(session, first, last)
        books = {}
        for hour in list(curve_hours) or [records[-1].hour]:
            document = report_repo.engine_document(session, hour=hour)
            if document is None or not first <= hour <= last:
                raise FieldError("--curve-hour", f"hour {hour} is not a cleared hour of the report")
            books[hour] = document
        return MarketRecord(
            source=source.shown,
            first=first,
            last=last,
            hours=records,
            products=report_repo.product_rows(session, first=first, last=last),
            participants=report_repo.participant_rows(session, last=last),
            collateral=report_repo.collateral_rows(session, first=first, last=last),
            amounts=[
                AmountRecord(a.hour, a.participant, int(a.net_cash), int(a.fee))
                for a in report_repo.hour_amounts(session, first=first, last=last)
            ],
            weeks=[
                WeekRecord(w.week, w.status, int(w.fees), {k: int(v) for k, v in w.amounts.items()})
                for w in report_repo.weeks(session)
            ],
            alerts=[
                AlertRecord(int(a.hour or 0), a.kind, a.message)
                for a in report_repo.alerts(session, first=first, last=last)
            ],
            distinct_orders=report_repo.distinct_orders(session, first=first, last=last),
            books=books,
            labels=participant_labels(source.state_dir),
        )
