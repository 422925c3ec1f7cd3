"""Fill the API's products table from a catalogue specification or a product list.

A specification (a packaged name such as `demo`, or a JSON file whose `format` is
"flowmarket-catalogue/1") lists different products at every hour; it is expanded over
a range of delivery hours and each distinct product is stored once. A product list
(`{"products": [name | {name, kind, region, description, active}]}`, what
`flowmarket catalogue --out` writes) is stored as it is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from flowmarket.backend.serve import load_catalogue
from flowmarket.catalogue import CatalogueSpec, ProductKey, iter_keys, load_spec, product
from flowmarket.db import orders_repo
from flowmarket.db.models import Product
from flowmarket.errors import InvalidInput


@dataclass(frozen=True)
class Loaded:
    """What a load stored: `count` products, from catalogue `spec` (None for a list)."""

    count: int
    spec: str | None


def spec_products(spec: CatalogueSpec, first: int, last: int) -> list[Product]:
    """Every product `spec` lists at any delivery hour in [first, last] (hours since the
    epoch), each once, in first-listed order. The demo catalogue lists 2,016 products an
    hour but only ~6,100 distinct ones over a week."""
    keys: dict[ProductKey, None] = {}
    for hour in range(first, last + 1):
        keys.update(dict.fromkeys(iter_keys(spec, hour)))
    return [Product(**product(key).row()) for key in keys]


def load_spec_products(engine: Engine, spec: CatalogueSpec, first: int, last: int) -> int:
    """Store `spec_products(spec, first, last)`; returns how many rows were written."""
    rows = spec_products(spec, first, last)
    with Session(engine) as session:
        return orders_repo.upsert_products(session, products=rows)


def packaged_names() -> list[str]:
    """The catalogue specifications shipped in data/catalogue/ (`demo`, `production`, ...)."""
    folder = resources.files("flowmarket").joinpath("data/catalogue")
    return sorted(f.name[: -len(".json")] for f in folder.iterdir() if f.name.endswith(".json"))


def _is_packaged(source: str) -> bool:
    return re.fullmatch(r"[a-z0-9-]+", source) is not None and source in packaged_names()


def _is_spec_file(path: Path) -> bool:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{path}: cannot read a JSON catalogue ({exc})") from exc
    return isinstance(doc, dict) and "format" in doc


def load_products(engine: Engine, source: str, first: int, hours: int) -> Loaded:
    """Load `source` (a packaged catalogue name, a specification file or a product
    list file) into the products table; a specification is expanded over the `hours`
    delivery hours from `first`. Errors name the file and the field."""
    if hours < 1:
        raise InvalidInput(f"hours: must be at least 1, got {hours}")
    path, packaged = Path(source), _is_packaged(source)
    if not packaged and not path.is_file():
        raise InvalidInput(
            f"{source}: no such file, and not a packaged catalogue ({', '.join(packaged_names())})"
        )
    if packaged or _is_spec_file(path):
        spec = load_spec(source)  # a document with "format" must be a valid spec
        return Loaded(load_spec_products(engine, spec, first, first + hours - 1), spec.name)
    return Loaded(load_catalogue(engine, path), None)
