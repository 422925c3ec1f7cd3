"""The product catalogue (market.md §3): data in, concrete products out; pure, no I/O.

`spec` reads a catalogue specification (packaged `demo.json`, `production.json`
or any file), `names` is the naming scheme (name ↔ `ProductKey`), `listing`
lists the products tradable at an hour with their metadata, `rolling` maps
forward positions onto real-time delivery hours. Hours are integers counting
hours since the Unix epoch (UTC).
"""

from flowmarket.catalogue.hours import format_hour, hour_of, parse_hour, parse_hour_value
from flowmarket.catalogue.listing import (
    Product,
    iter_keys,
    keys_for,
    product,
    product_names,
    products_at,
)
from flowmarket.catalogue.names import Kind, ProductKey, format_name, parse_name, realtime_name
from flowmarket.catalogue.rolling import (
    Holdings,
    predecessor,
    settles_against,
    successor,
)
from flowmarket.catalogue.spec import (
    CatalogueSpec,
    Horizons,
    load_spec,
    parse_spec,
    spec_document,
)

__all__ = [
    "CatalogueSpec",
    "Holdings",
    "Horizons",
    "Kind",
    "Product",
    "ProductKey",
    "format_hour",
    "format_name",
    "hour_of",
    "iter_keys",
    "keys_for",
    "load_spec",
    "parse_hour",
    "parse_hour_value",
    "parse_name",
    "parse_spec",
    "predecessor",
    "product",
    "product_names",
    "products_at",
    "realtime_name",
    "settles_against",
    "spec_document",
    "successor",
]
