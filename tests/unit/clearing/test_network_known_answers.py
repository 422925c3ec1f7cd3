"""Networks small enough to clear by hand: nodal prices, link prices, rent, canonical flows.

Every expected number below is worked out in the comments from the curves; the
engine is only asked to reproduce them (to 1e-9) through the JSON contract.
"""

from __future__ import annotations

from typing import Any

import pytest

from flowmarket.clearing import clear_document


def order(oid: str, who: str, product: str, curve: list[list[float]]) -> dict[str, Any]:
    return {"id": oid, "participant": who, "portfolio": {product: 1.0}, "curve": curve}


def located(*pairs: tuple[str, str, str]) -> dict[str, dict[str, str]]:
    return {product: {"node": node, "commodity": c} for product, node, c in pairs}


def test_two_node_line_congested_by_two_service_types_sharing_its_capacity() -> None:
    # Node A sells, node B buys, one link A→B of 6 GB/h at 0.5 tokens/GB, shared by
    # premium and regular.
    #   premium at A: sells 5(p − 1)        (curve (−20, 5) … (0, 1))
    #   regular at A: sells 10(p − 1)       (curve (−20, 3) … (0, 1))
    #   premium at B: buys 2.5(9 − p)       (curve (0, 9) … (20, 1))
    #   regular at B: buys 5(6 − p)         (curve (0, 6) … (20, 2))
    # With f_p, f_r the flows: premium's price difference B − A is
    # (9 − f_p/2.5) − (1 + f_p/5) = 8 − 0.6 f_p, regular's 5 − 0.3 f_r. Unconstrained
    # both would exceed cost + 0 at 6 GB/h, so the link is full: f_p + f_r = 6 and
    # both differences equal cost + μ: 8 − 0.6 f_p = 5 − 0.3 (6 − f_p) → f_p = 16/3,
    # f_r = 2/3, difference 4.8, μ = 4.8 − 0.5 = 4.3.
    # Prices: premium A 1 + 16/15 = 31/15, B 9 − 32/15 = 103/15; regular A 1 + 1/15 =
    # 16/15, B 6 − 2/15 = 88/15. Rent μ·6 = 25.8; charge 0.5·6 = 3.
    doc = {
        "orders": [
            order("sp", "sal", "premium@A", [[-20, 5], [0, 1]]),
            order("sr", "sal", "regular@A", [[-20, 3], [0, 1]]),
            order("bp", "bob", "premium@B", [[0, 9], [20, 1]]),
            order("br", "bob", "regular@B", [[0, 6], [20, 2]]),
        ],
        "network": {
            "locations": located(
                ("premium@A", "A", "premium"),
                ("regular@A", "A", "regular"),
                ("premium@B", "B", "premium"),
                ("regular@B", "B", "regular"),
            ),
            "links": [
                {"id": "A-B", "from": "A", "to": "B", "capacity": 6, "cost": 0.5, "owner": "olga"}
            ],
        },
    }
    result = clear_document(doc)
    assert result["prices"] == pytest.approx(
        {"premium@A": 31 / 15, "premium@B": 103 / 15, "regular@A": 16 / 15, "regular@B": 88 / 15},
        abs=1e-9,
    )
    assert result["flows"]["A-B"] == pytest.approx({"premium": 16 / 3, "regular": 2 / 3}, abs=1e-9)
    link = result["links"]["A-B"]
    assert link["flow"] == pytest.approx(6.0, abs=1e-9)
    assert link["shadow_price"] == pytest.approx(4.3, abs=1e-9)
    assert link["rent"] == pytest.approx(25.8, abs=1e-9)
    assert link["charge"] == pytest.approx(3.0, abs=1e-9)
    assert result["congestion_rent"] == pytest.approx(25.8, abs=1e-9)
    paid = result["owners"]["olga"]
    assert (paid["rent"], paid["charge"]) == pytest.approx((25.8, 3.0), abs=1e-9)
    # its flows as its trades: bought where they leave (A), sold where they arrive (B)
    assert paid["trades"] == pytest.approx(
        {"premium@A": 16 / 3, "premium@B": -16 / 3, "regular@A": 2 / 3, "regular@B": -2 / 3},
        abs=1e-9,
    )
    # Sal receives 31/15·16/3 + 16/15·2/3 = 528/45; Bob pays 103/15·16/3 + 88/15·2/3
    # = 1824/45; the difference 1296/45 = 28.8 is the rent plus the charge.
    cash = {who: entry["cash"] for who, entry in result["participants"].items()}
    assert cash == pytest.approx({"sal": 528 / 45, "bob": -1824 / 45}, abs=1e-9)


