"""flowmarket.auctions computes without I/O: numpy, scipy, HiGHS, keccak, pure stdlib."""

from __future__ import annotations

from pathlib import Path

import flowmarket.auctions
from import_walk import foreign_imports

PACKAGE = Path(flowmarket.auctions.__file__).parent
ALLOWED_ROOTS = {
    "__future__",
    "bisect",
    "collections",
    "dataclasses",
    "fractions",
    "highspy",
    "numpy",
    "random",
    "re",
    "scipy",
    "typing",
    "eth_utils",
}
ALLOWED_PREFIXES = (
    "flowmarket.auctions",
    "flowmarket.errors",
    "flowmarket.money",
    "flowmarket.signing",
)


def test_auction_modules_import_no_database_network_chain_or_clock() -> None:
    found = foreign_imports(PACKAGE, roots=ALLOWED_ROOTS, prefixes=ALLOWED_PREFIXES, at_least=10)
    assert found == []
