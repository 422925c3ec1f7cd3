"""ethers v6 (JavaScript) as an independent EIP-712 reference: the digest and signature
it computes for the typed-data document our encoder writes (what a wallet is shown)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from flowmarket.config import Settings
from flowmarket.signing import Domain
from flowmarket.signing.typed_data import Message, typed_data
from flowmarket.web.routes import json_safe

SCRIPT = Path(__file__).parent / "ethers_typed_data.js"


def ethers_signs(settings: Settings, domain: Domain, message: Message, key: str) -> dict[str, str]:
    """{"digest", "signature"} as ethers computes them for `message`'s typed data."""
    if not (settings.hardhat_dir / "node_modules" / "ethers").is_dir():
        pytest.fail("ethers is missing: run `npm install` in hardhat-local (scripts/bootstrap)")
    document = json_safe(typed_data(domain, message))
    document["domain"]["chainId"] = domain.chain_id
    done = subprocess.run(
        ["node", str(SCRIPT), str(settings.hardhat_dir)],
        input=json.dumps({"typed_data": document, "key": key}),
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, str] = json.loads(done.stdout)
    return result
