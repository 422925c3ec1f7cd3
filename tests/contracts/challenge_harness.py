"""The end of every fraud-proof story told through the CLI: dave challenges the hour and
it is voided, he is paid the oracle's whole bond, and alice is never debited."""

from __future__ import annotations

from typing import Any

from market_harness import TOKEN, Market

DEMO_BOND = 1_000 * TOKEN  # the demo profile's oracle_bond
CHALLENGE_WINDOW_S = 3_600


def challenge_voids_the_hour(
    market: Market, cli: Any, hour: int, proof: str, alice_leaf: tuple[Any, ...]
) -> str:
    """`flowmarket challenge --hour` by dave must send `WeeklySettlement.<proof>`, void the
    hour and week 1's root, pay dave exactly the bond and leave it empty; after the window
    alice's leaf (`alice_leaf`, week 1) cannot be executed and her balance is unchanged.
    Returns the command's output."""
    dave_before, alice_before = market.balance("dave"), market.balance("alice")
    challenged = cli("challenge", "--hour", str(hour), "--files", str(cli.state), "--wallet",
                     "dave", "--password-file", "password", "--yes")  # fmt: skip
    assert challenged.returncode == 0, challenged.stdout + challenged.stderr
    assert f"WeeklySettlement.{proof}" in challenged.stdout
    assert f"hour {hour} is void; the oracle's bond now holds 0 tokens" in challenged.stdout
    assert market.balance("dave") == dave_before + DEMO_BOND
    assert market.view("OracleBond", "bonded") == 0
    assert market.view("WeeklySettlement", "isHourVoided", hour)
    assert market.view("WeeklySettlement", "weekRoot", 1)[0] == bytes(32)

    market.advance(CHALLENGE_WINDOW_S)
    with market.reverts("SettlementRootMissing"):
        market.send("dave", "WeeklySettlement", "executeSettlement", 1, alice_leaf)
    assert market.balance("alice") == alice_before, "alice is never debited"
    return str(challenged.stdout)
