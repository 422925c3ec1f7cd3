"""`flowmarket build` as a user runs it: compiles, caches, and reports errors with file:line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flowmarket.config import REPO_ROOT

FLOWMARKET = str(Path(sys.executable).with_name("flowmarket"))

GOOD = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

contract Counter {
    uint256 private count;

    function increment() external {
        count += 1;
    }
}
"""

BROKEN = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

contract Broken {
    function f() external pure returns (uint256) {
        return undefinedThing;
    }
}
"""

WARNING = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

contract Noisy {
    function f(uint256 unused) external pure returns (uint256) {
        return 1;
    }
}
"""


def run_build(contracts: Path, artifacts: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["FLOWMARKET_CONTRACTS_DIR"] = str(contracts)
    env["FLOWMARKET_ARTIFACTS_DIR"] = str(artifacts)
    return subprocess.run(
        [FLOWMARKET, "build", *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO_ROOT,
    )


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, Path]:
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    return contracts, tmp_path / "artifacts"


def test_build_compiles_then_skips_when_sources_are_unchanged(workspace: tuple[Path, Path]) -> None:
    contracts, artifacts = workspace
    (contracts / "Counter.sol").write_text(GOOD)

    first = run_build(contracts, artifacts)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("compiled: 1 contracts (1 deployable)")
    assert (artifacts / "Counter.json").exists()

    second = run_build(contracts, artifacts)
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith("up to date")

    (contracts / "Counter.sol").write_text(GOOD.replace("count += 1", "count += 2"))
    third = run_build(contracts, artifacts)
    assert third.stdout.startswith("compiled")


def test_build_reports_compiler_errors_with_file_and_line(workspace: tuple[Path, Path]) -> None:
    contracts, artifacts = workspace
    (contracts / "Broken.sol").write_text(BROKEN)

    result = run_build(contracts, artifacts)

    assert result.returncode != 0
    assert "contracts/Broken.sol:6:" in result.stderr
    assert "undefinedThing" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (artifacts / "build-stamp.json").exists()


def test_build_fails_on_warnings_in_our_sources(workspace: tuple[Path, Path]) -> None:
    contracts, artifacts = workspace
    (contracts / "Noisy.sol").write_text(WARNING)

    result = run_build(contracts, artifacts)

    assert result.returncode != 0
    assert "contracts/Noisy.sol:5:" in result.stderr
    assert "Unused function parameter" in result.stderr


def test_build_recompiles_when_the_cache_is_damaged(workspace: tuple[Path, Path]) -> None:
    contracts, artifacts = workspace
    (contracts / "Counter.sol").write_text(GOOD)
    assert run_build(contracts, artifacts).returncode == 0
    (artifacts / "Counter.json").write_text("{not json")

    result = run_build(contracts, artifacts)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("compiled")
