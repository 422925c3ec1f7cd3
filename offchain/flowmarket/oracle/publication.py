"""The public record of a committed hour, kept beside the chain's commitment.

The chain stores only roots and a summary; the publication keeps what is needed
to re-derive every leaf and proof: the clearing result and the fee rate in force.
`build_hour_bundle(result, hour, fee_bps)` on it reproduces the committed roots.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from flowmarket.clearing import ResultDoc
from flowmarket.errors import InvalidInput

RESULT_FIELDS = ("prices", "orders", "participants", "products", "welfare", "certificate")


@dataclass(frozen=True)
class Publication:
    hour: int
    fee_bps: int
    result: ResultDoc
    commitment: dict[str, str]
    tx_hash: str
    block_number: int


def check_result_document(result: Any, source: str) -> ResultDoc:
    """The RESULT.json document, or `InvalidInput` naming the missing field."""
    if not isinstance(result, dict):
        raise InvalidInput(f"{source}: expected a JSON object (a RESULT.json document)")
    for name in RESULT_FIELDS:
        if name not in result:
            raise InvalidInput(f"{source}: missing field {name!r} (is it a RESULT.json?)")
    for name in ("max_imbalance", "max_order_gap"):
        if name not in result["certificate"]:
            raise InvalidInput(f"{source}: certificate is missing {name!r}")
    return cast(ResultDoc, result)


def publication_path(state_dir: Path, hour: int) -> Path:
    return state_dir / "hours" / f"{hour}.json"


def write_publication(state_dir: Path, publication: Publication) -> Path:
    path = publication_path(state_dir, publication.hour)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    # Compact (sorted keys): the indenting encoder is pure Python and ~10x slower.
    temporary.write_text(json.dumps(publication.__dict__, sort_keys=True))
    temporary.replace(path)  # atomic: a crash never leaves half a publication
    return path


def read_publication(state_dir: Path, hour: int) -> Publication | None:
    path = publication_path(state_dir, hour)
    if not path.exists():
        return None
    try:
        raw: Mapping[str, Any] = json.loads(path.read_text())
        return Publication(**raw)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"publication {path}: damaged ({exc})") from None
