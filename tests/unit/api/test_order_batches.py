"""POST /v1/orders/batch through the HTTP API with real signatures: many orders and
cancels in one signed OrderBatch, one transaction, one operator-signed BatchReceipt."""

from __future__ import annotations

from typing import Any

import pytest
from api_harness import DOMAIN, OPEN_HOUR, OPERATOR_KEY, Market
from batch_harness import batch_body
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from sqlmodel import Session

from flowmarket.db.batch_tables import OrderBatch
from flowmarket.merkle import process_proof
from flowmarket.signing import BatchReceiptMessage, Domain, ReceiptMessage, digest, recover
from flowmarket.signing.typed_data import typed_data

BATCH = "/v1/orders/batch"


def hand_leaf(order_hash: str, action: str) -> bytes:
    """The receipt leaf written out: keccak(keccak(orderHash ‖ keccak(action)))."""
    return keccak(keccak(bytes.fromhex(order_hash[2:]) + keccak(action.encode())))


def three_orders(market: Market, account: LocalAccount, first_nonce: int = 1) -> list[Any]:
    return [
        market.order(account, nonce=first_nonce),
        market.order(account, nonce=first_nonce + 1, portfolio={"regular-eu": 2.0}),
        market.order(
            account,
            nonce=first_nonce + 2,
            portfolio={"premium-eu": 1.0, "fast-us": -0.5},
            curve=((-1.0, 20.0), (0.0, 9.5), (3.0, 1.25)),
        ),
    ]


def post(market: Market, body: dict[str, Any]) -> Any:
    return market.client.post(BATCH, json=body)


def test_a_signed_batch_is_stored_with_one_receipt_whose_root_proves_every_order(
    market: Market,
) -> None:
    alice = market.wallets[0]
    orders = three_orders(market, alice)
    response = post(market, batch_body(alice, orders))
    assert response.status_code == 200, response.text
    body = response.json()
    ids = [digest(DOMAIN, order) for order in orders]  # each order's own id
    assert [e["order_hash"] for e in body["entries"]] == ids
    assert [(e["action"], e["index"]) for e in body["entries"]] == [
        ("accepted", 0),
        ("accepted", 1),
        ("accepted", 2),
    ]
    receipt = body["receipt"]
    assert receipt["entries"] == 3 and receipt["participant"] == alice.address
    message = BatchReceiptMessage(
        body["batch_hash"], alice.address, receipt["entries_root"], 3, receipt["recorded_at"]
    )
    signer = recover(DOMAIN, message, bytes.fromhex(receipt["signature"][2:]))
    assert signer == Account.from_key(OPERATOR_KEY).address == receipt["operator"]
    root = bytes.fromhex(receipt["entries_root"][2:])
    for entry in body["entries"]:
        leaf = hand_leaf(entry["order_hash"], "accepted")
        assert entry["leaf"] == "0x" + leaf.hex()
        assert process_proof(leaf, [bytes.fromhex(p[2:]) for p in entry["proof"]]) == root
    assert body["duplicate"] is False
    assert market.table_counts()["orders"] == 3
    assert market.table_counts()["order_batches"] == 1
    listed = market.client.get("/v1/me/orders", headers=market.login(alice)).json()
    assert sorted(row["order_hash"] for row in listed) == sorted(ids)
    assert {row["batch_hash"] for row in listed} == {body["batch_hash"]}


def test_a_batch_is_stored_with_the_struct_hashes_its_signature_covers(market: Market) -> None:
    """The words the batch's signature covers are kept with it (what the oracle lists in
    each hour's order set): each order's hashStruct as eth-account's generic EIP-712
    encoder computes it, in batch order."""
    alice = market.wallets[0]
    orders = three_orders(market, alice)
    response = post(market, batch_body(alice, orders))
    assert response.status_code == 200, response.text
    with Session(market.engine) as session:
        row = session.get(OrderBatch, response.json()["batch_hash"])
    assert row is not None
    expected = [
        "0x" + encode_typed_data(full_message=typed_data(DOMAIN, order)).body.hex()
        for order in orders
    ]
    assert row.order_struct_hashes == expected


def test_the_same_signed_batch_twice_returns_the_stored_receipt(market: Market) -> None:
    alice = market.wallets[0]
    body = batch_body(alice, three_orders(market, alice))
    first = post(market, body).json()
    market.clock.now += 30
    again = post(market, body)
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["receipt"] == first["receipt"]
    assert again.json()["entries"] == first["entries"]
    assert market.table_counts()["orders"] == 3


