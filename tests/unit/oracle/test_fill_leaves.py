"""The hour's fill leaves: one per cleared signed order the chain can judge, in the sorted
fills tree keyed by order key, binding the fill to the curve its participant signed, the
window the collateral rule cut it to, and the signature."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from eth_abi.abi import encode
from eth_account import Account

from flowmarket.chain import leaves
from flowmarket.chain.fill_signature import is_signed_by
from flowmarket.chain.portfolio_fill import is_portfolio_signed_by
from flowmarket.clearing import clear_document
from flowmarket.collateral import cut_orders
from flowmarket.errors import FieldError, InvalidInput
from flowmarket.hashing import keccak
from flowmarket.money import to_wad
from flowmarket.oracle.hour_commitment import build_hour_bundle
from flowmarket.oracle.trade_lines import line_amount
from flowmarket.signing import Domain, NamedPortfolio, OrderMessage
from flowmarket.signing.struct_hash import domain_separator
from signed_books import message, signed_batch, signed_order, signed_portfolio_order

ALICE_KEY = "0x" + "a1" * 32
BOB_KEY = "0x" + "b0" * 32
ALICE = Account.from_key(ALICE_KEY).address
BOB = Account.from_key(BOB_KEY).address
W = 10**18
HOUR = 9
DOMAIN = Domain(31337, "0x" + "c0" * 20)
SEPARATOR = domain_separator("flowmarket", "1", DOMAIN.chain_id, DOMAIN.verifying_contract)


def book() -> dict[str, Any]:
    a = message(ALICE, {"premium": 1.0}, [[0, 10], [5, 9]], nonce=1, hours=(HOUR, HOUR))
    b = message(BOB, {"premium": 1.0}, [[-5, 2], [0, 1]], nonce=4, hours=(HOUR - 2, HOUR + 2))
    return {
        "products": ["premium"],
        "orders": [signed_order(DOMAIN, ALICE_KEY, a), signed_order(DOMAIN, BOB_KEY, b)],
    }


def test_each_cleared_order_gets_a_fill_leaf_bound_to_its_terms_and_signature() -> None:
    orders = book()
    a_id, b_id = (o["id"] for o in orders["orders"])
    result = clear_document(orders, {"prices": {}})
    bare = build_hour_bundle(result, hour=HOUR, fee_bps=10)
    bundle = build_hour_bundle(result, hour=HOUR, fee_bps=10, orders=orders["orders"])
    assert bare.fills == {}
    assert sorted(bundle.fills) == sorted([a_id, b_id])
    b = bundle.fills[b_id]
    # By hand: bob sells all 5 at the price 2; his curve (−5, 2) → (0, 1) in 18 decimals,
    # not cut: the window is the curve's own range.
    assert (b.participant, b.quantity, b.products, b.weights) == (BOB, -5 * W, ("premium",), (W,))
    assert (b.curve_quantities, b.curve_prices, b.window) == ((-5 * W, 0), (2 * W, W), (-5 * W, 0))
    terms = keccak(
        encode(
            ["bytes32[]", "int256[]", "int256[]", "int256[]", "int256", "int256"],
            [[leaves.product_id("premium")], [W], [-5 * W, 0], [2 * W, W], -5 * W, 0],
        )
    )
    signature = bytes.fromhex(orders["orders"][1]["signature"][2:])
    signed = keccak(
        encode(
            ["uint256", "uint64", "uint64", "bytes32", "bytes32", "bytes32", "bytes32"],
            [4, HOUR - 2, HOUR + 2, bytes(32), keccak(signature), keccak(b""), bytes(32)],
        )
    )
    value = encode(["address", "int256", "bytes32", "bytes32"], [BOB, -5 * W, terms, signed])
    assert (b.key, b.value) == (leaves.order_key(b_id), value)
    assert all(is_signed_by(SEPARATOR, HOUR, f.signed_fields) for f in bundle.fills.values())
    assert not is_signed_by(SEPARATOR, HOUR + 3, b.signed_fields)  # after its until hour
    assert not is_signed_by(SEPARATOR, HOUR + 1, bundle.fills[a_id].signed_fields)
    # The fills tree holds both fills, sorted by order key, each leaf
    # keccak(keccak(abi.encode(index, key, value))); the orders tree only the order leaves.
    ordered = sorted(bundle.fills.values(), key=lambda f: f.key)
    assert bundle.fills_tree.keys == [f.key for f in ordered]
    assert bundle.fills_tree.leaves == [
        keccak(keccak(encode(["uint256", "bytes", "bytes"], [i, f.key, f.value])))
        for i, f in enumerate(ordered)
    ]
    assert (bundle.commitment.fills_root, bundle.commitment.fills_count) == (
        bundle.fills_tree.root,
        2,
    )
    assert bundle.commitment.orders_root == bare.commitment.orders_root
    # Without orders both trades are unbacked: one unbacked leaf per participant.
    assert bare.fills_tree.values == sorted(
        [bytes(12) + bytes.fromhex(p[2:]) for p in (ALICE, BOB)],
        key=lambda v: keccak(b"unbacked:" + v[12:]),
    )
    assert bundle.commitment.entries_root == bare.commitment.entries_root
    assert bundle.commitment.prices_root == bare.commitment.prices_root


def test_a_clipped_order_commits_its_signed_curve_and_the_window() -> None:
    """Alice holds +1 premium and is below her requirement: her sell order (−4 .. 0) may
    only trade towards balance, [−1, 0]. Her fill commits the curve she signed and the
    window [−1, 0] (the clipped curve's ends), and her signature still checks out."""
    sell = message(ALICE, {"premium": 1.0}, [[-4, 1], [0, 0.5]], nonce=2, hours=(HOUR, HOUR))
    buy = message(BOB, {"premium": 1.0}, [[0, 10], [5, 9]], nonce=1, hours=(HOUR, HOUR))
    doc = {"products": ["premium"], "orders": [signed_order(DOMAIN, ALICE_KEY, sell),
                                               signed_order(DOMAIN, BOB_KEY, buy)]}  # fmt: skip
    cut, changes = cut_orders(doc, cut={ALICE: {"premium": 1.0}})
    sell_id = doc["orders"][0]["id"]
    assert changes == {sell_id: "clipped"}
    assert cut["orders"][0]["curve"] == [[-1.0, 0.625], [0.0, 0.5]]
    assert cut["orders"][0]["signed_curve"] == [[-4, 1], [0, 0.5]]
    result = clear_document(cut, {"prices": {}})
    fill = build_hour_bundle(result, hour=HOUR, fee_bps=10, orders=cut["orders"]).fills[sell_id]
    assert fill.quantity == -W  # all she may sell, at the buyer's 9.8
    assert (fill.curve_quantities, fill.curve_prices) == ((-4 * W, 0), (W, W // 2))
    assert fill.window == (-W, 0)
    assert is_signed_by(SEPARATOR, HOUR, fill.signed_fields)


def test_each_fill_reads_its_own_numbers_and_a_bad_one_is_named() -> None:
    """The hour's numbers are converted at once: each fill gets its own weights (in
    product-name order), curve quantities and prices, whatever the orders' sizes, and a
    number without an 18-decimal form stops the hour naming its order and field."""
    a = message(ALICE, {"regular": 2.0, "premium": 0.5}, [[-1, 7], [0, 6.5], [3, 6.25]],
                nonce=1, hours=(HOUR, HOUR))  # fmt: skip
    b = message(BOB, {"premium": 1.0, "regular": 1}, [[-5, 20], [0, 12]], nonce=2,
                hours=(HOUR, HOUR))  # fmt: skip
    orders = [signed_order(DOMAIN, ALICE_KEY, a), signed_order(DOMAIN, BOB_KEY, b)]
    a_id, b_id = (o["id"] for o in orders)
    result = clear_document({"orders": orders}, {"prices": {}})
    fills = build_hour_bundle(result, hour=HOUR, fee_bps=10, orders=orders).fills
    fa, fb = fills[a_id], fills[b_id]
    assert (fa.products, fa.weights) == (("premium", "regular"), (W // 2, 2 * W))
    assert fa.curve_quantities == (-W, 0, 3 * W)
    assert fa.curve_prices == (7 * W, 13 * W // 2, 25 * W // 4)
    assert (fb.products, fb.weights) == (("premium", "regular"), (W, W))
    assert (fb.curve_quantities, fb.curve_prices) == ((-5 * W, 0), (20 * W, 12 * W))
    assert all(is_signed_by(SEPARATOR, HOUR, f.signed_fields) for f in fills.values())
    for change, field in (
        ({"curve": [[-5, 20], [0, 1e-19]]}, f"order {b_id}.curve[1][1]"),
        ({"curve": [[-5, 20], [1.2345e-15, 12]]}, f"order {b_id}.curve[1][0]"),
        ({"portfolio": {"premium": 1.0, "regular": 1e-19}}, f"order {b_id}.portfolio.regular"),
    ):
        bad = [orders[0], {**orders[1], **change}]
        with pytest.raises(FieldError, match="18 decimals") as info:
            build_hour_bundle(result, hour=HOUR, fee_bps=10, orders=bad)
        assert info.value.field == field


def test_an_order_signed_in_a_batch_commits_the_batch() -> None:
    first = message(ALICE, {"premium": 1.0}, [[0, 10], [5, 9]], nonce=5, hours=(HOUR, HOUR))
    second = message(ALICE, {"regular": 1.0}, [[0, 4], [2, 3]], nonce=6, hours=(HOUR, HOUR))
    cancel = "0x" + "ab" * 32
    batch_orders, batches = signed_batch(DOMAIN, ALICE_KEY, [first, second], [cancel])
    sell = message(BOB, {"premium": 1.0}, [[-5, 2], [0, 1]], nonce=1, hours=(HOUR, HOUR))
    orders = [*batch_orders, signed_order(DOMAIN, BOB_KEY, sell)]
    result = clear_document({"orders": orders}, {"prices": {}})
    fills = build_hour_bundle(result, hour=HOUR, fee_bps=10, orders=orders, batches=batches).fills
    fill = fills[batch_orders[0]["id"]]
    (entry,) = batches.values()
    assert fill.batch_orders == tuple(bytes.fromhex(h[2:]) for h in entry["orders"])
    assert fill.batch_cancels == keccak(bytes.fromhex(cancel[2:]))
    assert is_signed_by(SEPARATOR, HOUR, fill.signed_fields)
    # The same signature over a batch that does not list the order proves nothing.
    other = dataclasses.replace(fill.signed_fields, batch_orders=fill.batch_orders[1:])
    assert not is_signed_by(SEPARATOR, HOUR, other)


def test_orders_the_chain_cannot_judge_get_no_fill_leaf() -> None:
    orders = book()
    a, b = orders["orders"]
    result = clear_document(orders, {"prices": {}})
    named = [{**a, "participant": "alice"}, b]
    assert sorted(build_hour_bundle(result, hour=HOUR, fee_bps=10, orders=named).fills) == [b["id"]]
    block = {"quantity": -5.0, "accepted": True}
    all_or_nothing = {**result, "orders": {**result["orders"], b["id"]: block}}
    fills = build_hour_bundle(all_or_nothing, hour=HOUR, fee_bps=10, orders=orders["orders"]).fills
    assert sorted(fills) == [a["id"]]
    unpriced = [{**a, "portfolio": {"premium": 1.0, "other": 1.0}}]
    assert build_hour_bundle(result, hour=HOUR, fee_bps=10, orders=unpriced).fills == {}
    unsigned = [{k: v for k, v in a.items() if k != "signature"}, b]
    assert sorted(build_hour_bundle(result, hour=HOUR, fee_bps=10, orders=unsigned).fills) == [
        b["id"]
    ]


def test_each_quarter_of_an_interval_hour_gets_fill_leaves_and_delivered_lines() -> None:
    """The book cleared in four quarters (docs/schedule.md): each quarter's two fills get
    the same leaf as an hourly fill, keyed `interval:J:ID`, and a trade line of what they
    deliver in the quarter: ±5 GB/h × 900 / 3600 = ±1.25 GB (by hand); nothing is left
    unbacked, and without the order sets the hour commits no fill (as before)."""
    orders = book()
    a_id, b_id = (o["id"] for o in orders["orders"])
    results: list[Any] = []
    prior: dict[str, float] = {}
    for _ in range(4):
        results.append(clear_document(orders, {"prices": prior}))
        prior = results[-1]["prices"]
    document: Any = {"interval_s": 900, "intervals": results}
    bare = build_hour_bundle(document, hour=HOUR, fee_bps=10)
    bundle = build_hour_bundle(document, hour=HOUR, fee_bps=10, order_sets=[orders] * 4)
    assert bare.fills == {}
    keys = [f"interval:{j}:{i}" for j in range(4) for i in (a_id, b_id)]
    assert sorted(bundle.fills) == sorted(keys)
    hourly = build_hour_bundle(results[0], hour=HOUR, fee_bps=10, orders=orders["orders"])
    for j in range(4):
        b = bundle.fills[f"interval:{j}:{b_id}"]
        assert (b.interval, b.interval_s, b.result_id) == (j, 900, b_id)
        same = hourly.fills[b_id]
        value = encode(["address", "int256", "bytes32", "bytes32"],
                       [BOB, -5 * W, same.terms, same.signed])  # fmt: skip
        assert (b.key, b.value) == (leaves.order_key(f"interval:{j}:{b_id}"), value)
        assert is_signed_by(SEPARATOR, HOUR, b.signed_fields)
    # The fills tree holds the eight fills (nothing unbacked); the orders tree is unchanged.
    assert sorted(bundle.fills_tree.keys) == sorted(f.key for f in bundle.fills.values())
    assert bundle.commitment.fills_count == 8
    assert bundle.commitment.orders_root == bare.commitment.orders_root
    assert bundle.commitment.entries_root == bare.commitment.entries_root
    assert bundle.commitment.prices_root == bare.commitment.prices_root
    premium = leaves.product_id("premium")
    lines = {
        key[32:]: int.from_bytes(value[:32], "big", signed=True)
        for key, value in zip(bundle.lines.keys, bundle.lines.values, strict=True)
    }
    assert lines == {
        leaves.order_key(f"interval:{j}:{i}"): (5 * W // 4 if i == a_id else -5 * W // 4)
        for j in range(4)
        for i in (a_id, b_id)
    }
    assert all(key[:32] == premium for key in bundle.lines.keys)
    # Σ alice's lines is her entry's trade: 5 GB delivered over the hour.
    assert bundle.amounts.trades[ALICE] == {"premium": 5 * W}


def test_a_line_in_an_interval_is_the_rate_times_its_length_rounded_toward_zero() -> None:
    # −7 × 10^-18 GB/h for 900 s: −1.75 × 10^-18 GB, rounded toward zero to −1.
    assert line_amount(-7, W, 900) == -1 and line_amount(7, W, 900) == 1
    assert line_amount(-7, W) == -7  # an hourly hour: the rate itself
    # 3 GB/h at weight 0.5 for 20 minutes: 1.5 GB/h × 1/3 = 0.5 GB.
    assert line_amount(3 * W, W // 2, 1200) == W // 2


def test_a_portfolio_order_gets_a_six_word_fill_leaf_bound_to_its_signature() -> None:
    """Alice's one curve over east and west (docs/portfolios.md) against bob's east and
    carol's west: her order gets a portfolio fill leaf (the tag, key, participant, curve
    quantity, terms, signed), encoded here by hand, whose struct hash gives the wallet's
    digest (her order's id); the plain orders keep their fill leaves."""
    carol_key = "0x" + "c3" * 32
    carol = Account.from_key(carol_key).address
    east = NamedPortfolio("east", 1.0, {"east": 1.0})
    west = NamedPortfolio("west", 0.5, {"west": 2.0})
    together = OrderMessage(ALICE, 3, HOUR, HOUR, {}, ((0.0, 5.0), (1.0, 5.0)),
                            portfolios=(west, east))  # fmt: skip
    order, named = signed_portfolio_order(DOMAIN, ALICE_KEY, together)
    sells_east = message(BOB, {"east": 1.0}, [[-2, 5], [0, 1]], nonce=1, hours=(HOUR, HOUR))
    sells_west = message(carol, {"west": 1.0}, [[-2, 6], [0, 2]], nonce=1, hours=(HOUR, HOUR))
    orders = [order, signed_order(DOMAIN, BOB_KEY, sells_east),
              signed_order(DOMAIN, carol_key, sells_west)]  # fmt: skip
    doc: Any = {"products": ["east", "west"], "portfolios": named, "orders": orders}
    result = clear_document(doc, {"prices": {}})
    bundle = build_hour_bundle(result, hour=HOUR, fee_bps=10, orders=orders)
    assert sorted(bundle.fills) == sorted(o["id"] for o in orders[1:])
    (fill,) = bundle.portfolio_fills.values()
    assert fill.order_id == order["id"] and fill.participant == ALICE
    assert [p.name for p in fill.portfolios] == ["east", "west"]  # signed order: by name
    rates = [result["portfolios"][f"{order['id']}:{n}"]["quantity"] for n in ("east", "west")]
    assert fill.rates == tuple(leaves_wad(r) for r in rates)
    assert fill.quantity == leaves_wad(result["orders"][order["id"]]["quantity"])

    def portfolio_hash(name: str, weight: int, product: str, product_weight: int) -> bytes:
        return keccak(
            keccak(b"Portfolio(string name,int256 weight,bytes32[] products,int256[] weights)")
            + keccak(name.encode())
            + weight.to_bytes(32, "big")
            + keccak(leaves.product_id(product))
            + keccak(product_weight.to_bytes(32, "big"))
        )

    members = keccak(
        portfolio_hash("east", W, "east", W) + portfolio_hash("west", W // 2, "west", 2 * W)
    )
    terms = keccak(encode(["bytes32", "int256[]", "int256[]", "int256[]"],
                          [members, list(fill.rates), [0, W], [5 * W, 5 * W]]))  # fmt: skip
    signature = bytes.fromhex(order["signature"][2:])
    signed = keccak(encode(["uint256", "uint64", "uint64", "bytes32", "bytes32"],
                           [3, HOUR, HOUR, bytes(32), keccak(signature)]))  # fmt: skip
    tag = keccak(b"flowmarket.PortfolioFill")
    by_hand = keccak(keccak(encode(
        ["bytes32", "bytes32", "address", "int256", "bytes32", "bytes32"],
        [tag, leaves.order_key(order["id"]), ALICE, fill.quantity, terms, signed],
    )))  # fmt: skip
    assert fill.leaf == by_hand and by_hand in set(bundle.orders_tree.leaves())
    assert "0x" + keccak(b"\x19\x01" + SEPARATOR + fill.struct_hash).hex() == order["id"]
    assert is_portfolio_signed_by(SEPARATOR, HOUR, fill)
    assert not is_portfolio_signed_by(SEPARATOR, HOUR + 1, fill)  # after its until hour
    thief = dataclasses.replace(fill, participant=BOB)  # her signature is not bob's
    assert not is_portfolio_signed_by(SEPARATOR, HOUR, thief)


def leaves_wad(value: float) -> int:
    return to_wad(float(value))


@pytest.mark.parametrize(
    ("replaces", "committed"),
    [(None, bytes(32)), ("", bytes(32)), ("0x" + "ab" * 32, b"\xab" * 32)],
)
def test_a_fill_commits_the_order_it_replaces_or_the_zero_word(
    replaces: str | None, committed: bytes
) -> None:
    orders = book()
    orders["orders"][1]["replaces"] = replaces
    result = clear_document(orders, {"prices": {}})
    bundle = build_hour_bundle(result, hour=HOUR, fee_bps=10, orders=orders["orders"])
    assert bundle.fills[orders["orders"][1]["id"]].replaces == committed


def test_a_replaces_that_is_no_32_byte_word_is_named() -> None:
    orders = book()
    b_id = orders["orders"][1]["id"]
    orders["orders"][1]["replaces"] = "0x12"
    result = clear_document(orders, {"prices": {}})
    with pytest.raises(InvalidInput, match=rf"order {b_id}\.replaces: '0x12' is not 32 bytes"):
        build_hour_bundle(result, hour=HOUR, fee_bps=10, orders=orders["orders"])
