"""A deployment file for tests that serve the API without a chain (tests only).

`flowmarket serve` takes the EIP-712 domain from the deployment file `flowmarket
deploy` writes; these tests have no node, so they write one that names only the
ledger address the orders are signed for (no other contract is reached).
"""

from __future__ import annotations

from pathlib import Path

from flowmarket.chain.deploy import Deployment

DEV_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # Hardhat dev account #0


def write_deployment(state_dir: Path, *, ledger: str, chain_id: int = 31337) -> Path:
    """`state_dir/deployment.json` for a market on `chain_id` whose ClearingLedger is `ledger`."""
    deployment = Deployment(
        chain_id=chain_id,
        block_number=0,
        addresses={"ClearingLedger": ledger},
        deployer=DEV_ADDRESS,
        oracle=DEV_ADDRESS,
        guardian=DEV_ADDRESS,
        genesis_hour=0,
        profile="demo",
        governance={},
    )
    path = state_dir / "deployment.json"
    path.write_text(deployment.to_json() + "\n", encoding="utf-8")
    return path