def test_a_batch_replaces_and_cancels_open_orders_atomically(market: Market) -> None:
    alice = market.wallets[0]
    kept = market.submit(alice, nonce=1).json()["order"]["order_hash"]
    moved = market.submit(alice, nonce=2).json()["order"]["order_hash"]
    dropped = market.submit(alice, nonce=3).json()["order"]["order_hash"]
    replacement = market.order(alice, nonce=4, replaces=moved, curve=((-3.0, 11.0), (3.0, 5.0)))
    fresh = market.order(alice, nonce=5, portfolio={"regular-eu": 1.0})
    market.clock.now += 10
    response = post(market, batch_body(alice, [replacement, fresh], [dropped]))
    assert response.status_code == 200, response.text
    entries = response.json()["entries"]
    new_id = digest(DOMAIN, replacement)
    assert [(e["order_hash"], e["action"], e["index"], e["replaced"]) for e in entries] == [
        (new_id, "accepted", 0, False),
        (digest(DOMAIN, fresh), "accepted", 1, False),
        (moved, "cancelled", 0, True),
        (dropped, "cancelled", 0, False),
    ]
    root = bytes.fromhex(response.json()["receipt"]["entries_root"][2:])
    for entry in entries[2:]:
        leaf = hand_leaf(entry["order_hash"], "cancelled")
        assert process_proof(leaf, [bytes.fromhex(p[2:]) for p in entry["proof"]]) == root
    listed = market.client.get(
        "/v1/me/orders", params={"status": "all"}, headers=market.login(alice)
    ).json()
    status = {row["order_hash"]: (row["status"], row["replaced_by"]) for row in listed}
    assert status[moved] == ("replaced", new_id)
    assert status[dropped] == ("cancelled", None)
    assert status[kept] == ("open", None)
    assert status[new_id] == ("open", None)


def test_an_order_recorded_by_a_batch_has_its_own_receipts_on_the_single_routes(
    market: Market,
) -> None:
    alice = market.wallets[0]
    orders = three_orders(market, alice)
    body = post(market, batch_body(alice, orders)).json()
    recorded = body["receipt"]["recorded_at"]
    order_hash = digest(DOMAIN, orders[0])
    market.clock.now += 60
    cancelled = market.client.post(
        f"/v1/orders/{order_hash}/cancel", json=market.cancel_body(alice, order_hash)
    )
    assert cancelled.status_code == 200, cancelled.text
    answer = cancelled.json()
    assert answer["order"]["batch_hash"] == body["batch_hash"]
    accepted = answer["receipt"]
    message = ReceiptMessage(order_hash, alice.address, 1, "accepted", recorded)
    assert recover(DOMAIN, message, bytes.fromhex(accepted["signature"][2:])) == (
        Account.from_key(OPERATOR_KEY).address
    )
    # a replaced order's cancel receipt, signed on demand, is the same every time
    replacement = market.order(alice, nonce=9, replaces=digest(DOMAIN, orders[1]))
    post(market, batch_body(alice, [replacement]))
    old = digest(DOMAIN, orders[1])
    first = market.client.post(f"/v1/orders/{old}/cancel", json=market.cancel_body(alice, old))
    second = market.client.post(f"/v1/orders/{old}/cancel", json=market.cancel_body(alice, old))
    assert first.json()["cancel_receipt"] == second.json()["cancel_receipt"]
    cancel = first.json()["cancel_receipt"]
    message = ReceiptMessage(old, alice.address, 2, "cancelled", cancel["recorded_at"])
    assert recover(DOMAIN, message, bytes.fromhex(cancel["signature"][2:])) == (
        Account.from_key(OPERATOR_KEY).address
    )


def _reject(market: Market, body: dict[str, Any], status: int, field: str) -> None:
    before = market.table_counts()
    response = post(market, body)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field, response.json()
    assert market.table_counts() == before  # atomic: nothing stored


BAD_ORDERS = {
    "curve price rises": (
        {"curve": ((-5.0, 12.0), (10.0, 13.0))},
        "batch.orders[1].curve[1][1]",
    ),
    "unknown product": ({"portfolio": {"gold-mars": 1.0}}, "batch.orders[1].portfolio.gold-mars"),
    "expired": (
        {"from_hour": OPEN_HOUR - 5, "until_hour": OPEN_HOUR - 1},
        "batch.orders[1].until_hour",
    ),
    "too many curve points": (
        {"curve": tuple((float(k), 20.0 - k) for k in range(-1, 9))},
        "batch.orders[1].curve",
    ),
    "reused nonce inside the batch": (
        {"nonce": 1, "curve": ((-4.0, 12.0), (10.0, 4.0))},
        "batch.orders[1].nonce",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_ORDERS))
def test_rejects_a_batch_with_one_bad_order_naming_its_index_and_field(
    market: Market, case: str
) -> None:
    alice = market.wallets[0]
    changes, field = BAD_ORDERS[case]
    orders = [market.order(alice, nonce=1), market.order(alice, **{"nonce": 2, **changes})]
    orders.append(market.order(alice, nonce=3))
    _reject(market, batch_body(alice, orders), 422, field)


def test_rejects_a_number_with_more_than_18_decimals_naming_it(market: Market) -> None:
    alice = market.wallets[0]
    body = batch_body(alice, three_orders(market, alice))
    body["batch"]["orders"][2]["curve"][2][1] = 1.2345678901234567e-05  # 22 decimals
    _reject(market, body, 422, "batch.orders[2].curve[2][1]")


