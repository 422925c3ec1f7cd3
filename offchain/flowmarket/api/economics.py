"""Intake's economic checks of an order (docs/order-limits.md): the governed limits, the
participant's total rate, and the worst case its collateral must back.

Checked after the signature, against the participant's other open orders (the one an
order replaces no longer counts) and its position, with the limits, parameters and
collateral the chain holds now. The oracle checks every standing order again at each
snapshot (`oracle.screen`), so an order accepted here is still left out of an hour when
its participant withdraws collateral or governance lowers a limit meanwhile.
"""

from __future__ import annotations

from flowmarket.api.rules import MarketRules
from flowmarket.errors import FieldError
from flowmarket.order_limits import (
    Breach,
    OpenBook,
    OrderRisk,
    collateral_breach,
    limit_breach,
    rate_breach,
    worst_case_requirement,
)
from flowmarket.orders import SignedOrder


def check_economics(order: SignedOrder, *, book: OpenBook, rules: MarketRules) -> None:
    """Raise FieldError naming the field and the governed limit the order breaks."""
    limits = rules.order_limits()
    _raise(limit_breach(order.portfolio, order.curve, limits))
    risk = OrderRisk.of(order.portfolio, order.curve)
    others = [r for h, r in book.orders if h not in (order.order_hash, order.replaces)]
    _raise(rate_breach(sum(r.rate for r in others), risk.rate, limits))
    exposure = sum(r.exposure(book.prices) for r in others) + risk.exposure(book.prices)
    params = rules.collateral_params()
    worst = worst_case_requirement(book.position, book.expected, book.prices, params, exposure)
    if collateral_breach(rules.collateral_of(order.participant), worst) is not None:
        # Read again before refusing: a deposit must count at once (an acceptance on a
        # few seconds old amount is checked again at the snapshot).
        _raise(collateral_breach(rules.collateral_of(order.participant, fresh=True), worst))


def _raise(breach: Breach | None) -> None:
    if breach is not None:
        raise FieldError(breach.field, breach.reason)
