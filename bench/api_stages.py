"""Where the API's CPU goes: each stage of a submission timed in-process (sequentially,
`time.process_time`), for the single route and the batch route, per order."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flowmarket.api.batch_intake import check_against_book, entries, verify_batch
from flowmarket.api.batch_schemas import SignedBatchIn
from flowmarket.api.context import ApiContext
from flowmarket.api.intake import check_with_engine, verify_order
from flowmarket.api.routes_batch import answer
from flowmarket.api.schemas import SignedOrderIn
from flowmarket.backend.participation import SqlBackend
from flowmarket.backend.serve import open_database
from flowmarket.catalogue.hours import open_hour
from flowmarket.merkle import MerkleTree
from flowmarket.signing import OrderMessage, digest, receipt_leaf, recover
from flowmarket.states import ReceiptAction
from load_harness import DOMAIN, LIMITS, OPERATOR_KEY, batch_bodies, single_bodies

Timer = Callable[[str, Callable[[], Any]], Any]


def stage_times(url: str, route: str, n: int, size: int) -> dict[str, float]:
    """Mean CPU ms per order of each server stage, run in-process on `url`."""
    engine = open_database(url)
    backend = SqlBackend(engine)
    context = ApiContext.build(
        backend=backend,
        domain=DOMAIN,
        operator_key=OPERATOR_KEY,
        limits=LIMITS,
        clock=time.time,
        token_secret=b"x",
        login_domain="bench",
    )
    totals: dict[str, float] = {}

    def timed(stage: str, fn: Callable[[], Any]) -> Any:
        start = time.process_time()
        value = fn()
        totals[stage] = totals.get(stage, 0.0) + time.process_time() - start
        return value

    if route == "single":
        for payload in single_bodies(n, 7, nonce_offset=10**7):
            _single(payload, backend, context, timed)
    else:
        for payload in batch_bodies(n, 7, size, nonce_offset=10**7):
            _batch(payload, backend, context, timed)
    engine.dispose()
    return {stage: 1000 * total / n for stage, total in totals.items()}


def _single(payload: bytes, backend: SqlBackend, context: ApiContext, timed: Timer) -> None:
    request = timed("parse + pydantic", lambda: SignedOrderIn.model_validate_json(payload))
    names = timed("catalogue (cached)", backend.product_names)
    portfolio = {k: float(v) for k, v in request.order.portfolio.items()}
    curve = [(float(q), float(p)) for q, p in request.order.curve]
    timed("engine validation", lambda: check_with_engine(portfolio, curve))
    order = request.order
    message = OrderMessage(
        order.participant, order.nonce, order.from_hour, order.until_hour, portfolio, tuple(curve)
    )
    timed("EIP-712 digest", lambda: digest(DOMAIN, message))
    signature = bytes.fromhex(request.signature[2:])
    timed("ecrecover", lambda: recover(DOMAIN, message, signature))
    verified = verify_order(request, domain=DOMAIN, known=names, limits=LIMITS, now=time.time())
    hour = open_hour(time.time())
    timed(
        "intake reads (dup, nonce, limit)",
        lambda: backend.intake_state(verified.participant, verified.order_hash, hour),
    )
    receipt = timed(
        "receipt signature",
        lambda: context.receipt(
            order_hash=verified.order_hash,
            participant=verified.participant,
            nonce=verified.nonce,
            action=ReceiptAction.ACCEPTED,
            recorded_at=int(time.time()),
        ),
    )
    timed(
        "insert + commit",
        lambda: backend.store_order(
            verified,
            accepted_at=time.time(),
            receipt_signature=receipt.signature,
            cancel_receipt_signature=None,
            open_hour=hour,
        ),
    )


def _batch(payload: bytes, backend: SqlBackend, context: ApiContext, timed: Timer) -> None:
    request = timed("parse + pydantic", lambda: SignedBatchIn.model_validate_json(payload))
    names = timed("catalogue (cached)", backend.product_names)
    now = time.time()
    batch = timed(
        "verify: per-order checks, engine, EIP-712 ids, ecrecover",
        lambda: verify_batch(request, domain=DOMAIN, known=names, limits=LIMITS, now=now),
    )
    hour = open_hour(now)
    _, book = timed("intake reads (5 queries)", lambda: backend.batch_book(batch, hour))
    check_against_book(batch, book, limits=LIMITS)
    recorded = entries(batch)

    def tree_and_sign() -> tuple[MerkleTree, str]:
        tree = MerkleTree.from_leaves(receipt_leaf(e.order_hash, e.action) for e in recorded)
        signature = context.batch_receipt_signature(
            batch_hash=batch.batch_hash,
            participant=batch.participant,
            entries_root="0x" + tree.root.hex(),
            entries=len(recorded),
            recorded_at=int(now),
        )
        return tree, signature

    tree, signature = timed("receipt tree + signature", tree_and_sign)
    stored, _ = timed(
        "insert + update + commit (one transaction)",
        lambda: backend.store_batch(
            batch,
            recorded,
            recorded_at=now,
            entries_root="0x" + tree.root.hex(),
            receipt_signature=signature,
        ),
    )
    timed(
        "answer: proofs + serialisation",
        lambda: answer(context, stored, tree, duplicate=False).model_dump_json(),
    )
