"""The layering STYLE.md promises, checked on the source tree itself.

- `api/`, `db/` and `chain/` are adapters that never import each other; the
  roles that combine them (`oracle/`, `backend/`, `demo/`) and the participant's
  `client/` import only what their role needs; `cli/` parses and prints. The pure
  cores (`auctions/`, `catalogue/`, `merkle/`, `signing/`, `strategy/`, `realtime/`) import no
  adapter and no role; `auctioneer/` is a role like the oracle.
- Nothing outside `config.py` reads the environment; production code has no `assert`
  and raises no builtin exception (only `errors.MarketError` subclasses).
- The stored order's columns are `orders.SignedOrder`'s fields plus bookkeeping.
- Every subcommand module registered in the CLI exists and builds its parser.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import subprocess
import sys
from pathlib import Path

import pytest

from flowmarket.cli.main import COMMANDS, SUBCOMMAND_MODULES, build_parser
from flowmarket.db.models import Order
from flowmarket.orders import SIGNED_ORDER_FIELDS
from import_walk import imported_modules

PACKAGE = Path(__file__).resolve().parents[2] / "offchain" / "flowmarket"
ADAPTERS = ("api", "db", "chain")


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_adapters_do_not_import_each_other(adapter: str) -> None:
    others = {f"flowmarket.{other}" for other in ADAPTERS if other != adapter}
    offenders = []
    for path in sorted((PACKAGE / adapter).rglob("*.py")):
        for module in imported_modules(path):
            if any(module == other or module.startswith(other + ".") for other in others):
                offenders.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert offenders == []


ROLES = ("oracle", "backend", "demo", "client", "cli", "web")

# Packages a role must never import: the tree tells the architecture.
FORBIDDEN = {
    "client": ("api", "db", "chain", "oracle", "backend", "demo", "cli", "web"),
    "backend": ("oracle", "demo", "client", "cli"),
    "oracle": ("api", "backend", "demo", "client", "cli", "web"),
    "demo": ("cli",),
    # the live local market runs the demo's cast, the oracle and the API; the CLI prints
    "local": ("cli",),
    "web": ("db", "chain", "oracle", "backend", "demo", "client", "cli"),
    # pure cores and shared vocabularies: no adapter, no role
    "auctions": ADAPTERS + ROLES + ("auctioneer",),
    "catalogue": ADAPTERS + ROLES + ("auctions", "auctioneer", "reports"),
    "merkle": ADAPTERS + ROLES + ("auctions", "auctioneer", "reports"),
    "signing": ADAPTERS + ROLES + ("auctions", "auctioneer", "reports"),
    "strategy": ADAPTERS + ROLES + ("auctions", "auctioneer", "reports"),
    "realtime": ADAPTERS + ROLES + ("auctions", "auctioneer", "reports"),
    # the primary auctions' role, like the oracle's: adapters yes, other roles no
    "auctioneer": ("api", "backend", "demo", "client", "cli", "web", "oracle"),
    # trading agents decide from prices; the demo and client carry their orders
    "agents": ADAPTERS + ROLES,
    # reports read the record; they never act on the chain or serve
    "reports": ("api", "chain", "oracle", "backend", "demo", "client", "cli", "web"),
}


@pytest.mark.parametrize("role", sorted(FORBIDDEN))
def test_roles_import_only_what_they_need(role: str) -> None:
    forbidden = {f"flowmarket.{name}" for name in FORBIDDEN[role]}
    offenders = []
    for path in sorted((PACKAGE / role).rglob("*.py")):
        for module in imported_modules(path):
            if any(module == bad or module.startswith(bad + ".") for bad in forbidden):
                offenders.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert offenders == []


def test_the_stored_order_has_exactly_the_signed_orders_fields_plus_bookkeeping() -> None:
    columns = list(Order.__table__.columns.keys())  # type: ignore[attr-defined]
    assert columns[: len(SIGNED_ORDER_FIELDS)] == list(SIGNED_ORDER_FIELDS)
    assert set(columns) - set(SIGNED_ORDER_FIELDS) == {
        "accepted_at",
        "receipt_signature",
        "cancelled_at",
        "cancel_signature",
        "cancel_receipt_signature",
        "replaced_by",
        "batch_hash",
        "cancel_batch_hash",
    }


def test_production_code_has_no_assert_statements() -> None:
    # `python -O` strips them, and a broken invariant must be a MarketError with a message.
    offenders = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert)
    ]
    assert offenders == []


def test_production_code_raises_only_market_errors() -> None:
    # A builtin exception raised on purpose escapes `MarketError` handlers (the CLI's
    # one-line errors, the API's 4xx): raise the errors.py class that inherits it.
    builtin_errors = {
        name
        for name, value in vars(builtins).items()
        if isinstance(value, type) and issubclass(value, BaseException)
    }
    offenders = [
        f"{path.relative_to(PACKAGE)}:{node.lineno} raises {node.exc.func.id}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Raise)
        and isinstance(node.exc, ast.Call)
        and isinstance(node.exc.func, ast.Name)
        and node.exc.func.id in builtin_errors
    ]
    assert offenders == []


def test_only_config_reads_the_environment() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "config.py" and path.parent == PACKAGE:
            continue
        source = path.read_text(encoding="utf-8")
        if "os.environ" in source or "os.getenv" in source or "getenv(" in source:
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


def test_the_command_list_is_what_the_modules_register() -> None:
    """`flowmarket --help` lists COMMANDS without importing the modules: each module
    must register exactly its commands there, in that order, with those help lines."""
    registered = []
    for module_name in SUBCOMMAND_MODULES:
        subparsers = argparse.ArgumentParser().add_subparsers()
        __import__(module_name, fromlist=["register"]).register(subparsers)
        registered += [(a.dest, module_name, a.help) for a in subparsers._choices_actions]
    assert registered == [(c.name, c.module, c.help) for c in COMMANDS]


def _cli_modules_under(module: str) -> set[str]:
    """The subcommand modules `module` imports, directly or through other cli modules
    (e.g. cli.wallet's keystore helpers)."""
    found: set[str] = set()
    todo = [module]
    while todo:
        path = PACKAGE / "cli" / f"{todo.pop().rsplit('.', 1)[1]}.py"
        for name in imported_modules(path):
            if name.startswith("flowmarket.cli.") and name not in found:
                found.add(name)
                todo.append(name)
    return found & set(SUBCOMMAND_MODULES) - {module}


@pytest.mark.parametrize("command", ["clear", "challenge", "order"])
def test_a_command_imports_its_own_module_only(command: str) -> None:
    script = (
        "import sys\n"
        "from flowmarket.cli.main import build_parser\n"
        f"build_parser({command!r}).parse_args([{command!r}, '--help'])\n"
    )
    probe = f"import sys, atexit; atexit.register(lambda: print(sorted(sys.modules)))\n{script}"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=60
    )
    loaded = set(eval(out.stdout.strip().splitlines()[-1]))  # the list printed at exit
    module = next(c.module for c in COMMANDS if c.name == command)
    assert loaded & set(SUBCOMMAND_MODULES) == {module} | _cli_modules_under(module)
    assert "flowmarket.cli.demo" not in loaded
    assert f"usage: flowmarket {command}" in out.stdout


def test_every_registered_subcommand_builds_its_parser() -> None:
    parser = build_parser()
    help_text = parser.format_help()
    for module_name in SUBCOMMAND_MODULES:
        command = module_name.rsplit(".", 1)[1].replace("_", "-")
        assert command in help_text, f"{module_name} registered no visible command"
