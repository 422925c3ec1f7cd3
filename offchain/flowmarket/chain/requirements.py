"""The published requirements: `<state>/requirements/<h>.json`, the data behind a root.

The oracle writes, for every hour it posts requirements after, the non-zero requirement
of each participant (wei, with its parts: position margin and unsettled cash owed) and
the root and leaf count of their sorted tree (`leaves.requirements_tree`). Anyone holding
the file rebuilds the tree, checks it against `CollateralVault.requirements()` and gets
the items `CollateralVault.withdraw` takes (`requirement_proof`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flowmarket.chain.leaves import participant_key, requirements_tree
from flowmarket.chain.sorted_tree import Item
from flowmarket.errors import InvalidInput


@dataclass(frozen=True)
class Requirement:
    """One participant's requirement in wei: the position margin and the unsettled cash."""

    margin: int
    owed: int

    @property
    def total(self) -> int:
        return self.margin + self.owed


def requirements_path(state_dir: Path, hour: int) -> Path:
    return state_dir / "requirements" / f"{hour}.json"


def write_requirements(state_dir: Path, hour: int, wanted: Mapping[str, Requirement]) -> Path:
    """Write the file atomically; returns its path."""
    tree = requirements_tree({p: r.total for p, r in wanted.items()})
    document = {
        "hour": hour,
        "root": "0x" + tree.root.hex(),
        "count": tree.count,
        "requirements": {
            p: {"requirement": str(r.total), "margin": str(r.margin), "owed": str(r.owed)}
            for p, r in sorted(wanted.items())
        },
    }
    path = requirements_path(state_dir, hour)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(document, sort_keys=True))
    temporary.replace(path)
    return path


def read_requirements(state_dir: Path, hour: int) -> dict[str, int] | None:
    """{participant: requirement wei} published for `hour`, or None without a file."""
    parts = read_requirement_parts(state_dir, hour)
    return None if parts is None else {p: r.total for p, r in parts.items()}


def read_requirement_parts(state_dir: Path, hour: int) -> dict[str, Requirement] | None:
    """{participant: its requirement's parts} published for `hour`, or None without a file."""
    path = requirements_path(state_dir, hour)
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text())
        parts = {
            p: Requirement(int(v["margin"]), int(v["owed"])) for p, v in raw["requirements"].items()
        }
        totals = {p: int(v["requirement"]) for p, v in raw["requirements"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidInput(f"requirements file {path}: damaged ({exc})") from None
    wrong = sorted(p for p, total in totals.items() if total != parts[p].total)
    if wrong:
        raise InvalidInput(
            f"requirements file {path}: damaged (the requirement of {wrong[0]} is not its "
            "margin plus what is owed)"
        )
    return parts


def requirement_proof(requirements: Mapping[str, int], participant: str) -> list[Item]:
    """The items `CollateralVault.withdraw` takes for `participant` under `requirements`:
    its leaf, or the leaves that show it has none."""
    return requirements_tree(requirements).lookup(participant_key(participant))
