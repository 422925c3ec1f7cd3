"""A book with a curve over named portfolios and a non-convex (all-or-nothing) order over
an inline portfolio clears in one document (docs/portfolios.md), by hand.

Buyer b: up to 1 GB/h of east and west together at up to 5 (portfolios o1:east, o1:west,
weight 1 each). Sellers: east along p = 1 + 2s (up to 2), west along p = 2 + 2s. Block k:
0.5 GB/h of east or nothing, at most 4. With the block, east sells r_e + 0.5 and west
r_w, r_e + r_w = 1 while both prices are below 5; they meet where
1 + 2(r_e + 0.5) = 2 + 2 r_w, i.e. r_e = r_w = 1/2 and both prices 3 ≤ 4: accepted."""

from __future__ import annotations

from typing import Any

import pytest

from flowmarket.clearing import clear_document
from flowmarket.errors import InvalidOrder


def book() -> dict[str, Any]:
    return {
        "products": ["east", "west"],
        "nonconvex_rule": "no_loss",
        "portfolios": {
            "o1:east": {"participant": "b", "products": {"east": 1.0}},
            "o1:west": {"participant": "b", "products": {"west": 1.0}},
        },
        "orders": [
            {"id": "o1", "participant": "b", "portfolios": {"o1:east": 1.0, "o1:west": 1.0},
             "curve": [[0.0, 5.0], [1.0, 5.0]]},
            {"id": "se", "participant": "e", "portfolio": {"east": 1.0},
             "curve": [[-2.0, 5.0], [0.0, 1.0]]},
            {"id": "sw", "participant": "w", "portfolio": {"west": 1.0},
             "curve": [[-2.0, 6.0], [0.0, 2.0]]},
            {"id": "blk", "participant": "k", "portfolio": {"east": 1.0},
             "kind": "all_or_nothing", "quantity": 0.5, "price": 4.0},
        ],
    }  # fmt: skip


def test_a_block_and_a_curve_over_two_portfolios_clear_together() -> None:
    result = clear_document(book(), {"prices": {}})
    assert result["prices"] == pytest.approx({"east": 3.0, "west": 3.0}, abs=1e-9)
    assert result["orders"]["blk"] == {"quantity": 0.5, "accepted": True}
    assert result["orders"]["o1"]["quantity"] == pytest.approx(1.0, abs=1e-9)
    rates = {k: v["quantity"] for k, v in result["portfolios"].items()}
    assert rates == pytest.approx({"o1:east": 0.5, "o1:west": 0.5}, abs=1e-9)
    assert result["participants"]["b"]["trades"] == pytest.approx(
        {"east": 0.5, "west": 0.5}, abs=1e-9
    )
    assert result["participants"]["e"]["trades"] == pytest.approx({"east": -1.0}, abs=1e-9)


def test_an_unknown_key_is_still_refused_on_either_kind_of_order() -> None:
    doc = book()
    doc["orders"][1]["colour"] = "red"
    with pytest.raises(InvalidOrder, match="order 'se': unknown key 'colour'"):
        clear_document(doc, {"prices": {}})
    doc = book()
    doc["orders"][3]["colour"] = "red"
    with pytest.raises(InvalidOrder, match="unknown key 'colour'"):
        clear_document(doc, {"prices": {}})
