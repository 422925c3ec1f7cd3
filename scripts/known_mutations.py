"""Apply, one at a time, the mutations an outside review found surviving the unit tests,
and show that each now fails at least one unit test.

Each mutation is an exact text replacement in one module; the script refuses to run
when the text is no longer there (the code moved: update the table). It copies
offchain/ and tests/ to a temporary folder, applies one mutation, runs the unit tests
that exercise that module with the copy first on the import path, and prints the tests
that fail. Exit status 1 when any mutation survives.

    .venv/bin/python scripts/known_mutations.py            # against today's tests
    .venv/bin/python scripts/known_mutations.py <commit>   # against an older commit's tests
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutation:
    name: str
    module: str
    before: str
    after: str
    tests: tuple[str, ...]


MONEY_TESTS = ("tests/unit/money",)
MUTATIONS = (
    Mutation(
        "to_wad ties-to-even -> ties-up",
        "offchain/flowmarket/money.py",
        "rounding=ROUND_HALF_EVEN",
        'rounding="ROUND_HALF_UP",',  # decimal's constants are these strings
        MONEY_TESTS,
    ),
    Mutation(
        "fee rounding floor -> ceiling",
        "offchain/flowmarket/money.py",
        "        // BPS_DENOMINATOR\n",
        "        // -BPS_DENOMINATOR\n        * -1\n",  # floor(-y) * -1 = ceil(y)
        MONEY_TESTS,
    ),
    Mutation(
        "entry_leaf: cash and fee fields swapped",
        "offchain/flowmarket/chain/leaves.py",
        '        _word_int("cash", cash),\n        _word_uint("fee", fee, UINT256_MAX),\n',
        '        _word_uint("fee", fee, UINT256_MAX),\n        _word_int("cash", cash),\n',
        ("tests/unit/chain", "--ignore=tests/unit/chain/test_build.py"),
    ),
    Mutation(
        "leaf hashed once instead of twice",
        "offchain/flowmarket/chain/leaves.py",
        'return keccak(keccak(b"".join(words)))',
        'return keccak(b"".join(words))',
        ("tests/unit/chain", "--ignore=tests/unit/chain/test_build.py"),
    ),
    Mutation(
        "collateral value with the signed price instead of abs(price)",
        "offchain/flowmarket/collateral.py",
        "abs(to_wad(q)) * abs(prices.get(k, 0))",
        "abs(to_wad(q)) * prices.get(k, 0)",
        ("tests/unit/test_collateral_rules.py", "tests/unit/test_collateral_known_answers.py"),
    ),
    Mutation(
        "certificate max_imbalance always 0",
        "offchain/flowmarket/clearing/certificate.py",
        "max_imbalance=float(np.max(np.abs(imbalance), initial=0.0)),",
        "max_imbalance=0.0,",
        ("tests/unit/clearing",),
    ),
)


def run(mutation: Mutation, work: Path) -> list[str]:
    """The ids of the tests that fail under `mutation` (empty: it survived)."""
    source = work / mutation.module
    original = (ROOT / mutation.module).read_text(encoding="utf-8")
    if original.count(mutation.before) != 1:
        raise SystemExit(f"{mutation.name}: the text to mutate is not in {mutation.module} once")
    source.write_text(original.replace(mutation.before, mutation.after), encoding="utf-8")
    try:
        env = dict(os.environ, PYTHONPATH=str(work / "offchain"))
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *mutation.tests],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        source.write_text(original, encoding="utf-8")
    failed = re.findall(r"^FAILED (\S+)", done.stdout, re.MULTILINE)
    if done.returncode == 5:  # no unit test there at all (an older commit's tests)
        return []
    if done.returncode not in (0, 1):
        raise SystemExit(f"{mutation.name}: pytest exit {done.returncode}\n{done.stdout[-2000:]}")
    return failed


def main(tests_ref: str | None) -> int:
    survived = 0
    with tempfile.TemporaryDirectory(prefix="known-mutations-") as tmp:
        work = Path(tmp)
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(ROOT / "offchain", work / "offchain", ignore=ignore)
        if tests_ref is None:
            shutil.copytree(ROOT / "tests", work / "tests", ignore=ignore)
        else:
            archive = subprocess.run(
                ["git", "archive", tests_ref, "tests"], cwd=ROOT, capture_output=True, check=True
            )
            subprocess.run(["tar", "-x", "-C", str(work)], input=archive.stdout, check=True)
        shutil.copy2(ROOT / "pyproject.toml", work / "pyproject.toml")
        for mutation in MUTATIONS:
            failed = run(mutation, work)
            print(f"{mutation.name}: " + (f"{len(failed)} failed" if failed else "SURVIVED"))
            for test in failed:
                print(f"    {test}")
            survived += not failed
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else None))
