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

from eth_utils.address import to_checksum_address

from flowmarket import jsontext
from flowmarket.chain.leaves import (
    SettlementWeek,
    decode_settlement_value,
    participant_key,
    settlement_value,
)
from flowmarket.chain.sorted_tree import SortedTree
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
    entries: dict[str, Any] | None = None


def check_result_document(result: Any, source: str) -> ResultDoc:
    """The RESULT.json document, or `InvalidInput` naming the missing field. An hour
    cleared in intervals publishes `{"interval_s": L, "intervals": [RESULT, …]}`
    (docs/schedule.md): each of its results is checked."""
    if isinstance(result, dict) and "intervals" in result:
        intervals = result["intervals"]
        if not isinstance(intervals, list) or not isinstance(result.get("interval_s"), int):
            raise InvalidInput(f"{source}: 'intervals' needs a list and 'interval_s' seconds")
        for j, interval in enumerate(intervals):
            check_result_document(interval, f"{source}: intervals[{j}]")
        return cast(ResultDoc, result)
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
    temporary.write_text(jsontext.dumps(publication.__dict__, sort_keys=True))
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


def week_document(week: SettlementWeek) -> dict[str, Any]:
    """`weeks/<w>.json`: every leaf of the week's tree as posted, in tree order (wei as
    decimal strings), from which anyone rebuilds the posted root and any leaf's or
    absence proof."""
    rows = []
    for key, value in zip(week.tree.keys, week.tree.values, strict=True):
        leaf = decode_settlement_value(value)
        rows.append(
            {
                "participant": str(to_checksum_address(key)),
                "amount": str(leaf.amount),
                "hours": str(leaf.hours),
                "credits_before": str(leaf.credits_before),
                "debits_before": str(leaf.debits_before),
            }
        )
    return {
        "week": week.week,
        "root": "0x" + week.root.hex(),
        "fees": str(week.fees),
        "leaves": rows,
    }


WEEK_FIELDS = {"week", "root", "fees", "leaves"}
LEAF_FIELDS = {"participant", "amount", "hours", "credits_before", "debits_before"}


def read_week_file(raw: Any, source: str) -> SortedTree:
    """Parse `week_document`'s JSON strictly and rebuild the tree of its leaves."""
    if not isinstance(raw, dict) or set(raw) != WEEK_FIELDS:
        raise InvalidInput(f"{source}: expected exactly the fields {sorted(WEEK_FIELDS)}")
    if not isinstance(raw["leaves"], list):
        raise InvalidInput(f"{source}: leaves: expected a list")
    pairs = []
    for k, row in enumerate(raw["leaves"]):
        if not isinstance(row, dict) or set(row) != LEAF_FIELDS:
            raise InvalidInput(f"{source}: leaves[{k}]: expected exactly {sorted(LEAF_FIELDS)}")
        try:
            words = [
                int(row[name]) for name in ("amount", "hours", "credits_before", "debits_before")
            ]
        except (TypeError, ValueError):
            raise InvalidInput(f"{source}: leaves[{k}]: amounts must be integers") from None
        pairs.append((participant_key(str(row["participant"])), settlement_value(*words)))
    return SortedTree(pairs)


def week_path(state_dir: Path, week: int) -> Path:
    return state_dir / "weeks" / f"{week}.json"


def write_week_publication(state_dir: Path, tree: SettlementWeek) -> Path:
    """Write `weeks/<w>.json` atomically (the same tree always gives the same file)."""
    path = week_path(state_dir, tree.week)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(week_document(tree), indent=1, sort_keys=True))
    temporary.replace(path)
    return path


def published_orders(state_dir: Path, hour: int) -> list[dict[str, Any]]:
    """The orders of `hours/<h>.orders.json` (none when the file is absent: an hour
    committed from a result file alone has no fill leaves)."""
    return published_order_set(state_dir, hour)[0]


def published_order_set(
    state_dir: Path, hour: int
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """(the orders, the batches they were signed in) of `hours/<h>.orders.json`; none
    when the file is absent."""
    path = state_dir / "hours" / f"{hour}.orders.json"
    if not path.exists():
        return [], {}
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{path}: not readable JSON ({exc})") from None
    orders = raw.get("orders") if isinstance(raw, dict) else None
    if not isinstance(orders, list):
        raise InvalidInput(f"{path}: 'orders' must be a list")
    batches = cast(dict[str, Any], raw).get("batches", {})
    if not isinstance(batches, dict):
        raise InvalidInput(f"{path}: 'batches' must be an object")
    return [o for o in orders if isinstance(o, dict)], batches


def published_intervals(state_dir: Path, hour: int) -> list[dict[str, Any]]:
    """The intervals' order sets of `hours/<h>.orders.json` for an hour cleared in
    intervals (each with its `orders` and `batches`); none for an hourly hour or when the
    file is absent."""
    path = state_dir / "hours" / f"{hour}.orders.json"
    if not path.exists():
        return []
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{path}: not readable JSON ({exc})") from None
    intervals = raw.get("intervals", []) if isinstance(raw, dict) else []
    if not isinstance(intervals, list) or not all(isinstance(d, dict) for d in intervals):
        raise InvalidInput(f"{path}: 'intervals' must be a list of order sets")
    return intervals
