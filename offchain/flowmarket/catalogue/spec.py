"""The catalogue specification: regions, service types and horizons, read from data.

A specification file (JSON, `format` = "flowmarket-catalogue/1") says which
products exist; `flowmarket.catalogue.listing` turns it and the current hour
into the concrete products. Fields:

- `name` (string), `description` (string, optional);
- `regions`: a list of region names, or, where the list is too long to write out,
  `{"prefix": "r", "count": 500}` meaning r001 … r500 (zero-padded to the width
  of `count`);
- `types`: the service types (market.md §3: premium, regular, fast);
- `network` (optional): links between regions with hourly capacities, costs and
  owners (`catalogue.network`);
- `horizons`: `hourly_days` (≥ 1: the real-time product plus hourly forwards cover
  the next 24 × hourly_days delivery hours), `monthly_months` and `annual_years`
  (≥ 0: forwards by hour of day × day type for the next calendar months/years).

Names (regions, types) are lower-case letters, digits and `-`, starting with a
letter or digit, at most 40 characters, so that product names stay readable and
`:`-separated. Bad files raise `FieldError` naming the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from flowmarket.catalogue.network import CatalogueNetwork, network_document, parse_network
from flowmarket.errors import FieldError, InvalidInput

FORMAT = "flowmarket-catalogue/1"
PACKAGED = ("demo", "production")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_TOP_KEYS = {"format", "name", "description", "regions", "types", "horizons", "network"}
_HORIZON_KEYS = {"hourly_days", "monthly_months", "annual_years"}
HOURS_PER_YEAR = 8760


@dataclass(frozen=True)
class Horizons:
    """How far ahead products are listed (calendar units, see the module docstring)."""

    hourly_days: int
    monthly_months: int = 0
    annual_years: int = 0

    @property
    def hourly_window(self) -> int:
        """Delivery hours h … h + hourly_window − 1 have hourly products at hour h."""
        return 24 * self.hourly_days

    @property
    def far_hours(self) -> int:
        """The nominal far end of trading (hours): 5 years for production, 7 days for the demo."""
        return max(
            self.hourly_window, self.monthly_months * 730, self.annual_years * HOURS_PER_YEAR
        )


@dataclass(frozen=True)
class CatalogueSpec:
    """A validated specification. regions and types keep the file's order."""

    name: str
    regions: tuple[str, ...]
    types: tuple[str, ...]
    horizons: Horizons
    description: str = ""
    network: CatalogueNetwork | None = None

    def products_per_region(self) -> int:
        """Products listed at any hour per region: types × (24·days + 2·24·(months + years))."""
        h = self.horizons
        per_type = h.hourly_window + 2 * 24 * (h.monthly_months + h.annual_years)
        return len(self.types) * per_type

    def product_count(self) -> int:
        """Products listed at any hour (the count does not depend on the hour)."""
        return len(self.regions) * self.products_per_region()


