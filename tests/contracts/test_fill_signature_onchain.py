"""`ClearingLedger.isFillUnsigned` and its Python twin (`chain.fill_signature`) agree on a
few hundred random orders, alone and in batches, signed by eth-account's generic EIP-712
encoder's digest (what wallets sign): every honestly signed fill recovers its participant
on chain, so the contract's digest is the wallet's; every forgery (another signer, terms
other than the signed ones, an hour outside the order's, a batch that does not list the
order, a malleable or malformed signature) is a fault on chain and in Python alike."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

from eth_keys.datatypes import PrivateKey
from market_harness import Market, commitment

from flowmarket.actions.verify import fill_in_tree
from flowmarket.chain.fill_signature import (
    SECP256K1_N,
    is_signed_by,
    order_struct_hash,
    signed_struct_hash,
)
from flowmarket.hashing import keccak
from flowmarket.oracle.fills_tree import fills_tree
from flowmarket.oracle.hour_commitment import FillTerms, fill_terms
from flowmarket.signing import Domain, OrderBatchMessage, OrderMessage
from flowmarket.signing import order_struct_hash as fast_struct_hash
from flowmarket.signing.struct_hash import domain_separator
from flowmarket.signing.typed_data import reference_digest
from signed_books import message, signed_batch, signed_order

PRODUCTS = [f"p{k:02d}/eu" for k in range(12)]
WHO = ("alice", "bob", "carol")


def random_message(rng: random.Random, participant: str, hour: int) -> OrderMessage:
    names = sorted(rng.sample(PRODUCTS, rng.randint(1, 4)))
    portfolio = {n: rng.choice([1.0, -1.0, 0.5, 2.25, -0.125, 3.0]) for n in names}
    points = rng.randint(1, 6)
    quantities = sorted(rng.sample(range(-4000, 4001), points))
    if quantities[0] > 0 or quantities[-1] < 0:
        quantities[0 if quantities[0] > 0 else -1] = 0
        quantities.sort()
    prices = sorted((rng.randint(-2000, 9000) for _ in range(points)), reverse=True)
    curve = [[q / 1000, p / 1000] for q, p in zip(quantities, prices, strict=True)]
    start = hour - rng.randint(0, 30)
    return message(
        participant, portfolio, curve, nonce=rng.randint(0, 2**64), hours=(start, hour + 5)
    )


def forgeries(
    rng: random.Random, fill: FillTerms, thief_key: str, hour: int, separator: bytes
) -> list[FillTerms]:
    """Two of the fills no signature of their participant backs."""
    sig = fill.signature
    s = int.from_bytes(sig[32:64], "big")
    high_s = sig[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - sig[64]])
    digest = keccak(b"\x19\x01" + separator + (signed_struct_hash(fill.signed_fields) or b""))
    v, r, s2 = PrivateKey(bytes.fromhex(thief_key[2:])).sign_msg_hash(digest).vrs
    stolen = r.to_bytes(32, "big") + s2.to_bytes(32, "big") + bytes([v + 27])
    out = [
        dataclasses.replace(fill, signature=stolen),  # the oracle key signs for the victim
        dataclasses.replace(fill, curve_prices=(fill.curve_prices[0] + 1, *fill.curve_prices[1:])),
        dataclasses.replace(fill, from_hour=hour + 1, until_hour=hour + 9),
        dataclasses.replace(fill, signature=high_s),
        dataclasses.replace(fill, signature=sig[:64] + bytes([sig[64] + 2])),
        dataclasses.replace(fill, signature=sig[:64]),
        dataclasses.replace(fill, signature=bytes(65)),
        dataclasses.replace(fill, nonce=fill.nonce + 1),
    ]
    if fill.batch_orders:
        others = tuple(h for h in fill.batch_orders if h != order_struct_hash(fill.signed_fields))
        out.append(dataclasses.replace(fill, batch_orders=others or (bytes(32),)))
        out.append(dataclasses.replace(fill, batch_cancels=keccak(b"x")))
    else:  # claimed as a batch of one that was never signed as a batch
        member = (order_struct_hash(fill.signed_fields),)
        out.append(dataclasses.replace(fill, batch_orders=member))
    return [rng.choice(out), rng.choice(out)]


def test_contract_and_python_agree_on_signed_and_forged_fills(market: Market) -> None:
    rng = random.Random(2026)
    ledger = market.deployment.addresses["ClearingLedger"]
    domain = Domain(int(market.w3.eth.chain_id), ledger)
    separator = domain_separator("flowmarket", "1", domain.chain_id, ledger)
    assert market.view("ClearingLedger", "domainSeparator") == separator
    market.advance(3600)
    hour = int(market.view("ClearingLedger", "nextHour"))

    orders: list[dict[str, Any]] = []
    batches: dict[str, dict[str, Any]] = {}
    messages: dict[str, OrderMessage] = {}
    signed_batches: list[OrderBatchMessage] = []
    while len(orders) < 240:
        who = rng.choice(WHO)
        address, key = market.address(who), market.keys[who]
        if rng.random() < 0.5:
            m = random_message(rng, address, hour)
            orders.append(signed_order(domain, key, m))
            messages[orders[-1]["id"]] = m
        else:
            group = [random_message(rng, address, hour) for _ in range(rng.randint(1, 5))]
            cancels = ["0x" + rng.randbytes(32).hex() for _ in range(rng.randint(0, 2))]
            placed, entry = signed_batch(domain, key, group, cancels)
            orders += placed
            batches |= entry
            signed_batches.append(OrderBatchMessage(address, tuple(group), tuple(cancels)))
            messages |= {o["id"]: m for o, m in zip(placed, group, strict=True)}
    result: Any = {
        "prices": dict.fromkeys(PRODUCTS, 1.0),
        "orders": {o["id"]: {"quantity": rng.randint(-3, 3) / 4} for o in orders},
    }
    honest = fill_terms(result, orders, batches)
    assert len(honest) == len(orders) and sum(bool(f.batch_orders) for f in honest.values()) > 60
    # The twin's digests are the wallet's (eth-account's generic encoder), alone and in
    # a batch (the batch's digest from the committed member hashes and cancels hash).
    digests = {}
    for order_id, fill in honest.items():
        assert order_struct_hash(fill.signed_fields) == fast_struct_hash(messages[order_id])
        signed = signed_struct_hash(fill.signed_fields)
        assert signed is not None
        digests[order_id] = "0x" + keccak(b"\x19\x01" + separator + signed).hex()
    for order_id, m in messages.items():
        if not honest[order_id].batch_orders:
            assert digests[order_id] == reference_digest(domain, m) == order_id
    for batch in signed_batches:
        first = next(i for i, m in messages.items() if m is batch.orders[0])
        assert digests[first] == reference_digest(domain, batch)
    forged = [
        dataclasses.replace(f, order_id=f"{f.order_id}-forged-{k}")
        for i, fill in enumerate(honest.values())
        if i % 3 == 0
        for k, f in enumerate(forgeries(rng, fill, market.keys["oracle"], hour, separator))
    ]
    fills = [*honest.values(), *forged]
    tree = fills_tree(fills, [])
    market.send("oracle", "ClearingLedger", "commitHour", hour,
                (*commitment(hour)[:12], tree.root, tree.count))  # fmt: skip

    outcomes: dict[bool, int] = {True: 0, False: 0}
    for fill in fills:
        expected = not is_signed_by(separator, hour, fill.signed_fields)
        args = fill_in_tree(tree, fill)
        assert market.view("ClearingLedger", "isFillUnsigned", hour, args) == expected, fill
        outcomes[expected] += 1
    assert outcomes == {False: len(honest), True: len(forged)}
    # Evidence that is not committed proves nothing, forged or not.
    fill = forged[0]
    moved = list(fill_in_tree(tree, fill))
    moved[2] += 1
    assert not market.view("ClearingLedger", "isFillUnsigned", hour, moved)
