"""flowmarket.clearing imports only numpy, scipy, the pure standard library and itself."""

from __future__ import annotations

from pathlib import Path

import flowmarket.clearing
from import_walk import imported_modules

PACKAGE = Path(flowmarket.clearing.__file__).parent
ALLOWED_ROOTS = {
    "numpy",
    "scipy",
    "__future__",
    "dataclasses",
    "typing",
    "collections",
    "math",
    "time",
}
ALLOWED_PREFIXES = ("flowmarket.clearing", "flowmarket.errors")


def test_clearing_modules_import_nothing_but_numpy_scipy_and_pure_stdlib() -> None:
    offenders = []
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) >= 8
    for path in modules:
        for name in imported_modules(path):
            if name.split(".")[0] in ALLOWED_ROOTS or name.startswith(ALLOWED_PREFIXES):
                continue
            offenders.append(f"{path.name} imports {name}")
    assert offenders == []


def test_import_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom flowmarket.db import session\n", encoding="utf-8")
    assert imported_modules(bad) == {"os", "flowmarket.db"}
