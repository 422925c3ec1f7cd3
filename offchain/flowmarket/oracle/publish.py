"""Step 4 of an hour: make the committed hour public and post collateral requirements.

Fills the hour's commitment columns in the database (roots, commit transaction, each
price's and participant entry's leaf and Merkle proof) that the API serves, writes the
publication file (`oracle.publication`), and posts the root of every participant's
requirement to the vault (`oracle.requirements`). Every part is idempotent, so a crash
in the middle just repeats it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flowmarket import jsontext
from flowmarket.clearing import OrdersDoc
from flowmarket.db import oracle_repo
from flowmarket.errors import JournalError
from flowmarket.merkle import MerkleTree, ProofIndex
from flowmarket.oracle.context import OracleContext
from flowmarket.oracle.hour_commitment import CommittedHour, entries_document
from flowmarket.oracle.intervals import snapshots_of
from flowmarket.oracle.journal import advance, commitment_of, engine_doc_of, require, result_of
from flowmarket.oracle.publication import Publication, write_publication
from flowmarket.oracle.requirements import post_requirements
from flowmarket.states import JournalStep

log = logging.getLogger("flowmarket.oracle")


def publish_hour(ctx: OracleContext, hour: int) -> None:
    """Bring hour `hour` from `committed` to `published`."""
    with ctx.session() as session:
        # Light: the order set is read only when the bundle must be rebuilt (a restart)
        # and is written to its file as journaled, without decoding it.
        row = require(session, hour, light=True)
        result, commitment = result_of(row), commitment_of(row)
        bundle = ctx.bundles.cached(hour=hour, fee_bps=row.fee_bps)
        if bundle is None:
            engine_doc = engine_doc_of(row)
            bundle = ctx.bundles.get(
                result,
                hour=hour,
                fee_bps=row.fee_bps,
                orders=engine_doc["orders"],
                batches=engine_doc.get("batches"),
                order_sets=snapshots_of(row),
            )
        order_set = oracle_repo.journal_texts(session, hour=hour)
        tx_hash = row.tx_hash or ""
        oracle_repo.fill_commitment(
            session,
            hour=hour,
            roots={k: v for k, v in commitment.items() if k.endswith("_root")},
            tx_hash=tx_hash,
            committed_at=time.time(),
            price_proofs=_price_proofs(bundle),
            entry_proofs=_entry_proofs(bundle),
        )
        publication = Publication(
            hour=hour,
            fee_bps=row.fee_bps,
            result=result,
            commitment=commitment,
            tx_hash=tx_hash,
            block_number=row.commit_block or 0,
            entries=entries_document(bundle),
        )
    write_publication(ctx.settings.state_dir, publication)
    write_order_set_text(ctx.settings.state_dir, hour, order_set)
    post_requirements(ctx, hour)
    with ctx.session() as session:
        advance(session, require(session, hour, light=True), JournalStep.PUBLISHED)
    ctx.bundles.release(hour)
    log.info("hour published", extra={"hour": hour, "step": "publish"})


def write_order_set(
    state_dir: Path, hour: int, engine_doc: OrdersDoc, collateral: dict[str, Any]
) -> Path:
    """`hours/<h>.orders.json`: the order set exactly as cleared (after the collateral
    rules), which `flowmarket clear` re-clears into the committed roots, and the
    collateral states and cuts that produced it."""
    return _write_order_set_file(state_dir, hour, _order_set_json(engine_doc, hour, collateral))


def order_set_text(hour: int, texts: tuple[str, str]) -> str:
    """`write_order_set`'s file from the journaled documents as stored (the JSON text
    of the engine document and of the collateral record): the same value, without
    decoding and encoding the hour's orders again. A document that could already name
    `hour` or `collateral` goes the long way (decoded, then `write_order_set`'s dumps)."""
    engine_text, collateral_text = texts
    head = engine_text.strip()
    if (
        not (head.startswith("{") and head.endswith("}"))
        or '"hour"' in engine_text
        or '"collateral"' in engine_text
    ):
        engine_doc, collateral = json.loads(engine_text), json.loads(collateral_text)
        if not isinstance(engine_doc, dict):
            raise JournalError(f"hour {hour}: the journaled order set is not a JSON object")
        return _order_set_json(engine_doc, hour, collateral)
    inner = head[1:-1].strip()
    tail = f'"hour": {hour}, "collateral": {collateral_text}'
    return "{" + (f"{inner}, {tail}" if inner else tail) + "}"


def _order_set_json(engine_doc: Mapping[str, Any], hour: int, collateral: Any) -> str:
    # Compact: the indenting encoder is pure Python, ~10x slower on a 2 MB order set.
    return jsontext.dumps({**engine_doc, "hour": hour, "collateral": collateral})


def write_order_set_text(state_dir: Path, hour: int, texts: tuple[str, str]) -> Path:
    """`write_order_set` from the journaled texts (`order_set_text`)."""
    return _write_order_set_file(state_dir, hour, order_set_text(hour, texts))


def _write_order_set_file(state_dir: Path, hour: int, text: str) -> Path:
    path = state_dir / "hours" / f"{hour}.orders.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text)
    temporary.replace(path)  # atomic: a crash never leaves half an order set
    return path


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _proofs(tree: MerkleTree, leaves: Mapping[str, bytes]) -> dict[str, tuple[str, list[str]]]:
    """{key: (leaf, proof)} as 0x-hex for each key's leaf of `tree`: the leaves located in
    one search (0.17 → 0.07 s for an hour's 10^4 prices)."""
    proofs = ProofIndex(tree).proofs(list(leaves.values()))
    return {
        key: (_hex(leaf), [_hex(p) for p in proof])
        for (key, leaf), proof in zip(leaves.items(), proofs, strict=True)
    }


def _price_proofs(bundle: CommittedHour) -> dict[str, tuple[str, list[str]]]:
    leaves = {product: bundle.price_leaf(product) for product in bundle.amounts.prices}
    return _proofs(bundle.prices_tree, leaves)


def _entry_proofs(bundle: CommittedHour) -> dict[str, tuple[str, list[str]]]:
    leaves = {who: bundle.entry_leaf(who) for who in bundle.amounts.trades}
    return _proofs(bundle.entries_tree, leaves)
