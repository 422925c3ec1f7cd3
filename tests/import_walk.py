"""The modules a source file imports, read from its syntax tree (tests of the layering).

Shared by the tests that keep packages pure or layered: `test_architecture`, and the
purity tests of clearing/, auctions/ and the pure packages.
"""

from __future__ import annotations

import ast
from pathlib import Path


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports (`import a.b`, `from a.b import c` → "a.b"); a relative
    import is reported as ".module" so a purity rule can refuse it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


def foreign_imports(
    package: Path, *, roots: set[str], prefixes: tuple[str, ...], at_least: int
) -> list[str]:
    """ "file imports module" for every import of a module under `package` that is neither
    in `roots` (top-level names) nor under `prefixes`; `at_least` modules must be found."""
    modules = sorted(package.rglob("*.py"))
    if len(modules) < at_least:
        return [f"{package}: only {len(modules)} modules, expected at least {at_least}"]
    return [
        f"{path.name} imports {name}"
        for path in modules
        for name in sorted(imported_modules(path))
        if name.split(".")[0] not in roots and not name.startswith(prefixes)
    ]
