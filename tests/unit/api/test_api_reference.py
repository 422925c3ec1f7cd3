"""docs/api.md lists every route of the served OpenAPI with a valid signed example."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_api_reference_is_current_and_every_signed_example_is_accepted() -> None:
    # The script builds the app as `flowmarket serve` does, refuses a POST route without
    # an example, sends every example to the app (each must be accepted) and compares
    # the reference it generates with docs/api.md.
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "api_reference.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr + run.stdout
