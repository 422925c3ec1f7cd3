"""The hourly cycle on the session node and SQLite: snapshot → collateral → solve → commit
→ publish, with prices, proofs and positions served by the API right after the commit."""

from __future__ import annotations

import gc
import logging
import weakref
from typing import Any

import pytest
from oracle_harness import (
    GENESIS,
    OracleWorld,
    address,
    api,
    basic_book,
    funded_basic_book,
)
from sqlmodel import Session

from flowmarket.backend.participation import SqlBackend
from flowmarket.chain.leaves import product_id
from flowmarket.db import oracle_repo
from flowmarket.money import hour_amounts
from flowmarket.oracle.cycle import open_oracle
from flowmarket.oracle.hour_commitment import build_hour_bundle


def test_each_closed_hour_is_committed_once_and_served_with_verifiable_proofs(
    world: OracleWorld,
) -> None:
    funded_basic_book(world)
    oracle = open_oracle(world.settings, world.engine)

    assert oracle.tick(limit=3) == 3

    for hour in (GENESIS, GENESIS + 1, GENESIS + 2):  # published: their bundles let go
        assert oracle.ctx.bundles.cached(hour=hour, fee_bps=10) is None
    events = world.committed_events()
    assert [e["hour"] for e in events] == [GENESIS, GENESIS + 1, GENESIS + 2]
    assert world.view("ClearingLedger", "nextHour") == GENESIS + 3
    client = api(world)
    for hour in (GENESIS, GENESIS + 1, GENESIS + 2):
        publication = world.publication(hour)
        bundle = build_hour_bundle(publication["result"], hour=hour, fee_bps=10)
        assert events[hour - GENESIS]["pricesRoot"] == bundle.commitment.prices_root
        summary = client.get(f"/v1/hours/{hour}").json()
        assert summary["commitment"]["prices_root"] == "0x" + bundle.commitment.prices_root.hex()
        proof = client.get(f"/v1/hours/{hour}/proofs/prices/premium").json()
        price = bundle.amounts.prices["premium"]
        assert world.view(
            "ClearingLedger",
            "verifyPrice",
            hour,
            product_id("premium"),
            price,
            [bytes.fromhex(p[2:]) for p in proof["proof"]],
        )
        positions = {
            p.product: p.quantity for p in SqlBackend(world.engine).positions(address("alice"))
        }
        assert positions["premium"] > 0
        entry = client.get(f"/v1/hours/{hour}/proofs/participants/{address('alice')}").json()
        fields = bundle.entry_fields(address("alice"))
        assert world.view(
            "ClearingLedger",
            "verifyEntry",
            hour,
            *fields,
            [bytes.fromhex(p[2:]) for p in entry["proof"]],
        )


def test_hourly_money_sums_to_zero_over_the_hours_and_the_database(
    world: OracleWorld,
) -> None:
    # Exact values, computed by hand, are in test_oracle_known_hour.py; this book's
    # prices are solver floats, so here only the identities are checked.
    funded_basic_book(world)
    world_oracle = open_oracle(world.settings, world.engine)
    world_oracle.tick(limit=2)

    for hour in (GENESIS, GENESIS + 1):
        result = world.publication(hour)["result"]
        amounts = hour_amounts(result, fee_bps=10)
        assert sum(amounts.net_cash.values()) + amounts.total_fees == 0
        assert amounts.total_fees > 0
    with Session(world.engine) as session:
        totals, fees = oracle_repo.week_totals(session, first_hour=GENESIS, last_hour=GENESIS + 1)
    assert sum(totals.values()) + fees == 0
    # Alice bought in both hours: the cash she owes is part of her posted requirement.
    assert world.posted_requirement("alice") > -totals[address("alice")] > 0


def test_a_commit_journaled_but_never_broadcast_is_sent_as_the_same_signed_transaction(
    world: OracleWorld,
) -> None:
    from flowmarket.oracle import transactions
    from flowmarket.oracle.journal import advance, load
    from flowmarket.oracle.snapshot import take_snapshot
    from flowmarket.oracle.solve import solve_hour
    from flowmarket.states import JournalStep

    basic_book(world)
    oracle = open_oracle(world.settings, world.engine)
    ctx = oracle.ctx
    take_snapshot(ctx, hour=GENESIS)
    with ctx.session() as session:
        row = load(session, GENESIS)
        assert row is not None
        result = solve_hour(session, row)
        orders = row.engine_doc["orders"]
    bundle = build_hour_bundle(result, hour=GENESIS, fee_bps=10, orders=orders)
    call = ctx.contract("ClearingLedger").functions.commitHour(
        GENESIS, bundle.commitment.as_tuple()
    )
    signed = transactions.sign_call(ctx.market.client, call, label="commitHour")
    with ctx.session() as session:  # what `commit` journals just before it broadcasts
        row = load(session, GENESIS)
        assert row is not None
        row.tx_nonce, row.tx_hash, row.raw_tx = signed.nonce, signed.tx_hash, signed.raw
        advance(session, row, JournalStep.SENT)

    assert oracle.tick(limit=1) == 1

    ledger = world.contract("ClearingLedger")
    logs = ledger.events.HourCommitted().get_logs(from_block=world.deployment.block_number)
    assert len(logs) == 1
    assert "0x" + bytes(logs[0]["transactionHash"]).hex() == signed.tx_hash
    with Session(world.engine) as session:
        journal = oracle_repo.journal_hour(session, hour=GENESIS)
    assert journal is not None and journal.step == "published" and journal.tx_hash == signed.tx_hash


def test_an_hour_runs_with_the_collector_off_and_collects_once_it_is_published(
    world: OracleWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """Between the close and the publication the cyclic collector does not run
    (`collector.deferred_collection`); the hour's cyclic garbage is collected right after
    it is published, and the collector is on again."""
    funded_basic_book(world)
    oracle = open_oracle(world.settings, world.engine)
    seen: list[bool] = []
    left: list[weakref.ref[Any]] = []

    def during_the_hour(hour: int) -> None:
        seen.append(gc.isenabled())
        cycle: dict[str, Any] = {"hour": hour}
        cycle["self"] = cycle
        left.append(weakref.ref(_Holder(cycle)))  # a cycle only the collector frees

    oracle.on_cleared = during_the_hour
    assert gc.isenabled()
    with caplog.at_level(logging.INFO, logger="flowmarket.oracle"):
        assert oracle.tick(limit=2) == 2
    assert seen == [False, False]
    assert gc.isenabled()
    assert [ref() for ref in left] == [None, None]
    collected = [r for r in caplog.records if r.getMessage() == "collected after the hour"]
    assert [r.__dict__["hour"] for r in collected] == [GENESIS, GENESIS + 1]
    assert all(r.__dict__["objects"] >= 2 for r in collected)


class _Holder:
    """An object in a reference cycle with itself (through `held`)."""

    def __init__(self, held: dict[str, Any]) -> None:
        self.held = held
        held["holder"] = self
