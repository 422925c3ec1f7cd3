"""What `flowmarket local up` leaves in the state folder, read by `local down|status`
and `flowmarket faucet`.

    <state>/node.json            the Hardhat node (as `flowmarket chain up` writes it)
    <state>/deployment.json      the market's contracts
    <state>/flowmarket.sqlite    orders, results, the oracle's journal
    <state>/hours/               the oracle's hourly publications
    <state>/wallets/             participants' keystores (never removed)
    <state>/local/market.json    the supervisor's record (`LocalRecord`)
    <state>/local/cast.json      the demo cast's keys (the supplier mints for the faucet)
    <state>/local/logs/          the oracle's log
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from dataclasses import asdict, dataclass
from pathlib import Path

from flowmarket.chain.node import pid_alive
from flowmarket.config import Settings
from flowmarket.demo.wallets import Wallet
from flowmarket.errors import InvalidInput

# Chain ids of local development nodes (Hardhat and anvil: 31337; Ganache and geth --dev:
# 1337): the only chains the faucet gives on.
LOCAL_CHAIN_IDS = (31337, 1337)
# What a fresh market removes from the state folder (keystores in wallets/ stay).
MARKET_FILES = ("deployment.json", "flowmarket.sqlite", "hours", "requirements", "local")


def local_dir(settings: Settings) -> Path:
    return settings.state_dir / "local"


def record_file(settings: Settings) -> Path:
    return local_dir(settings) / "market.json"


def cast_file(settings: Settings) -> Path:
    return local_dir(settings) / "cast.json"


@dataclass(frozen=True)
class LocalRecord:
    """The running (or last) local market. pid: the supervisor's; hours are
    hour_length_s wall seconds from epoch_s (when genesis_hour closes, Unix s)."""

    pid: int
    rpc_url: str
    chain_id: int
    api_url: str
    ledger: str
    genesis_hour: int
    epoch_s: float
    hour_length_s: float
    catalogue: str
    agents: int | None

    @property
    def web_url(self) -> str:
        return f"{self.api_url}/"


def write_record(settings: Settings, record: LocalRecord) -> None:
    path = record_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(record), indent=1) + "\n", encoding="utf-8")


def read_record(settings: Settings) -> LocalRecord | None:
    """The record of the last `local up` here, or None when there is none."""
    path = record_file(settings)
    if not path.exists():
        return None
    try:
        return LocalRecord(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"{path}: not a local market record ({exc})") from None


def save_cast(settings: Settings, wallets: dict[str, Wallet]) -> None:
    path = cast_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps([asdict(w) for w in wallets.values()], indent=1) + "\n")


def load_cast(settings: Settings) -> dict[str, Wallet]:
    """The cast's wallets by agent name; InvalidInput when no local market made them."""
    path = cast_file(settings)
    if not path.exists():
        raise InvalidInput(
            f"no local market in {settings.state_dir}: start one with `flowmarket local up`"
        )
    try:
        return {w["agent"]: Wallet(**w) for w in json.loads(path.read_text(encoding="utf-8"))}
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidInput(f"{path}: not a cast file ({exc})") from None


def remove_market_files(settings: Settings) -> None:
    """Empty the state folder of a market that is gone (its node stopped), keystores kept."""
    for name in MARKET_FILES:
        path = settings.state_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm", "-journal"):
        (settings.state_dir / f"flowmarket.sqlite{suffix}").unlink(missing_ok=True)


def terminate(pid: int) -> None:
    """SIGTERM `pid` if it runs (the supervisor then stops what it started)."""
    if pid_alive(pid):
        os.kill(pid, signal.SIGTERM)
