"""The cast's wallets: one key per agent, derived from the run's seed, kept in the demo folder.

Keys are `keccak256("flowmarket-demo/<seed>/<agent>")`: the same seed gives the same
addresses, so two runs can be compared. They are throwaway keys of a private local
chain, written in clear to `<state>/wallets.json` (mode 0600) so that a kept node
(`--keep-node`) can be driven with `flowmarket order` afterwards; an encrypted keystore
costs ~1.5 s of scrypt per wallet, too slow for a five-minute demo.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from eth_account import Account
from eth_utils.crypto import keccak

ROLES = {
    "network": "supplier",
    "arbitrage": "arbitrageur",
    "term-arbitrage": "term arbitrageur",
    "provider": "service provider",
    "broadcaster": "broadcaster",
}


@dataclass(frozen=True)
class Wallet:
    """agent: the agent's name (`agents.population`); role: what it does in the market."""

    agent: str
    role: str
    address: str
    key: str


def role_of(agent: str) -> str:
    if agent in ROLES:
        return ROLES[agent]
    return "synthetic buyer" if agent.startswith("user-") else agent


def derive_wallets(agents: list[str], seed: int) -> dict[str, Wallet]:
    """One wallet per agent name, deterministic in `seed`."""
    wallets: dict[str, Wallet] = {}
    for agent in agents:
        key = "0x" + keccak(text=f"flowmarket-demo/{seed}/{agent}").hex()
        address = str(Account.from_key(key).address)
        wallets[agent] = Wallet(agent, role_of(agent), address, key)
    return wallets


def save_wallets(path: Path, wallets: dict[str, Wallet]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps([asdict(w) for w in wallets.values()], indent=1) + "\n")
