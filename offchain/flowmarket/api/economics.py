"""Intake's economic checks of an order (docs/order-limits.md): the governed limits, the
participant's total rate, and the worst case its collateral must back.

Checked after the signature, against the participant's other open orders (the one an
order replaces no longer counts) and its position, with the limits, parameters and
collateral the chain holds now. The oracle checks every standing order again at each
snapshot (`oracle.screen`), so an order accepted here is still left out of an hour when
its participant withdraws collateral or governance lowers a limit meanwhile.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from itertools import accumulate

from flowmarket.api.rules import MarketRules
from flowmarket.collateral import requirement
from flowmarket.errors import FieldError
from flowmarket.order_limits import (
    Breach,
    OpenBook,
    OrderRisk,
    collateral_breach,
    limit_breach,
    rate_breach,
    worst_case,
    worst_case_requirement,
)
from flowmarket.orders import SignedOrder, risk_curve


def check_economics(order: SignedOrder, *, book: OpenBook, rules: MarketRules) -> None:
    """Raise FieldError naming the field and the governed limit the order breaks."""
    limits = rules.order_limits()
    points = risk_curve(order.curve, order.terms)
    _raise(limit_breach(order.portfolio, points, limits))
    risk = OrderRisk.of(order.portfolio, points)
    others = [r for h, r in book.orders if h not in (order.order_hash, order.replaces)]
    _raise(rate_breach(sum(r.rate for r in others), risk.rate, limits))
    exposure = sum(r.exposure(book.prices) for r in others) + risk.exposure(book.prices)
    params = rules.collateral_params()
    worst = worst_case_requirement(book.position, book.expected, book.prices, params, exposure)
    if collateral_breach(rules.collateral_of(order.participant), worst) is not None:
        # Read again before refusing: a deposit must count at once (an acceptance on a
        # few seconds old amount is checked again at the snapshot).
        _raise(collateral_breach(rules.collateral_of(order.participant, fresh=True), worst))


def check_batch_economics(
    orders: Sequence[SignedOrder],
    removed: Collection[str],
    participant: str,
    *,
    book: OpenBook,
    rules: MarketRules,
) -> None:
    """`check_economics` for a whole batch, as if its orders came one by one: each order's
    own limits, then the participant's rate and collateral with the batch's orders up to
    that one (the orders the batch replaces or cancels no longer count). The error names
    the first order that breaks a limit (`batch.orders[2].curve`, `batch.orders[2]`), so
    a client can drop that order and send the rest again."""
    limits = rules.order_limits()
    for i, order in enumerate(orders):
        breach = limit_breach(order.portfolio, order.curve, limits)
        if breach is not None:
            raise FieldError(breach.field.replace("order", f"batch.orders[{i}]", 1), breach.reason)
    risks = [OrderRisk.of(o.portfolio, o.curve) for o in orders]
    others = [r for h, r in book.orders if h not in removed]
    open_rate = sum(r.rate for r in others)
    for i, rate in enumerate(accumulate(r.rate for r in risks)):
        _raise(_at(i, rate_breach(open_rate, rate, limits)))
    params = rules.collateral_params()
    base = sum(r.exposure(book.prices) for r in others)
    now = requirement(book.position, book.expected, book.prices, params)
    worst = [
        worst_case(now, base + e, params)
        for e in accumulate(r.exposure(book.prices) for r in risks)
    ]
    if not worst or collateral_breach(rules.collateral_of(participant), worst[-1]) is None:
        return
    collateral = rules.collateral_of(participant, fresh=True)  # a deposit counts at once
    for i, needed in enumerate(worst):
        _raise(_at(i, collateral_breach(collateral, needed)))


def _at(index: int, breach: Breach | None) -> Breach | None:
    """A participant-wide breach blamed on the batch's order that first makes it."""
    return None if breach is None else Breach(f"batch.orders[{index}]", breach.reason)


def _raise(breach: Breach | None) -> None:
    if breach is not None:
        raise FieldError(breach.field, breach.reason)
