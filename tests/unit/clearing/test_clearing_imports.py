"""flowmarket.clearing imports only numpy, scipy, the pure standard library and itself."""

from __future__ import annotations

import ast
from pathlib import Path

import flowmarket.clearing

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


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: relative import"
            found.add(node.module or "")
    return found


def test_clearing_modules_import_nothing_but_numpy_scipy_and_pure_stdlib() -> None:
    offenders = []
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) >= 8
    for path in modules:
        for name in imports_of(path):
            if name.split(".")[0] in ALLOWED_ROOTS or name.startswith(ALLOWED_PREFIXES):
                continue
            offenders.append(f"{path.name} imports {name}")
    assert offenders == []


def test_import_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom flowmarket.db import session\n", encoding="utf-8")
    assert imports_of(bad) == {"os", "flowmarket.db"}
