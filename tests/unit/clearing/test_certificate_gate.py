"""The certificate gate: a clearing whose certificate is beyond tolerances that scale
with the book is never returned; the engine names the orders that make it unreachable,
and `flowmarket clear` exits 2 with their names (issue: hostile input, item 1)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from flowmarket.clearing import clear, clear_document, parse_orders
from flowmarket.clearing.curves import decompose
from flowmarket.clearing.gate import curve_extent, gross_flow
from flowmarket.clearing.synthetic import random_book
from flowmarket.errors import CertificateFailed

FLOWMARKET = Path(sys.executable).parent / "flowmarket"
HONEST: list[dict[str, Any]] = [
    {"id": "buy", "participant": "h1", "portfolio": {"a": 1.0}, "curve": [[0, 10], [10, 5]]},
    {"id": "sell", "participant": "h2", "portfolio": {"a": 1.0}, "curve": [[-10, 9], [0, 4]]},
    {"id": "sell-b", "participant": "h2", "portfolio": {"b": 1.0}, "curve": [[-10, 9], [5, 4]]},
]
# The curve a hostile participant sent on main, on both products (issue #11).
GIANT: list[dict[str, Any]] = [
    {"id": "giant", "participant": "x", "portfolio": {"a": 1.0}, "curve": [[-1e30, 12], [1e30, 4]]},
    {
        "id": "giant-b",
        "participant": "x",
        "portfolio": {"b": 1.0},
        "curve": [[-1e30, 12], [1e30, 4]],
    },
]


def book(*orders: dict[str, Any]) -> dict[str, Any]:
    return {"products": ["a", "b"], "orders": list(orders)}


def test_a_book_with_giant_orders_is_refused_naming_them() -> None:
    with pytest.raises(CertificateFailed) as failed:
        clear_document(book(*HONEST, *GIANT))
    assert failed.value.orders == ("giant", "giant-b")
    assert "out of tolerance" in str(failed.value) and "'giant'" in str(failed.value)


def test_without_the_named_orders_the_book_clears_at_the_hand_computed_prices() -> None:
    result = clear_document(book(*HONEST))
    # a: buyer 10 − p/2·... q = (10 − p)·2, seller q = (p − 4)·10/5: 20 − 2p = 2p − 8 → p = 7.
    assert result["prices"]["a"] == pytest.approx(7.0, abs=1e-9)
    assert result["orders"]["buy"]["quantity"] == pytest.approx(6.0, abs=1e-9)
    # b: only a seller, whose curve passes quantity 0 at price 7: it does not trade.
    assert result["orders"]["sell-b"]["quantity"] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    "curve",
    [
        [[-1e308, 1e300], [1e308, -1e300]],  # slope and quantities beyond double range
        [[-1e200, 12], [1e200, 4]],  # elasticity 10²⁰⁰ GB/h per token
        [[-5, 7.5 + 5e-14], [5, 7.5 - 5e-14]],  # 10 GB/h over 10⁻¹³ tokens, at the margin
    ],
    ids=["beyond range", "astronomic", "flat"],
)
def test_orders_at_the_edge_of_double_precision_are_named_not_cleared(curve: list[Any]) -> None:
    edge = {"id": "edge", "participant": "x", "portfolio": {"a": 1.0}, "curve": curve}
    with pytest.raises(CertificateFailed) as failed:
        clear_document(book(*HONEST, edge))
    assert failed.value.orders == ("edge",)
    clear_document(book(*HONEST))  # and the rest clears


def test_the_gross_flow_and_the_curve_extent_are_what_the_orders_trade() -> None:
    parsed = parse_orders(book(*HONEST))
    result = clear(parsed)
    lin = decompose(parsed)
    # At p_a = 7 the buyer takes 6 and the seller gives 6 (G_a = 12); b trades nothing.
    assert gross_flow(lin, result.linear_quantity) == pytest.approx([12.0, 0.0], abs=1e-9)
    assert curve_extent(parsed).tolist() == [10.0, 10.0, 10.0]


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e4])
def test_the_tolerances_scale_with_the_books_quantities(scale: float) -> None:
    base = random_book(200, 1_000, seed=11)
    scaled = type(base)(**{**base.__dict__, "curve_qty": base.curve_qty * scale})
    result = clear(scaled)  # the gate passes at every scale
    lin = decompose(scaled)
    gross = gross_flow(lin, result.linear_quantity)
    assert result.certificate.max_imbalance <= 1e-8 * max(1.0, float(gross.max()))
    assert np.isfinite(result.prices).all()


def test_one_giant_order_does_not_loosen_the_tolerance_of_the_other_products() -> None:
    # On main the solver stopped at max |r| ≤ 1e-10 · max q = 10²⁰ GB/h: product b's honest
    # book was left unbalanced by ~1 GB/h and nothing looked. Now every product has its own.
    lone = {"id": "giant", "participant": "x", "portfolio": {"c": 1.0}, "curve": GIANT[0]["curve"]}
    other = {
        "id": "c-sell",
        "participant": "h3",
        "portfolio": {"c": 1.0},
        "curve": [[-1, 9], [0, 5]],
    }
    doc = {"products": ["a", "b", "c"], "orders": [*HONEST, lone, other]}
    with pytest.raises(CertificateFailed) as failed:
        clear_document(doc)
    assert failed.value.orders == ("giant",)


def test_flowmarket_clear_exits_2_naming_the_offending_orders(tmp_path: Path) -> None:
    orders = tmp_path / "orders.json"
    orders.write_text(json.dumps(book(*HONEST, *GIANT)), encoding="utf-8")
    out = tmp_path / "result.json"
    run = subprocess.run(
        [str(FLOWMARKET), "clear", str(orders), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2, run.stderr
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1, run.stderr  # one line, no traceback
    assert "out of tolerance" in run.stderr and "'giant', 'giant-b'" in run.stderr
    assert not out.exists()
