"""Expected net demand: the trade-to-target tool's input table and its CSV form.

NEEDS.csv has a header row and these columns (any order; no others):

    region         a region of the catalogue          eu-west
    type           a service type of the catalogue    premium
    delivery_hour  hours since the epoch, or a UTC    2026-11-23T09, 2026-11-23T09:00Z, 493243
                   time on the hour
    expected_gb    expected net demand in that hour,  120.5  (negative = expects to sell)
                   GB/h (= GB in the hour)
    valuation      value of capacity at the target,   2.4
                   capacity tokens per GB, > 0

One row per region, type and delivery hour. Errors name the row (line number
in the file, header = 1) and the column, e.g. `row 7, column expected_gb: ...`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from flowmarket.catalogue.hours import parse_hour_value
from flowmarket.errors import FieldError

COLUMNS = ("region", "type", "delivery_hour", "expected_gb", "valuation")
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Series:
    """Expected need of one region and type: hours (k,) ascending, need and valuation (k,)."""

    hours: IntArray
    need: FloatArray
    valuation: FloatArray

    def lookup(self, hours: IntArray) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
        """Need and valuation at `hours` (0 where absent) and a mask of the hours present."""
        if self.hours.size == 0:
            zero = np.zeros(hours.shape, dtype=np.float64)
            return zero, zero.copy(), np.zeros(hours.shape, dtype=np.bool_)
        idx = np.minimum(np.searchsorted(self.hours, hours), self.hours.size - 1)
        found = np.asarray(self.hours[idx] == hours)
        need = np.where(found, self.need[idx], 0.0).astype(np.float64)
        value = np.where(found, self.valuation[idx], 0.0).astype(np.float64)
        return need, value, found


Needs = dict[tuple[str, str], Series]
"""Expected need by (region, type)."""


def needs_from_rows(rows: Iterable[tuple[str, str, int, float, float]]) -> Needs:
    """Build `Needs` from (region, type, hour, need GB/h, valuation tokens/GB) rows."""
    grouped: dict[tuple[str, str], list[tuple[int, float, float]]] = {}
    for region, type_, hour, need, value in rows:
        grouped.setdefault((region, type_), []).append((hour, need, value))
    out: Needs = {}
    for key, items in grouped.items():
        items.sort()
        out[key] = Series(
            hours=np.array([i[0] for i in items], dtype=np.int64),
            need=np.array([i[1] for i in items], dtype=np.float64),
            valuation=np.array([i[2] for i in items], dtype=np.float64),
        )
    return out


def _number(text: str, where: str, positive: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FieldError(where, f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise FieldError(where, f"must be finite, got {text!r}")
    if positive and value <= 0:
        raise FieldError(where, f"must be > 0 (tokens per GB), got {text!r}")
    return value


def _header(fields: Sequence[str] | None) -> None:
    if not fields:
        raise FieldError("row 1", f"missing header; expected columns {', '.join(COLUMNS)}")
    names = [f.strip() for f in fields]
    for name in names:
        if name not in COLUMNS:
            raise FieldError(
                f"row 1, column {name!r}", f"unknown column; expected {', '.join(COLUMNS)}"
            )
    for name in COLUMNS:
        if name not in names:
            raise FieldError(f"row 1, column {name}", "missing")
    if len(set(names)) != len(names):
        raise FieldError("row 1", "a column appears twice")


def parse_needs_csv(
    text: str, regions: Iterable[str], types: Iterable[str], from_hour: int | None = None
) -> Needs:
    """Parse NEEDS.csv text into `Needs`; rows for hours before `from_hour` are skipped.

    regions, types: the catalogue's; `FieldError` names the row and column.
    """
    known_regions, known_types = set(regions), set(types)
    reader = csv.DictReader(io.StringIO(text), skipinitialspace=True)
    _header(reader.fieldnames)
    reader.fieldnames = [f.strip() for f in reader.fieldnames or []]
    rows: list[tuple[str, str, int, float, float]] = []
    seen: dict[tuple[str, str, int], int] = {}
    for record in reader:
        line = reader.line_num

        def cell(column: str, record: dict[str, str | None] = record, line: int = line) -> str:
            value = record.get(column)
            if value is None or not value.strip():
                raise FieldError(f"row {line}, column {column}", "is empty")
            return value.strip()

        region, type_ = cell("region"), cell("type")
        if region not in known_regions:
            raise FieldError(f"row {line}, column region", f"{region!r} is not in the catalogue")
        if type_ not in known_types:
            raise FieldError(f"row {line}, column type", f"{type_!r} is not in the catalogue")
        hour = parse_hour_value(cell("delivery_hour"), f"row {line}, column delivery_hour")
        need = _number(cell("expected_gb"), f"row {line}, column expected_gb", positive=False)
        value = _number(cell("valuation"), f"row {line}, column valuation", positive=True)
        if (region, type_, hour) in seen:
            raise FieldError(
                f"row {line}",
                f"repeats region, type and delivery_hour of row {seen[(region, type_, hour)]}",
            )
        seen[(region, type_, hour)] = line
        if from_hour is None or hour >= from_hour:
            rows.append((region, type_, hour, need, value))
    if not seen:
        raise FieldError("row 2", "no data rows")
    return needs_from_rows(rows)