def test_three_node_star_with_one_congested_and_one_free_leg() -> None:
    # Hub S sells 5(p − 1) (curve (−30, 7) … (0, 1)); leaf X buys 2(12 − p) over the
    # link S→X (3 GB/h, no cost); leaf Y buys 2(10 − p) over S→Y (12 GB/h, 1 token/GB).
    # S→Y free: p_Y = p_S + 1. Try S→X full (3 GB/h): p_X = 12 − 3/2 = 10.5, and S's
    # balance 5(p_S − 1) = 3 + 2(10 − p_S − 1) gives 7 p_S = 26, p_S = 26/7, p_Y = 33/7,
    # Y buys 2(10 − 33/7) = 74/7 < 12 (free indeed), X's price difference 10.5 − 26/7 =
    # 47.5/7 > 0 (full indeed). μ_SX = 47.5/7, μ_SY = 0; rent 3·47.5/7 = 142.5/7;
    # charge on S→Y 1·74/7.
    doc = {
        "orders": [
            order("s", "sal", "x@S", [[-30, 7], [0, 1]]),
            order("bx", "xia", "x@X", [[0, 12], [20, 2]]),
            order("by", "yan", "x@Y", [[0, 10], [20, 0]]),
        ],
        "network": {
            "locations": located(("x@S", "S", "x"), ("x@X", "X", "x"), ("x@Y", "Y", "x")),
            "links": [
                {"id": "S-X", "from": "S", "to": "X", "capacity": 3},
                {"id": "S-Y", "from": "S", "to": "Y", "capacity": 12, "cost": 1},
            ],
        },
    }
    result = clear_document(doc)
    assert result["prices"] == pytest.approx({"x@S": 26 / 7, "x@X": 10.5, "x@Y": 33 / 7}, abs=1e-9)
    flows = {link: entry["x"] for link, entry in result["flows"].items()}
    assert flows == pytest.approx({"S-X": 3.0, "S-Y": 74 / 7}, abs=1e-9)
    assert result["links"]["S-X"]["shadow_price"] == pytest.approx(47.5 / 7, abs=1e-9)
    assert result["links"]["S-Y"]["shadow_price"] == pytest.approx(0.0, abs=1e-9)
    assert result["links"]["S-X"]["rent"] == pytest.approx(142.5 / 7, abs=1e-9)
    assert result["links"]["S-Y"]["rent"] == pytest.approx(0.0, abs=1e-9)
    assert result["congestion_rent"] == pytest.approx(142.5 / 7, abs=1e-9)
    assert result["transport_charge"] == pytest.approx(74 / 7, abs=1e-9)
    assert result["owners"] == {}
    orders = {oid: entry["quantity"] for oid, entry in result["orders"].items()}
    assert orders == pytest.approx({"s": -95 / 7, "bx": 3.0, "by": 74 / 7}, abs=1e-9)


def test_canonical_flows_split_equal_cost_routes_and_carry_no_circulation() -> None:
    # A sells 10 GB/h to C at any price (supply (−10, 0) … (0, −1), demand (0, 100) …
    # (10, 99)): C buys all 10. Links without cost or congestion: A→C, A→B, B→C, C→A
    # and C→B. Every route is optimal; the canonical flows minimise Σ f² + Σ load²,
    # here 2 (f_AC² + f_AB² + f_BC² + f_CA² + f_CB²) with f_AC + f_AB = 10 + f_CA,
    # f_AB + f_CB = f_BC: no flow back (C→A, C→B) and f_AB = f_BC, so
    # f_AC² + 2 f_AB² is least at f_AC = 20/3, f_AB = f_BC = 10/3.
    doc = {
        "products": ["g@A", "g@B", "g@C"],
        "orders": [
            order("sell", "ann", "g@A", [[-10, 0], [0, -1]]),
            order("buy", "cid", "g@C", [[0, 100], [10, 99]]),
        ],
        "network": {
            "locations": located(("g@A", "A", "g"), ("g@B", "B", "g"), ("g@C", "C", "g")),
            "links": [
                {"id": name, "from": name[0], "to": name[1], "capacity": 100}
                for name in ("AC", "AB", "BC", "CA", "CB")
            ],
        },
    }
    result = clear_document(doc)
    flows = {link: entry["g"] for link, entry in result["flows"].items()}
    assert flows == pytest.approx(
        {"AC": 20 / 3, "AB": 10 / 3, "BC": 10 / 3, "CA": 0.0, "CB": 0.0}, abs=1e-9
    )
    assert result["congestion_rent"] == pytest.approx(0.0, abs=1e-9)


def test_a_zero_capacity_link_carries_nothing_and_earns_nothing() -> None:
    # The only link is closed this hour, so A and B clear on their own and nothing
    # trades; the link reports the price it would earn per GB, max(0, p_B − p_A −
    # cost), and no rent.
    doc = {
        "orders": [
            order("s", "sal", "x@A", [[-10, 3], [0, 1]]),
            order("b", "bob", "x@B", [[0, 9], [10, 5]]),
        ],
        "network": {
            "locations": located(("x@A", "A", "x"), ("x@B", "B", "x")),
            "links": [{"id": "A-B", "from": "A", "to": "B", "capacity": 0, "cost": 0.5}],
        },
    }
    result = clear_document(doc)
    # Without trade each price is the one closest to 0 at which nobody trades: A's
    # seller sells above 1, so p_A ≤ 1, closest to 0 is 0; B's buyer buys below 9,
    # so p_B ≥ 9, closest is 9. μ = 9 − 0 − 0.5 = 8.5.
    assert result["orders"]["s"]["quantity"] == pytest.approx(0.0, abs=1e-12)
    assert result["orders"]["b"]["quantity"] == pytest.approx(0.0, abs=1e-12)
    assert result["prices"] == pytest.approx({"x@A": 0.0, "x@B": 9.0}, abs=1e-9)
    assert result["flows"] == {"A-B": {"x": 0.0}}
    assert result["links"]["A-B"]["shadow_price"] == pytest.approx(8.5, abs=1e-9)
    assert result["links"]["A-B"]["rent"] == 0.0
