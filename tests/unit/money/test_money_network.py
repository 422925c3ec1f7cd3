"""Money with a network: link owners are paid through their flows, and the hour still sums
to exactly zero."""

from __future__ import annotations

from typing import Any

import pytest

from flowmarket.clearing import clear_document
from flowmarket.money import WAD, hour_amounts

SELLER = "0x00000000000000000000000000000000000000a1"
BUYER = "0x00000000000000000000000000000000000000b2"
OWNER = "0x00000000000000000000000000000000000000c3"
SELL = [[-20, 5], [0, 1]]
BUY = [[0, 9], [20, 1]]
TINY = 10**9  # wei: 1e-9 tokens, the known-answer tolerance of prices and rent (issue #14)


def line(owner: str) -> dict[str, Any]:
    # Seller at A 5(p − 1), buyer at B 2.5(9 − p), link A→B 4 GB/h at 0.5 tokens/GB:
    # p_A = 1.8, p_B = 7.4, μ = 5.1; rent 20.4 + charge 2 = 22.4 = 4 × (7.4 − 1.8).
    return {
        "orders": [
            {
                "id": "s",
                "participant": SELLER,
                "portfolio": {"x@A": 1},
                "curve": [[-20, 5], [0, 1]],
            },
            {"id": "b", "participant": BUYER, "portfolio": {"x@B": 1}, "curve": [[0, 9], [20, 1]]},
        ],
        "network": {
            "locations": {
                "x@A": {"node": "A", "commodity": "x"},
                "x@B": {"node": "B", "commodity": "x"},
            },
            "links": [
                {"id": "A-B", "from": "A", "to": "B", "capacity": 4, "cost": 0.5, "owner": owner}
            ],
        },
    }


def test_link_owner_is_paid_rent_and_charge_and_the_hour_sums_to_zero() -> None:
    result = clear_document(line(OWNER))
    assert result["owners"][OWNER]["trades"] == pytest.approx({"x@A": 4.0, "x@B": -4.0})
    amounts = hour_amounts(result, fee_bps=25)
    assert abs(amounts.cash[OWNER] - 224 * WAD // 10) <= TINY  # rent 20.4 + charge 2
    assert amounts.fees[OWNER] == 0  # flows pay no fee
    # the seller receives 1.8 × 4 = 7.2 and pays 25 bps of it; the buyer pays 29.6 + fee
    assert abs(amounts.cash[SELLER] - 72 * WAD // 10) <= TINY
    assert abs(amounts.fees[SELLER] - 72 * WAD // 10 * 25 // 10_000) <= TINY
    assert abs(amounts.cash[BUYER] + 296 * WAD // 10) <= TINY
    assert sum(amounts.net_cash.values()) + amounts.total_fees == 0


def test_an_owner_who_also_trades_pays_fees_on_its_orders_only() -> None:
    result = clear_document(line(SELLER))  # the seller owns the link
    amounts = hour_amounts(result, fee_bps=25)
    assert set(amounts.trades[SELLER]) == {"x@B"}  # sold at A, carried to B: 4 GB sold at B
    assert abs(amounts.trades[SELLER]["x@B"] + 4 * WAD) <= TINY
    assert abs(amounts.cash[SELLER] - 296 * WAD // 10) <= TINY  # 7.2 + 22.4
    assert abs(amounts.fees[SELLER] - 72 * WAD // 10 * 25 // 10_000) <= TINY  # on 7.2 only
    assert sum(amounts.net_cash.values()) + amounts.total_fees == 0
