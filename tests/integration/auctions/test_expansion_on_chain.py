"""An expansion auction run from the CLI end to end on a real node and database: sealed
package bids signed by wallets through the live API, the result committed on chain,
replayed, and an award paid to the seller on chain.

Spec: one leg "pipe" north → south, alternatives 10 GB/h for 10 tokens (1 a GB/h) and
20 GB/h for 18 (0.9 a GB/h). Packages: alice 12 tokens for 8 GB/h, bob 11 for 10.
By hand, every configuration and selection that recovers its cost:
- small pipe (10 GB/h): alice alone pays 10/8 = 1.25 ≤ 1.5 a GB/h, surplus 12 − 10 = 2;
  bob alone pays 1 ≤ 1.1, surplus 11 − 10 = 1; both need 18 > 10 GB/h.
- large pipe (20 GB/h): both sell 18 GB/h at 18/18 = 1 a GB/h: alice pays 8 ≤ 12, bob
  10 ≤ 11, surplus 23 − 18 = 5; alone, alice would pay 18/8 = 2.25 > 1.5 and bob
  18/10 = 1.8 > 1.1.
So the large pipe is built, both win, alice pays 8 and bob 10 (the price 1 token a GB/h),
exactly the 18 the pipe costs; carol, the seller, is paid. Legs are not positions:
`credit` refuses the auction, naming its kind.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from live_cli import cli
from oracle_harness import TOKEN, OracleWorld, address

from flowmarket.cli.main import main
from flowmarket.signing.auction_bids import auction_id

START_HOUR = 600_000
SPEC = {
    "format": "flowmarket-expansion-auction/1",
    "name": "pipe-expansion",
    "seller": address("carol"),
    "start_hour": START_HOUR,
    "bid_seconds": 30,
    "legs": [
        {
            "name": "pipe",
            "from": "north",
            "to": "south",
            "alternatives": [{"capacity": 10, "cost": 10}, {"capacity": 20, "cost": 18}],
        }
    ],
}


def package(capsys: pytest.CaptureFixture[str], password: Path, who: str, amount: str) -> str:
    leg = {"alice": "pipe=8", "bob": "pipe=10"}[who]
    return cli(
        capsys, "auction", "package", str(SPEC["name"]), "--amount", amount, "--leg", leg,
        "--wallet", who, "--password-file", str(password),
    )  # fmt: skip


def test_expansion_awards_are_committed_replayed_and_paid_on_chain(
    world: OracleWorld, live: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    name = str(SPEC["name"])
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(SPEC), encoding="utf-8")
    cli(capsys, "auction", "create", str(spec_file))
    cli(capsys, "auction", "open", name)
    assert "accepted: revision 0" in package(capsys, live, "alice", "12")
    assert "accepted: revision 0" in package(capsys, live, "bob", "11")
    closes_at = json.loads(cli(capsys, "auction", "status", name))["auction"]["bids_close_at"]
    time.sleep(max(0.0, closes_at - time.time()) + 0.05)
    assert "has ended: 2 winners, 18 capacity tokens" in cli(capsys, "auction", "close-round", name)

    result = json.loads(cli(capsys, "auction", "results", name))["result"]
    (leg,) = result["legs"]
    assert (leg["leg"], leg["alternative"], leg["capacity"], leg["cost"], leg["sold"]) == (
        "pipe", 1, str(20 * TOKEN), str(18 * TOKEN), str(18 * TOKEN),
    )  # fmt: skip
    assert {a["bidder"]: a["payment"] for a in result["awards"]} == {
        address("alice"): str(8 * TOKEN),
        address("bob"): str(10 * TOKEN),
    }
    assert result["capacity_additions"] == [
        {"link": "pipe", "from": "north", "to": "south", "capacity": 20.0, "from_hour": START_HOUR}
    ]

    assert "committed" in cli(capsys, "auction", "commit", name)
    record = world.view("CapacityAuction", "auction", auction_id(name))
    assert (record[0][0], record[0][3], record[0][4], record[0][5]) == (
        1, address("carol"), 18 * TOKEN, 2,
    )  # fmt: skip  # kind 1: expansion
    assert "verified" in cli(capsys, "auction", "verify", name)

    world.fund("alice", collateral=1_000 * TOKEN, balance=100 * TOKEN)
    carol_before = int(world.view("CapacityToken", "balanceOf", address("carol")))
    assert "paid 8 capacity tokens" in cli(
        capsys, "auction", "pay", name, "--wallet", "alice", "--password-file", str(live)
    )
    assert world.view("CapacityAuction", "isPaid", auction_id(name), address("alice"))
    assert not world.view("CapacityAuction", "isPaid", auction_id(name), address("bob"))
    assert int(world.view("CapacityToken", "balanceOf", address("carol"))) == (
        carol_before + 8 * TOKEN
    )

    assert main(["auction", "credit", name]) != 0
    assert "awards capacity on legs, not positions" in capsys.readouterr().err
