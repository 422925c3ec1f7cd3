"""Run the Foundry fuzz and invariant tests (contracts/test/*.t.sol) with the npm forge."""

from __future__ import annotations

import subprocess

import pytest

from flowmarket.config import Settings


def test_foundry_fuzz_and_invariant_suites_pass(settings: Settings) -> None:
    forge = settings.hardhat_dir / "node_modules" / ".bin" / "forge"
    if not forge.exists():
        pytest.fail("forge is missing: run `npm ci` in hardhat-local (scripts/bootstrap does)")
    done = subprocess.run(
        [str(forge), "test", "--color", "never"],
        cwd=settings.repo_root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-4000:]
    assert "0 failed" in report and "invariant_capacityTokensAreConserved" in report
    assert "testFuzz_balancedWeekSettlesOnceAndSumsToZero" in report
