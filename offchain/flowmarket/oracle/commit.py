"""Step 3 of an hour: commit it on chain exactly once.

Before the `commitHour` transaction is broadcast its nonce, hash and signed bytes are
journaled (step `sent`). After a crash the ledger says what happened:

- `nextHour() > h`: hour h is committed. Its on-chain commitment must equal the one
  derived again from the journaled result (else `ChainError`: someone committed
  different roots); the journal moves to `committed`.
- `nextHour() == h`: not committed. If the node knows the journaled transaction it is
  awaited; if not, the same signed bytes are broadcast again while their nonce is still
  unused, else a fresh transaction is signed (and journaled) — never a second one while
  the first can still land, and the ledger rejects any hour but `nextHour()` anyway.
"""

from __future__ import annotations

import logging

from flowmarket.errors import ChainError
from flowmarket.oracle import chain_state, transactions
from flowmarket.oracle.context import OracleContext
from flowmarket.oracle.faults import crash_point
from flowmarket.oracle.hour_commitment import CommittedHour, read_commitment
from flowmarket.oracle.intervals import snapshots_of
from flowmarket.oracle.journal import advance, engine_doc_of, require, result_of
from flowmarket.oracle.transactions import SignedTx
from flowmarket.states import JournalStep

log = logging.getLogger("flowmarket.oracle")


def commit_hour(ctx: OracleContext, hour: int) -> None:
    """Bring hour `hour` from `cleared` or `sent` to `committed`."""
    with ctx.session() as session:
        light = require(session, hour, light=True)
        bundle = ctx.bundles.cached(hour=hour, fee_bps=light.fee_bps)
        if bundle is None:
            row = require(session, hour)
            doc = engine_doc_of(row)
            bundle = ctx.bundles.get(
                result_of(row),
                hour=hour,
                fee_bps=row.fee_bps,
                orders=doc["orders"],
                batches=doc.get("batches"),
                order_sets=snapshots_of(row),
            )
    ctx.rpc(lambda: _attempt(ctx, bundle), what="commit", hour=hour)


def _attempt(ctx: OracleContext, bundle: CommittedHour) -> None:
    """One try; a retry after a transport failure starts here again, so a transaction
    journaled by an earlier try is always looked for before another one is signed."""
    previous = _journaled_tx(ctx, bundle.hour)
    if previous is not None and _recover(ctx, bundle, previous):
        return
    _send(ctx, bundle)


def _journaled_tx(ctx: OracleContext, hour: int) -> SignedTx | None:
    with ctx.session() as session:
        row = require(session, hour, light=True)
    if (
        row.step != JournalStep.SENT
        or row.tx_hash is None
        or row.tx_nonce is None
        or row.raw_tx is None
    ):
        return None
    return SignedTx(f"commitHour({hour})", row.tx_nonce, row.tx_hash, row.raw_tx)


def _recover(ctx: OracleContext, bundle: CommittedHour, previous: SignedTx) -> bool:
    """True when the hour is committed (journal updated); False when it must be sent."""
    hour, client = bundle.hour, ctx.market.client
    if transactions.is_known(client, previous.tx_hash):
        receipt = transactions.find_receipt(client, previous.tx_hash)
        if receipt is None:
            transactions.wait_receipt(client, previous.tx_hash, label=previous.label)
    if _check_committed(ctx, bundle):
        receipt = transactions.find_receipt(client, previous.tx_hash)
        _record(
            ctx, bundle, previous.tx_hash, None if receipt is None else int(receipt["blockNumber"])
        )
        log.info("recovered commit", extra={"hour": hour, "step": "commit", "tx": previous.tx_hash})
        return True
    if (
        not transactions.is_known(client, previous.tx_hash)
        and transactions.mined_nonce(client) <= previous.nonce
    ):
        log.info("re-broadcasting journaled commit", extra={"hour": hour, "tx": previous.tx_hash})
        transactions.broadcast(client, previous)
        transactions.wait_receipt(client, previous.tx_hash, label=previous.label)
        if _check_committed(ctx, bundle):
            receipt = transactions.find_receipt(client, previous.tx_hash)
            _record(
                ctx,
                bundle,
                previous.tx_hash,
                None if receipt is None else int(receipt["blockNumber"]),
            )
            return True
    return False


def _check_committed(ctx: OracleContext, bundle: CommittedHour) -> bool:
    """True when the ledger has the hour with exactly the bundle's commitment."""
    next_hour = chain_state.next_hour(ctx)
    if next_hour <= bundle.hour:
        return False
    ledger = ctx.contract("ClearingLedger")
    on_chain = read_commitment(ctx.market.client, ledger, bundle.hour)
    if on_chain != bundle.commitment:
        raise ChainError(
            f"hour {bundle.hour} is committed on chain with a different commitment than the "
            f"journaled result gives ({on_chain.to_json()} != {bundle.commitment.to_json()})"
        )
    return True


def _send(ctx: OracleContext, bundle: CommittedHour) -> None:
    hour, client = bundle.hour, ctx.market.client
    if _check_committed(ctx, bundle):
        _record(ctx, bundle, None, None)
        return
    expected = chain_state.next_hour(ctx)
    if expected != hour:
        raise ChainError(
            f"the ledger expects hour {expected} next, not {hour}: journal and chain disagree"
        )
    ledger = ctx.contract("ClearingLedger")
    call = ledger.functions.commitHour(hour, bundle.commitment.as_tuple())
    signed = transactions.sign_call(client, call, label=f"commitHour({hour})")
    with ctx.session() as session:
        row = require(session, hour, light=True)
        row.tx_nonce, row.tx_hash, row.raw_tx = signed.nonce, signed.tx_hash, signed.raw
        advance(session, row, JournalStep.SENT)
    transactions.broadcast(client, signed)
    log.info(
        "commit sent",
        extra={"hour": hour, "step": "commit", "tx": signed.tx_hash, "nonce": signed.nonce},
    )
    crash_point(ctx.settings, "after_send", hour=hour)
    receipt = transactions.wait_receipt(client, signed.tx_hash, label=signed.label)
    _record(ctx, bundle, signed.tx_hash, int(receipt["blockNumber"]))


def _record(
    ctx: OracleContext, bundle: CommittedHour, tx_hash: str | None, block: int | None
) -> None:
    with ctx.session() as session:
        row = require(session, bundle.hour, light=True)
        if tx_hash is not None:
            row.tx_hash = tx_hash
        row.commit_block = block
        row.commitment = bundle.commitment.to_json()
        # From sent, or from cleared when the ledger already holds this very commitment.
        advance(session, row, JournalStep.COMMITTED)
    log.info(
        "hour committed",
        extra={"hour": bundle.hour, "step": "commit", "tx": tx_hash, "block": block},
    )
    crash_point(ctx.settings, "after_record", hour=bundle.hour)
