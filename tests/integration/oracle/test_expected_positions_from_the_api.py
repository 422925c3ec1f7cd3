"""A participant's expected positions reported through the HTTP API (a wallet-signed
EIP-712 message) change its collateral requirement at the next hour the real oracle
cycle snapshots: the deviation margin on (position − expected) goes away."""

from __future__ import annotations

import time

from oracle_harness import GENESIS, KEYS, TOKEN, OracleWorld, address, api
from sqlmodel import Session

from flowmarket.collateral import value_of
from flowmarket.db import oracle_repo, results_repo
from flowmarket.money import BPS_DENOMINATOR as BPS
from flowmarket.money import to_wad
from flowmarket.oracle import chain_state
from flowmarket.oracle.cycle import open_oracle
from flowmarket.signing import ExpectedPositionsMessage, sign
from flowmarket.signing.fixed_point import signable


def report_body(world: OracleWorld, who: str, positions: dict[str, float]) -> dict[str, object]:
    deadline = int(time.time()) + 600
    message = ExpectedPositionsMessage(address(who), 0, deadline, positions)
    return {
        "report": {
            "participant": address(who),
            "nonce": 0,
            "deadline": deadline,
            "positions": positions,
        },
        "chain_id": world.domain.chain_id,
        "verifying_contract": world.domain.verifying_contract,
        "signature": sign(world.domain, message, KEYS[who]),
    }


def snapshot_requirement(world: OracleWorld, hour: int, who: str) -> int:
    with Session(world.engine) as session:
        journal = oracle_repo.journal_hour(session, hour=hour)
        assert journal is not None
        return int(journal.collateral["participants"][address(who)]["requirement"])


def test_a_report_through_the_api_changes_the_next_hours_collateral_requirement(
    world: OracleWorld,
) -> None:
    alice, bob = address("alice"), address("bob")
    world.place("alice", {"premium": 1.0}, [(0.0, 12.0), (6.0, 2.0)])
    world.place("bob", {"premium": 1.0}, [(-8.0, 10.0), (0.0, 1.0)])
    world.fund("alice", collateral=1_000 * TOKEN)
    world.fund("bob", collateral=1_000 * TOKEN)
    oracle = open_oracle(world.settings, world.engine)
    oracle.tick(limit=1)  # hour GENESIS: alice buys premium from bob
    with Session(world.engine) as session:
        held = oracle_repo.positions_of(session, participants=[alice, bob])
        prices = {
            k: to_wad(v) for k, v in results_repo.prices_before(session, hour=GENESIS + 1).items()
        }
    position = held[alice]["premium"]
    assert position > 1.0
    before = world.view("CollateralVault", "requirementOf", alice)  # posted after GENESIS

    response = api(world).post(
        "/v1/expected-positions", json=report_body(world, "alice", {"premium": signable(position)})
    )
    assert response.status_code == 200, response.text
    oracle.tick(limit=1)  # hour GENESIS + 1: snapshot with alice's report

    params = chain_state.collateral_params(oracle.ctx)
    deviation = value_of({"premium": position - signable(position)}, prices)
    initial = value_of(held[alice], prices) * params.initial_margin_bps // BPS
    assert params.deviation_margin_bps > 0
    assert before == initial + value_of(held[alice], prices) * params.deviation_margin_bps // BPS
    assert snapshot_requirement(world, GENESIS + 1, "alice") == (
        initial + deviation * params.deviation_margin_bps // BPS
    )
    assert snapshot_requirement(world, GENESIS + 1, "alice") < before
    bob_value = value_of(held[bob], prices)  # bob reported nothing: full deviation margin
    assert snapshot_requirement(world, GENESIS + 1, "bob") == (
        bob_value * params.initial_margin_bps // BPS
        + bob_value * params.deviation_margin_bps // BPS
    )