def test_rejects_a_batch_signed_by_another_key_or_for_another_chain(market: Market) -> None:
    alice, bob = market.wallets[:2]
    orders = three_orders(market, alice)
    _reject(market, batch_body(bob, orders, participant=alice.address), 422, "signature")
    other = batch_body(alice, orders, domain=Domain(1, DOMAIN.verifying_contract))
    _reject(market, other, 422, "signature")
    _reject(market, {**batch_body(alice, orders), "chain_id": 1}, 422, "chain_id")


def test_rejects_an_order_of_another_participant_inside_a_batch(market: Market) -> None:
    alice, bob = market.wallets[:2]
    orders = [market.order(alice, nonce=1), market.order(bob, nonce=2)]
    _reject(market, batch_body(alice, orders), 422, "batch.orders[1].participant")


def test_rejects_inconsistent_batches_naming_the_entry(market: Market) -> None:
    alice, bob = market.wallets[:2]
    one = market.order(alice, nonce=1)
    _reject(market, batch_body(alice, [one, one]), 422, "batch.orders[1]")
    _reject(market, batch_body(alice, []), 422, "batch")
    open_id = market.submit(alice, nonce=50).json()["order"]["order_hash"]
    twice = [
        market.order(alice, nonce=2, replaces=open_id),
        market.order(alice, nonce=3, replaces=open_id),
    ]
    _reject(market, batch_body(alice, twice), 422, "batch.orders[1].replaces")
    _reject(market, batch_body(alice, [], [open_id, open_id]), 422, "batch.cancels[1]")
    replaced = [market.order(alice, nonce=2, replaces=open_id)]
    _reject(market, batch_body(alice, replaced, [open_id]), 422, "batch.cancels[0]")
    inside = [one, market.order(alice, nonce=2, replaces=digest(DOMAIN, one))]
    _reject(market, batch_body(alice, inside), 422, "batch.orders[1].replaces")
    unknown = "0x" + "ab" * 32
    _reject(market, batch_body(alice, [], [unknown]), 422, "batch.cancels[0]")
    bobs = market.submit(bob, nonce=1).json()["order"]["order_hash"]
    _reject(market, batch_body(alice, [], [bobs]), 422, "batch.cancels[0]")
    _reject(
        market,
        batch_body(alice, [market.order(alice, nonce=7, replaces=bobs)]),
        422,
        "batch.orders[0].replaces",
    )


def test_rejects_against_stored_orders_naming_the_entry(market: Market) -> None:
    alice = market.wallets[0]
    placed = market.submit(alice, nonce=1).json()["order"]["order_hash"]
    reuse = [
        market.order(alice, nonce=2),
        market.order(alice, nonce=1, curve=((-1.0, 9.0), (1.0, 8.0))),
    ]
    _reject(market, batch_body(alice, reuse), 409, "batch.orders[1].nonce")
    stored = [market.order(alice, nonce=2), market.order(alice, nonce=1)]  # the same order
    _reject(market, batch_body(alice, stored), 409, "batch.orders[1]")
    market.client.post(f"/v1/orders/{placed}/cancel", json=market.cancel_body(alice, placed))
    _reject(market, batch_body(alice, [], [placed]), 409, "batch.cancels[0]")
    late = [market.order(alice, nonce=3, replaces=placed)]
    _reject(market, batch_body(alice, late), 409, "batch.orders[0].replaces")


def test_rejects_a_batch_beyond_the_open_order_limit_and_accepts_one_that_replaces(
    market: Market,
) -> None:
    alice = market.wallets[0]  # the fixture's limit is 5 open orders
    ids = [market.submit(alice, nonce=n).json()["order"]["order_hash"] for n in range(3)]
    _reject(market, batch_body(alice, three_orders(market, alice, 10)), 422, "batch.orders")
    swap = [market.order(alice, nonce=20 + k, replaces=ids[k]) for k in range(3)]
    response = post(market, batch_body(alice, [*swap, market.order(alice, nonce=30)]))
    assert response.status_code == 200, response.text


def test_batch_bodies_have_their_own_size_limit(market: Market, limits: Any) -> None:
    alice = market.wallets[0]
    orders = [market.order(alice, nonce=n, until_hour=OPEN_HOUR + n) for n in range(60)]
    body = batch_body(alice, orders)
    assert len(str(body)) > limits.max_body_bytes  # larger than a single order may be
    market_limit = market.client.app.state.context.limits
    assert market_limit.max_open_orders_per_participant == 5
    response = post(market, body)
    assert response.status_code == 422 and response.json()["field"] == "batch.orders"
    huge = market.client.post(
        BATCH,
        content=b"{" + b" " * (limits.max_batch_body_bytes + 1) + b"}",
        headers={"content-type": "application/json"},
    )
    assert huge.status_code == 413
