"""The requirements file the oracle writes beside each root: read back with its parts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowmarket.chain.requirements import (
    Requirement,
    read_requirement_parts,
    read_requirements,
    requirements_path,
    write_requirements,
)
from flowmarket.errors import InvalidInput

ALICE = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"


def test_reads_back_each_requirement_with_its_margin_and_what_is_owed(tmp_path: Path) -> None:
    write_requirements(tmp_path, 7, {ALICE: Requirement(margin=504, owed=1_681)})
    assert read_requirement_parts(tmp_path, 7) == {ALICE: Requirement(504, 1_681)}
    assert read_requirements(tmp_path, 7) == {ALICE: 2_185}
    assert read_requirement_parts(tmp_path, 8) is None


def test_a_requirement_that_is_not_its_parts_sum_is_a_damaged_file(tmp_path: Path) -> None:
    path = write_requirements(tmp_path, 7, {ALICE: Requirement(margin=504, owed=1_681)})
    document = json.loads(path.read_text())
    document["requirements"][ALICE]["requirement"] = "2186"
    requirements_path(tmp_path, 7).write_text(json.dumps(document))
    with pytest.raises(InvalidInput, match=f"damaged \\(the requirement of {ALICE} is not its"):
        read_requirement_parts(tmp_path, 7)
