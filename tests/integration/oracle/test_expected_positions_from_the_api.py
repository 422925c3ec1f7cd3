"""A participant's expected positions reported through the HTTP API (a wallet-signed
EIP-712 message) change its collateral requirement at the next hour the real oracle
cycle snapshots: the deviation margin on (position − expected) goes away."""

from __future__ import annotations

import time

from oracle_harness import GENESIS, KEYS, TOKEN, OracleWorld, address, api
from sqlmodel import Session

from flowmarket.db import oracle_repo
from flowmarket.oracle.cycle import open_oracle
from flowmarket.signing import ExpectedPositionsMessage, sign


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
    # alice buys up to 5 GB/h of premium paying 10 down to 9, bob sells up to 5 at 1 to 2:
    # all 5 trade at 2 tokens/GB (the clearing price closest to the prior 0). Alice's
    # position is then worth 10 tokens; the demo profile's margins are 10 % initial and
    # 20 % on the deviation from the expected position. Alice also owes the 10 tokens she
    # paid plus the 10 bps fee (0.01 token) until the week settles: 10.01 tokens locked.
    alice, bob = address("alice"), address("bob")
    world.place("alice", {"premium": 1.0}, [(0.0, 10.0), (5.0, 9.0)])
    world.place("bob", {"premium": 1.0}, [(-5.0, 2.0), (0.0, 1.0)])
    world.fund("alice", collateral=1_000 * TOKEN)
    world.fund("bob", collateral=1_000 * TOKEN)
    oracle = open_oracle(world.settings, world.engine)
    oracle.tick(limit=1)  # hour GENESIS: alice buys premium from bob
    with Session(world.engine) as session:
        held = oracle_repo.positions_of(session, participants=[alice, bob])
    assert held[alice] == {"premium": 5.0}
    # no report yet: 10 tokens × (10 % + 20 %) = 3 tokens + 10.01 owed, posted after GENESIS
    assert world.posted_requirement("alice") == 13_010_000_000_000_000_000

    response = api(world).post(
        "/v1/expected-positions", json=report_body(world, "alice", {"premium": 4.0})
    )
    assert response.status_code == 200, response.text
    oracle.tick(limit=1)  # hour GENESIS + 1: snapshot with alice's report

    # alice expected 4 of her 5 GB/h: 10 × 10 % + (1 GB/h × 2 tokens) × 20 % = 1.4 tokens,
    # plus the 10.01 she owes
    assert snapshot_requirement(world, GENESIS + 1, "alice") == 11_410_000_000_000_000_000
    # bob reported nothing: the full deviation margin, 10 × 30 % = 3 tokens (he is owed cash)
    assert snapshot_requirement(world, GENESIS + 1, "bob") == 3 * TOKEN
