"""`weeks/<w>.json`, the week's published leaves: what the oracle posts round-trips to the
same root, and a damaged file is refused naming the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flowmarket.chain.leaves import settlement_week
from flowmarket.errors import InvalidInput
from flowmarket.oracle.publication import (
    read_week_file,
    week_document,
    week_path,
    write_week_publication,
)

ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
TOKEN = 10**18


def test_the_week_file_lists_each_leaf_with_its_running_sums_and_rebuilds_the_root(
    tmp_path: Path,
) -> None:
    week = settlement_week(3, [(ALICE, -10 * TOKEN), (BOB, 9 * TOKEN)], TOKEN, {ALICE: 1, BOB: 6})
    path = write_week_publication(tmp_path, week)
    assert path == week_path(tmp_path, 3) == tmp_path / "weeks" / "3.json"
    raw = json.loads(path.read_text())
    # By hand: leaves in address order (0x3C44… < 0x7099…); bob's credit comes first, so
    # alice's leaf has 9 tokens of credits before it.
    assert raw["leaves"] == [
        {"participant": BOB, "amount": str(9 * TOKEN), "hours": "6",
         "credits_before": "0", "debits_before": "0"},
        {"participant": ALICE, "amount": str(-10 * TOKEN), "hours": "1",
         "credits_before": str(9 * TOKEN), "debits_before": "0"},
    ]  # fmt: skip
    assert (raw["week"], raw["fees"]) == (3, str(TOKEN))
    tree = read_week_file(raw, "week file")
    assert tree.root == week.root and tree.count == 2


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: d.update(extra=1), "expected exactly the fields"),
        (lambda d: d.update(leaves={}), "leaves: expected a list"),
        (lambda d: d["leaves"][0].update(amount="ten"), r"leaves\[0\]: amounts must be integers"),
        (lambda d: d["leaves"][1].pop("hours"), r"leaves\[1\]: expected exactly"),
    ],
)
def test_a_damaged_week_file_is_refused_naming_the_field(
    damage: Callable[[dict[str, Any]], None], message: str
) -> None:
    week = settlement_week(0, [(ALICE, -TOKEN), (BOB, TOKEN)], 0)
    raw = json.loads(json.dumps(week_document(week)))
    damage(raw)
    with pytest.raises(InvalidInput, match=message):
        read_week_file(raw, "week file")
