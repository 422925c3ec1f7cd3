"""flowmarket.auctions computes without I/O: numpy, scipy, HiGHS, keccak, pure stdlib."""

from __future__ import annotations

from pathlib import Path

import flowmarket.auctions
from import_walk import imported_modules

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
    offenders = []
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) >= 10
    for path in modules:
        for name in imported_modules(path):
            if name.split(".")[0] in ALLOWED_ROOTS or name.startswith(ALLOWED_PREFIXES):
                continue
            offenders.append(f"{path.name} imports {name}")
    assert offenders == []


def test_import_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import time\nfrom flowmarket.db import session\n", encoding="utf-8")
    assert imported_modules(bad) == {"time", "flowmarket.db"}