def _names(raw: Any, field: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise FieldError(field, "must be a non-empty list of names")
    for k, item in enumerate(raw):
        if not isinstance(item, str) or not _NAME.match(item):
            raise FieldError(
                f"{field}[{k}]",
                f"must be lower-case letters, digits and '-' (at most 40), got {item!r}",
            )
    if len(set(raw)) != len(raw):
        duplicate = next(n for n in raw if raw.count(n) > 1)
        raise FieldError(field, f"duplicate name {duplicate!r}")
    return tuple(raw)


def _count(raw: Mapping[str, Any], key: str, field: str, minimum: int) -> int:
    value = raw.get(key, 0 if minimum == 0 else None)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FieldError(f"{field}.{key}", f"must be an integer ≥ {minimum}, got {value!r}")
    return value


def _regions(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, Mapping):
        unknown = sorted(set(raw) - {"prefix", "count"})
        if unknown:
            raise FieldError(f"regions.{unknown[0]}", "unknown field (expected prefix, count)")
        prefix = raw.get("prefix")
        if not isinstance(prefix, str) or not re.fullmatch(r"[a-z][a-z0-9-]{0,30}", prefix):
            raise FieldError("regions.prefix", f"must be a short lower-case name, got {prefix!r}")
        count = _count(raw, "count", "regions", 1)
        width = len(str(count))
        return tuple(f"{prefix}{k:0{width}d}" for k in range(1, count + 1))
    if not isinstance(raw, list):
        raise FieldError("regions", "must be a list of names or {prefix, count}")
    return _names(raw, "regions")


def _horizons(raw: Any) -> Horizons:
    if not isinstance(raw, Mapping):
        raise FieldError("horizons", "must be an object with hourly_days, monthly_months, ...")
    unknown = sorted(set(raw) - _HORIZON_KEYS)
    if unknown:
        raise FieldError(
            f"horizons.{unknown[0]}", f"unknown field (expected {sorted(_HORIZON_KEYS)})"
        )
    return Horizons(
        hourly_days=_count(raw, "hourly_days", "horizons", 1),
        monthly_months=_count(raw, "monthly_months", "horizons", 0),
        annual_years=_count(raw, "annual_years", "horizons", 0),
    )


def parse_spec(doc: Any) -> CatalogueSpec:
    """Validate a parsed specification document; `FieldError` names the bad field."""
    if not isinstance(doc, Mapping):
        raise FieldError("catalogue", "must be a JSON object")
    unknown = sorted(set(doc) - _TOP_KEYS)
    if unknown:
        raise FieldError(unknown[0], f"unknown field (expected {sorted(_TOP_KEYS)})")
    if doc.get("format") != FORMAT:
        raise FieldError("format", f"must be {FORMAT!r}, got {doc.get('format')!r}")
    name = doc.get("name")
    if not isinstance(name, str) or not name:
        raise FieldError("name", "must be a non-empty string")
    description = doc.get("description", "")
    if not isinstance(description, str):
        raise FieldError("description", "must be a string")
    if "regions" not in doc:
        raise FieldError("regions", "is required")
    if "types" not in doc:
        raise FieldError("types", "is required")
    regions = _regions(doc["regions"])
    return CatalogueSpec(
        name=name,
        regions=regions,
        types=_names(doc["types"], "types"),
        horizons=_horizons(doc.get("horizons")),
        description=description,
        network=parse_network(doc["network"], regions) if "network" in doc else None,
    )


def load_spec(source: str | Path) -> CatalogueSpec:
    """A packaged specification by name (`demo`, `production`, `demo-network`, … any
    data/catalogue/NAME.json) or a JSON file by path.

    Errors name the file and the field: `FieldError("demo.json: horizons.hourly_days", ...)`.
    """
    packaged = resources.files("flowmarket").joinpath(f"data/catalogue/{source}.json")
    if isinstance(source, str) and re.fullmatch(r"[a-z0-9-]+", source) and packaged.is_file():
        label = f"{source}.json"
        text = packaged.read_text("utf-8")
    else:
        path = Path(source)
        label = str(path)
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise InvalidInput(f"catalogue {label}: cannot read ({exc.strerror})") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"catalogue {label}: not JSON (line {exc.lineno}: {exc.msg})") from exc
    try:
        return parse_spec(doc)
    except FieldError as exc:
        raise FieldError(f"{label}: {exc.field}", exc.reason) from exc


def spec_document(spec: CatalogueSpec) -> dict[str, Any]:
    """The JSON document of a specification (regions written out)."""
    h = spec.horizons
    network = {} if spec.network is None else {"network": network_document(spec.network)}
    return {
        "format": FORMAT,
        "name": spec.name,
        "description": spec.description,
        "regions": list(spec.regions),
        "types": list(spec.types),
        "horizons": {
            "hourly_days": h.hourly_days,
            "monthly_months": h.monthly_months,
            "annual_years": h.annual_years,
        },
        **network,
    }
