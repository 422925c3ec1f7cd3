"""Print the mutation score per module and every surviving mutant of a `scripts/mutate` run.

Run from the staged folder (build/mutate), whose mutants/ holds mutmut's results:
one `<module>.py.meta` JSON per mutated module with the exit code of each mutant's
test run. Score = killed / (killed + survived + no tests + timeout + suspicious):
a mutant no test runs counts against the score. Output is Markdown (the table in
docs/testing.md is this output, reviewed), followed by each survivor's diff.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code


def module_results(mutants: Path) -> dict[str, dict[str, str]]:
    """{module path: {mutant name: status}} from the .meta files."""
    out: dict[str, dict[str, str]] = {}
    for meta in sorted(mutants.rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        module = str(meta.relative_to(mutants / "src"))[: -len(".meta")]
        out[module] = {name: status_by_exit_code[code] for name, code in codes.items()}
    return out


def main(mutants: Path) -> int:
    results = module_results(mutants)
    if not results:
        print(f"no mutmut results under {mutants}", file=sys.stderr)
        return 1
    print("| module | mutants | killed | survived | no tests | other | score |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    survivors: list[str] = []
    total: Counter[str] = Counter()
    for module, statuses in results.items():
        count = Counter(statuses.values())
        total.update(count)
        killed = count["killed"] + count["caught by type check"]
        other = len(statuses) - killed - count["survived"] - count["no tests"]
        score = 100.0 * killed / len(statuses) if statuses else 100.0
        print(
            f"| {module} | {len(statuses)} | {killed} | {count['survived']} | "
            f"{count['no tests']} | {other} | {score:.1f} % |"
        )
        survivors += [n for n, s in statuses.items() if s not in ("killed", "caught by type check")]
    n = sum(total.values())
    killed = total["killed"] + total["caught by type check"]
    print(
        f"| all | {n} | {killed} | {total['survived']} | {total['no tests']} | "
        f"{n - killed - total['survived'] - total['no tests']} | {100.0 * killed / n:.1f} % |"
    )
    for name in survivors:
        print()
        shown = subprocess.run(
            [str(Path(sys.executable).with_name("mutmut")), "show", name],
            capture_output=True,
            text=True,
            check=False,
        )
        print(shown.stdout.rstrip() or f"# {name}: (no diff: {shown.stderr.strip()})")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "mutants")))
