"""Intake's economic checks of an order (docs/order-limits.md): the governed limits, the
participant's total rate, and the worst case its collateral must back.

Checked after the signature, against the participant's other open orders (the one an
order replaces no longer counts) and its position, with the limits, parameters and
collateral the chain holds now. The oracle checks every standing order again at each
snapshot (`oracle.screen`), so an order accepted here is still left out of an hour when
its participant withdraws collateral or governance lowers a limit meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from itertools import accumulate

from flowmarket.api.rules import MarketRules
from flowmarket.collateral import requirement
from flowmarket.errors import FieldError
from flowmarket.order_limits import (
    Breach,
    OpenBook,
    OrderRisk,
    collateral_breach,
    rate_breach,
    worst_case,
)
from flowmarket.orders import SignedOrder, order_breach, risk_parts


def check_economics(order: SignedOrder, *, book: OpenBook, rules: MarketRules) -> None:
    """Raise FieldError naming the field and the governed limit the order breaks (its
    own open copy and the order it replaces do not count)."""
    removed = {order.order_hash} | ({order.replaces} if order.replaces else set())
    _check([order], removed, order.participant, book, rules, lambda _: "order")


def check_batch_economics(
    orders: Sequence[SignedOrder],
    removed: Collection[str],
    participant: str,
    *,
    book: OpenBook,
    rules: MarketRules,
) -> list[OrderRisk]:
    """`check_economics` for a whole batch, as if its orders came one by one: each order's
    own limits, then the participant's rate and collateral with the batch's orders up to
    that one (the orders the batch replaces or cancels no longer count). The error names
    the first order that breaks a limit (`batch.orders[2].curve`, `batch.orders[2]`), so
    a client can drop that order and send the rest again. Returns each order's risk (the
    backend keeps them: the participant's next batch reads them back otherwise)."""
    return _check(orders, removed, participant, book, rules, lambda i: f"batch.orders[{i}]")


def _check(
    orders: Sequence[SignedOrder],
    removed: Collection[str],
    participant: str,
    book: OpenBook,
    rules: MarketRules,
    where: Callable[[int], str],
) -> list[OrderRisk]:
    """The checks of both routes; `where(i)` names order i in the request. Returns the
    orders' risks."""
    limits = rules.order_limits()
    parts = [risk_parts(o) for o in orders]
    for i, (order, pieces) in enumerate(zip(orders, parts, strict=True)):
        breach = order_breach(order, pieces, limits)
        if breach is not None:
            raise FieldError(breach.field.replace("order", where(i), 1), breach.reason)
    risks = [OrderRisk.of_parts(pieces) for pieces in parts]
    others = [r for h, r in book.orders if h not in removed]
    open_rate = sum(r.rate for r in others)
    for i, rate in enumerate(accumulate(r.rate for r in risks)):
        _raise(_at(where(i), rate_breach(open_rate, rate, limits)))
    params = rules.collateral_params()
    base = sum(r.exposure(book.prices) for r in others)
    now = requirement(book.position, book.expected, book.prices, params)
    worst = [
        worst_case(now, base + e, params)
        for e in accumulate(r.exposure(book.prices) for r in risks)
    ]
    if not worst or collateral_breach(rules.collateral_of(participant), worst[-1]) is None:
        return risks
    # Read again before refusing: a deposit must count at once (an acceptance on a few
    # seconds old amount is checked again at the snapshot).
    collateral = rules.collateral_of(participant, fresh=True)
    for i, needed in enumerate(worst):
        _raise(_at(where(i), collateral_breach(collateral, needed)))
    return risks


def _at(field: str, breach: Breach | None) -> Breach | None:
    """A participant-wide breach blamed on the order that first makes it."""
    return None if breach is None else Breach(field, breach.reason)


def _raise(breach: Breach | None) -> None:
    if breach is not None:
        raise FieldError(breach.field, breach.reason)
