"""catalogue/, strategy/ and agents/ stay pure: no adapters, no settings, no I/O.

The only file access is `catalogue.spec.load_spec` reading a specification (the
packaged ones or a path); everything else computes from its arguments.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from import_walk import imported_modules

PACKAGE = Path(__file__).resolve().parents[3] / "offchain" / "flowmarket"
ALLOWED_FLOWMARKET = {"catalogue", "strategy", "agents", "clearing", "errors"}
ALLOWED_OTHERS = {
    "__future__",
    "collections",
    "dataclasses",
    "datetime",
    "enum",
    "functools",
    "typing",
    "re",
    "math",
    "itertools",
    "csv",
    "io",
    "hashlib",
    "json",
    "numpy",
}
IO_MODULES = {"pathlib", "importlib"}
LOADER = Path("catalogue/spec.py")


@pytest.mark.parametrize("package", ["catalogue", "strategy", "agents"])
def test_pure_packages_import_only_numpy_the_standard_library_and_each_other(
    package: str,
) -> None:
    offenders = []
    for path in sorted((PACKAGE / package).rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        for module in imported_modules(path):
            top, _, rest = module.partition(".")
            if top == "flowmarket":
                ok = rest.split(".")[0] in ALLOWED_FLOWMARKET
            else:
                ok = top in ALLOWED_OTHERS or (top in IO_MODULES and relative == LOADER)
            if not ok:
                offenders.append(f"{relative} imports {module}")
        source = path.read_text(encoding="utf-8")
        if relative != LOADER and ("open(" in source or "read_text" in source):
            offenders.append(f"{relative} reads files")
    assert offenders == []
