"""flowmarket.auctions computes without I/O: numpy, scipy, HiGHS, keccak, pure stdlib."""

from __future__ import annotations

import ast
from pathlib import Path

import flowmarket.auctions

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


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: relative import"
            found.add(node.module or "")
    return found


def test_auction_modules_import_no_database_network_chain_or_clock() -> None:
    offenders = []
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) >= 10
    for path in modules:
        for name in imports_of(path):
            if name.split(".")[0] in ALLOWED_ROOTS or name.startswith(ALLOWED_PREFIXES):
                continue
            offenders.append(f"{path.name} imports {name}")
    assert offenders == []


def test_import_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import time\nfrom flowmarket.db import session\n", encoding="utf-8")
    assert imports_of(bad) == {"time", "flowmarket.db"}
