"""Run the Foundry fuzz and invariant tests (contracts/test/*.t.sol) with the npm forge.

The profile (foundry.toml) is `FOUNDRY_PROFILE` when set, else `ci` under CI (10 000 fuzz
runs, 1 000 invariant runs of depth 50: about 6 minutes on a loaded 2-core machine) and
`default` elsewhere (128 and 32 runs: seconds)."""

from __future__ import annotations

import os
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
        env={**os.environ, "FOUNDRY_PROFILE": _profile()},
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-4000:]
    assert "0 failed" in report and "invariant_capacityTokensAreConserved" in report
    assert "testFuzz_balancedWeekSettlesOnceAndSumsToZero" in report
    assert "testFuzz_defaultsSeizuresAndPartialAllowancesNeverOverpay" in report


def _profile() -> str:
    chosen = os.environ.get("FOUNDRY_PROFILE", "")
    if chosen:
        return chosen
    return "ci" if os.environ.get("CI", "") == "true" else "default"
