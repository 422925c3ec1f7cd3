"""Checks of a signed order batch: each order by the single route's own rules, the batch
as a whole (sizes, no order twice, nothing replaced or cancelled twice), the signature,
then against what storage holds (nonces, open orders, the orders it replaces or cancels).

Atomic: the first failure rejects the whole batch and nothing is stored. Errors name
the field as `batch.orders[i].…` or `batch.cancels[j]`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowmarket.api.batch_schemas import SignedBatchIn
from flowmarket.api.intake import (
    check_book_with_engine,
    check_domain,
    check_order_fields,
    check_signer,
    checksummed,
    verified,
)
from flowmarket.api.limits import ApiLimits
from flowmarket.errors import Conflict, FieldError
from flowmarket.order_limits import OpenBook
from flowmarket.orders import SignedOrder
from flowmarket.signing import (
    Domain,
    OrderBatchMessage,
    OrderMessage,
    batch_ids,
    order_struct_hash,
)
from flowmarket.states import OrderStatus, ReceiptAction


@dataclass(frozen=True)
class VerifiedBatch:
    """A batch whose signature recovered to its participant; orders in batch order.

    struct_hashes: each order's EIP-712 `hashStruct` (0x-hex, batch order), the words the
    batch's signature covers: stored with the batch so that a verifier's view of it (the
    order set's `batches`) is read, not hashed again from every member each hour."""

    batch_hash: str
    participant: str
    orders: tuple[SignedOrder, ...]
    cancels: tuple[str, ...]
    signature: str
    struct_hashes: tuple[str, ...]


@dataclass(frozen=True)
class BatchEntry:
    """One leaf of the batch receipt (see `BatchEntryOut` for `index` and `replaced`)."""

    order_hash: str
    action: ReceiptAction
    index: int
    replaced: bool


@dataclass(frozen=True)
class StoredBatch:
    """A recorded batch as storage returns it: its receipt's fields and its entries."""

    batch_hash: str
    participant: str
    recorded_at: float
    entries_root: str
    receipt_signature: str
    entries: tuple[BatchEntry, ...]


@dataclass(frozen=True)
class KnownOrder:
    """A stored order a batch names (replaces or cancels): owner and status now."""

    participant: str
    status: OrderStatus


@dataclass(frozen=True)
class BatchBook:
    """What storage holds about a batch, read in one session before it is stored."""

    min_nonce: int
    open_orders: int
    stored_ids: frozenset[str]  # ids of the batch's orders that are already stored
    used_nonces: frozenset[int]  # the batch's nonces the participant already used
    named: dict[str, KnownOrder]  # the orders the batch replaces or cancels, if stored
    # The participant's open book for the economic checks, read in the same session when
    # asked for (`MarketBackend.batch_book`'s `with_open_book`); None otherwise.
    open_book: OpenBook | None = None


def renamed(exc: FieldError, prefix: str) -> FieldError:
    """The same error with its leading `order` field renamed to `prefix`."""
    reason = str(exc)[len(exc.field) + 2 :]
    field = prefix + exc.field.removeprefix("order") if exc.field.startswith("order") else prefix
    return type(exc)(field, reason)


def _checked_orders(
    request: SignedBatchIn, *, participant: str, known: set[str], limits: ApiLimits, now: float
) -> tuple[list[OrderMessage], list[bytes]]:
    """Each order checked as the single route checks it, and its `hashStruct`."""
    messages, hashes = [], []
    for i, order in enumerate(request.batch.orders):
        where = f"batch.orders[{i}]"
        if order.participant.lower() != participant.lower():
            raise FieldError(f"{where}.participant", f"must be the batch's {participant}")
        if order.kind != "curve":
            raise FieldError(
                f"{where}.kind",
                f"a {order.kind} order is signed alone as a NonConvexOrder (POST /v1/orders); "
                "a batch carries curve orders only",
            )
        if order.portfolios is not None:
            raise FieldError(
                f"{where}.portfolios",
                "an order over several portfolios is signed alone as a PortfolioOrder "
                "(POST /v1/orders); a batch carries orders over one portfolio only",
            )
        try:
            message = check_order_fields(order, known=known, limits=limits, now=now)
            hashes.append(order_struct_hash(message))  # checks the numbers' fixed-point form
        except FieldError as exc:
            raise renamed(exc, where) from None
        messages.append(message)
    check_book_with_engine(
        [(f"batch.orders[{i}]", m.portfolio, list(m.curve)) for i, m in enumerate(messages)]
    )
    return messages, hashes


def _check_sizes(request: SignedBatchIn, limits: ApiLimits) -> None:
    batch = request.batch
    if not batch.orders and not batch.cancels:
        raise FieldError("batch", "must place or cancel at least one order")
    for name, items in (("orders", batch.orders), ("cancels", batch.cancels)):
        if len(items) > limits.max_batch_orders:
            raise FieldError(
                f"batch.{name}", f"has {len(items)} entries; the limit is {limits.max_batch_orders}"
            )


def _check_distinct(orders: list[OrderMessage], ids: list[str], cancels: list[str]) -> None:
    """No order, nonce, replaced or cancelled order twice; nothing refers into the batch."""
    first: dict[object, int] = {}
    for i, (order, oid) in enumerate(zip(orders, ids, strict=True)):
        for key, field, what in (
            (("id", oid), "", "is the same order as"),
            (("nonce", order.nonce), ".nonce", "reuses the nonce of"),
        ):
            if key in first:
                raise FieldError(f"batch.orders[{i}]{field}", f"{what} batch.orders[{first[key]}]")
            first[key] = i
    replaced: dict[str, int] = {}
    for i, order in enumerate(orders):
        if order.replaces is None:
            continue
        if ("id", order.replaces) in first:
            raise FieldError(f"batch.orders[{i}].replaces", "names an order of this batch")
        if order.replaces in replaced:
            raise FieldError(
                f"batch.orders[{i}].replaces",
                f"batch.orders[{replaced[order.replaces]}] already replaces that order",
            )
        replaced[order.replaces] = i
    seen: dict[str, int] = {}
    for j, cancel in enumerate(cancels):
        if cancel in seen:
            raise FieldError(f"batch.cancels[{j}]", f"repeats batch.cancels[{seen[cancel]}]")
        if ("id", cancel) in first:
            raise FieldError(f"batch.cancels[{j}]", "names an order of this batch")
        if cancel in replaced:
            raise FieldError(
                f"batch.cancels[{j}]", f"batch.orders[{replaced[cancel]}] replaces that order"
            )
        seen[cancel] = j


def verify_batch(
    request: SignedBatchIn, *, domain: Domain, known: set[str], limits: ApiLimits, now: float
) -> VerifiedBatch:
    """Check a batch submission; return it with its id and its orders' ids, or raise
    FieldError naming the first bad field."""
    check_domain(request.chain_id, request.verifying_contract, domain=domain)
    _check_sizes(request, limits)
    participant = checksummed(request.batch.participant)
    orders, hashes = _checked_orders(
        request, participant=participant, known=known, limits=limits, now=now
    )
    message = OrderBatchMessage(participant, tuple(orders), tuple(request.batch.cancels))
    batch_digest, ids = batch_ids(domain, message, hashes)
    _check_distinct(orders, ids, list(message.cancels))
    check_signer(domain, message, request.signature, message_digest=batch_digest)
    signature = request.signature.lower()
    return VerifiedBatch(
        batch_hash="0x" + batch_digest.hex(),
        participant=participant,
        orders=tuple(verified(m, oid, signature) for m, oid in zip(orders, ids, strict=True)),
        cancels=message.cancels,
        signature=signature,
        struct_hashes=tuple("0x" + h.hex() for h in hashes),
    )


def entries(batch: VerifiedBatch) -> list[BatchEntry]:
    """The receipt's leaves: accepted orders in batch order, then the orders they
    replace (in the same order), then the cancels in order."""
    out = [
        BatchEntry(o.order_hash, ReceiptAction.ACCEPTED, i, False)
        for i, o in enumerate(batch.orders)
    ]
    out += [
        BatchEntry(o.replaces, ReceiptAction.CANCELLED, i, True)
        for i, o in enumerate(batch.orders)
        if o.replaces is not None
    ]
    out += [BatchEntry(c, ReceiptAction.CANCELLED, j, False) for j, c in enumerate(batch.cancels)]
    return out


def check_against_book(batch: VerifiedBatch, book: BatchBook, *, limits: ApiLimits) -> None:
    """The storage-dependent rules of the single route, for every order of the batch."""
    for i, order in enumerate(batch.orders):
        where = f"batch.orders[{i}]"
        if order.order_hash in book.stored_ids:
            raise Conflict(where, f"order {order.order_hash} is already stored")
        if order.nonce < book.min_nonce:
            raise FieldError(
                f"{where}.nonce",
                f"{order.nonce} is below the participant's min valid nonce {book.min_nonce}",
            )
        if order.nonce in book.used_nonces:
            raise Conflict(f"{where}.nonce", f"nonce {order.nonce} was already used")
        if order.replaces is not None:
            _check_named(book, order.replaces, f"{where}.replaces", batch.participant)
    for j, cancel in enumerate(batch.cancels):
        _check_named(book, cancel, f"batch.cancels[{j}]", batch.participant)
    removed = sum(o.replaces is not None for o in batch.orders) + len(batch.cancels)
    after = book.open_orders - removed + len(batch.orders)
    limit = limits.max_open_orders_per_participant
    if len(batch.orders) > removed and after > limit:
        raise FieldError(
            "batch.orders",
            f"participant would have {after} open orders; the limit is {limit}",
        )


def _check_named(book: BatchBook, order_hash: str, field: str, participant: str) -> None:
    known = book.named.get(order_hash)
    if known is None:
        raise FieldError(field, f"unknown order {order_hash}")
    if known.participant != participant:
        raise FieldError(field, "belongs to another participant")
    if known.status != OrderStatus.OPEN:
        raise Conflict(field, f"order {order_hash} is {known.status}, not open")
