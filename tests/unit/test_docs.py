"""The README and docs/ stand alone: every path they name is inside the repository.

A link or a path to the workspace around the checkout (`../shared/...`, `/work/...`, a
home folder) means nothing to someone who cloned the project; a relative link must
resolve to a file of the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
LINK = re.compile(r"\]\(([^)\s]+)\)")
# Paths written as text: anything climbing out with ../, or absolute into a machine.
OUTSIDE = re.compile(r"(?<![\w.])(\.\./[\w./-]+|/(?:work|home|root|tmp|Users|mnt)/[\w./-]*)")


def outside_paths(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    found = [match.group(1) for match in OUTSIDE.finditer(text)]
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue  # a URL or an anchor on the same page
        resolved = (page.parent / target.split("#", 1)[0]).resolve()
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            found.append(target)
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_page_names_no_path_outside_the_repository(page: Path) -> None:
    assert outside_paths(page) == []


def test_the_check_catches_workspace_links_and_dangling_paths(tmp_path: Path) -> None:
    page = tmp_path / "probe.md"
    page.write_text(
        "see [spec](../shared/spec/market.md), [gone](missing.md), /work/shared/STYLE.md "
        "and [ok](https://example.org)\n",
        encoding="utf-8",
    )
    assert outside_paths(page) == [
        "../shared/spec/market.md",
        "/work/shared/STYLE.md",
        "../shared/spec/market.md",
        "missing.md",
    ]


def test_the_readme_command_table_names_every_subcommand() -> None:
    from flowmarket.cli.main import SUBCOMMAND_MODULES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    cells = [line.split(" | ")[0] for line in readme.splitlines() if line.startswith("| `flow")]
    commands = [module.rsplit(".", 1)[1].replace("_", "-") for module in SUBCOMMAND_MODULES]
    missing = [
        name
        for name in commands
        if not any(re.search(rf"(flowmarket |`|/ ){re.escape(name)}\b", cell) for cell in cells)
    ]
    assert missing == []
