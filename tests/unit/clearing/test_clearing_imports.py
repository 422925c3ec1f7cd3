"""flowmarket.clearing imports only numpy, scipy, the pure standard library and itself.

`concurrent` (its thread pool) runs the sparse products of `clearing.parallel` on both
cores; threads do no I/O and the results are the same bits on any number of them.
"""

from __future__ import annotations

from pathlib import Path

import flowmarket.clearing
from import_walk import foreign_imports, imported_modules

PACKAGE = Path(flowmarket.clearing.__file__).parent
ALLOWED_ROOTS = {
    "numpy",
    "scipy",
    "__future__",
    "dataclasses",
    "enum",
    "typing",
    "collections",
    "math",
    "time",
    "concurrent",
}
ALLOWED_PREFIXES = ("flowmarket.clearing", "flowmarket.errors")


def test_clearing_modules_import_nothing_but_numpy_scipy_and_pure_stdlib() -> None:
    found = foreign_imports(PACKAGE, roots=ALLOWED_ROOTS, prefixes=ALLOWED_PREFIXES, at_least=8)
    assert found == []


def test_import_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import os\nfrom flowmarket.db import session\nfrom . import x\n", encoding="utf-8"
    )
    assert imported_modules(bad) == {"os", "flowmarket.db", "."}
    assert foreign_imports(tmp_path, roots={"os"}, prefixes=(), at_least=1) == [
        "bad.py imports .",
        "bad.py imports flowmarket.db",
    ]
