"""Print the mutation score per module and every surviving mutant of a `scripts/mutate` run.

Run from the staged folder (build/mutate), whose mutants/ holds mutmut's results:
one `<module>.py.meta` JSON per mutated module with the exit code of each mutant's
test run. Score = killed / (killed + survived + no tests + timeout + suspicious):
a mutant no test runs counts against the score. Output is Markdown (the table in
docs/testing.md is this output, reviewed), then every mutant not killed with its change.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code

UNCHECKED = "not checked"


def change(name: str, module: str) -> str:
    """The mutant's changed lines, `old → new`, from mutmut's diff of the function."""
    diff = get_diff_for_mutant(name, path=Path("src") / module).splitlines()[2:]
    old = [line[1:].strip() for line in diff if line.startswith("-")]
    new = [line[1:].strip() for line in diff if line.startswith("+")]
    return f"`{' '.join(old)}` → `{' '.join(new)}`".replace("|", "\\|")


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
    survivors: list[tuple[str, str, str]] = []
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
        survivors += [
            (module, name, status)
            for name, status in statuses.items()
            if status not in ("killed", "caught by type check", UNCHECKED)
        ]
    n = sum(total.values())
    killed = total["killed"] + total["caught by type check"]
    other = n - killed - total["survived"] - total["no tests"]
    print(
        f"| all | {n} | {killed} | {total['survived']} | {total['no tests']} | {other} | "
        f"{100.0 * killed / n:.1f} % |"
    )
    if total[UNCHECKED]:
        print(f"\n{total[UNCHECKED]} mutants not checked (the run was stopped): 'other' above.")
    print("\n| mutant | status | change |\n|---|---|---|")
    for module, name, status in survivors:
        print(f"| {name.rpartition('.')[2]} | {status} | {change(name, module)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "mutants")))
