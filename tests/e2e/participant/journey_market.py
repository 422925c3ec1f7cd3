"""The market a participant's whole on-chain life runs on, run the way it runs for real.

`open_journey` deploys on the session node (the demo profile, with a proposal threshold
so that holders without votes are refused), serves the API and the web pages over SQLite
with `build_app` as `flowmarket serve` does (on a virtual clock whose hours are the
ledger's real hour indices), and opens the clearing oracle on the same database and
state folder. Participants act only through the `flowmarket` command (`Journey.cli`,
with FLOWMARKET_* pointing at this market); the test harness plays the rest of the
world: it mints capacity tokens (as the supplier), hands out governance tokens, moves
the chain's clock and blocks, and runs the oracle's cycle.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from sqlalchemy import Engine
from sqlmodel import Session
from web3 import Web3
from web3.contract import Contract

from flowmarket.backend.serve import build_app, open_database
from flowmarket.chain.bond import fund_and_stake_bond
from flowmarket.chain.build import ArtifactSet
from flowmarket.chain.client import ChainClient
from flowmarket.chain.deploy import Deployment, deploy_market, get_profile
from flowmarket.chain.genesis import TREASURY, Genesis
from flowmarket.cli.main import main
from flowmarket.config import HARDHAT_DEV_KEYS, Settings
from flowmarket.db import orders_repo
from flowmarket.db.models import Product
from flowmarket.demo.api_server import VirtualClock
from flowmarket.money import WAD
from flowmarket.oracle.cycle import Oracle, open_oracle
from live_server import local_market_settings, serve

KEYS = {
    "deployer": HARDHAT_DEV_KEYS[0],
    "oracle": HARDHAT_DEV_KEYS[1],
    "supplier": HARDHAT_DEV_KEYS[2],
    "alice": HARDHAT_DEV_KEYS[3],
    "bob": HARDHAT_DEV_KEYS[4],
    "carol": HARDHAT_DEV_KEYS[5],
    "dave": HARDHAT_DEV_KEYS[6],
    "holder": HARDHAT_DEV_KEYS[7],
}
PASSWORD = "correct horse battery staple"
PROPOSAL_THRESHOLD = 1_000 * WAD
PRODUCTS = ("premium", "regular")


def address(who: str) -> str:
    return str(Account.from_key(KEYS[who]).address)


@dataclass
class Journey:
    """The served, deployed market of one participant journey."""

    settings: Settings
    engine: Engine
    clock: VirtualClock
    hour: int  # the genesis hour: the week is hours hour … hour + 167
    deployment: Deployment
    compiled: ArtifactSet
    w3: Web3
    oracle: Oracle
    password_file: Path
    capsys: pytest.CaptureFixture[str] | None = None

    def cli(self, *argv: str) -> tuple[int, str, str]:
        """Run `flowmarket ARGV` in this process; (exit code, stdout, stderr)."""
        assert self.capsys is not None
        self.capsys.readouterr()
        code = main(list(argv))
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def ok(self, *argv: str) -> str:
        """Run a command that must succeed; its stdout."""
        code, out, err = self.cli(*argv)
        assert code == 0, f"flowmarket {' '.join(argv)} exited {code}: {err}{out}"
        return out

    def refused(self, *argv: str) -> str:
        """Run a command that must be refused with one line on stderr; that line."""
        code, out, err = self.cli(*argv)
        assert code != 0, f"flowmarket {' '.join(argv)} was not refused: {out}"
        assert "Traceback" not in err and err.count("\n") == 1, err
        return err.strip()

    def wallet(self, who: str) -> tuple[str, ...]:
        """The options that sign as `who`'s keystore."""
        return ("--wallet", who, "--password-file", str(self.password_file))

    def contract(self, name: str) -> Contract:
        return self.w3.eth.contract(
            address=Web3.to_checksum_address(self.deployment.addresses[name]),
            abi=self.compiled[name].abi,
        )

    def view(self, name: str, function: str, *args: Any) -> Any:
        return getattr(self.contract(name).functions, function)(*args).call()

    def balance(self, who: str, token: str = "CapacityToken") -> int:
        return int(self.view(token, "balanceOf", address(who)))

    def send(self, who: str, name: str, function: str, *args: Any) -> None:
        client = ChainClient(self.settings.rpc_url, KEYS[who], artifacts=self.compiled.values())
        contract = client.contract(self.compiled[name], self.deployment.addresses[name])
        client.transact(getattr(contract.functions, function)(*args))

    def mint(self, who: str, amount: int) -> None:
        """Capacity tokens for `who`, minted by the genesis supplier."""
        self.send("supplier", "CapacityToken", "mint", address(who), amount)

    def give_votes(self, who: str, amount: int) -> None:
        """Governance tokens for `who` from the genesis holder's allocation."""
        self.send("holder", "GovernanceToken", "transfer", address(who), amount)

    def advance(self, seconds: int) -> None:
        self.w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
        self.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    def mine(self, blocks: int) -> None:
        self.w3.provider.make_request("hardhat_mine", [hex(blocks)])  # type: ignore[arg-type]

    def clear_week(self) -> None:
        """Close every hour of the week on the API's and the chain's clocks and let the
        oracle snapshot, clear, commit and publish each one, then post the week's root."""
        last = self.hour + 167
        self.clock.close(last)
        now = int(self.clock.now)
        if int(self.w3.eth.get_block("latest")["timestamp"]) < now:
            self.w3.provider.make_request("evm_setNextBlockTimestamp", [now])  # type: ignore[arg-type]
            self.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        assert self.oracle.tick(now=self.clock.now, limit=168) == 168


@contextmanager
def open_journey(
    base: Settings, compiled: ArtifactSet, rpc_url: str, w3: Web3, state: Path
) -> Iterator[Journey]:
    """Deploy (genesis: the next real hour, its window open), serve, open the oracle."""
    hour = int(w3.eth.get_block("latest")["timestamp"]) // 3600 + 1
    for key in KEYS.values():  # the session node's other tests may have spent their ether
        w3.provider.make_request(  # type: ignore[arg-type]
            "hardhat_setBalance", [Account.from_key(key).address, hex(10**22)]
        )
    settings = local_market_settings(base, state, rpc_url, KEYS["oracle"])
    profile = replace(get_profile("demo"), proposal_threshold=PROPOSAL_THRESHOLD)
    genesis = Genesis(  # "holder" hands out votes; the treasury keeps the rest
        {address("holder"): 500_000 * WAD, TREASURY: 500_000 * WAD},
        suppliers=(address("supplier"),),
    )
    deployment = deploy_market(
        settings, compiled, rpc_url=rpc_url, profile=profile, genesis=genesis, genesis_hour=hour
    )
    fund_and_stake_bond(  # the operator stakes the oracle's bond before any weekly root
        rpc_url, compiled, deployment, supplier_key=KEYS["supplier"], operator_key=KEYS["oracle"]
    )
    engine = open_database(settings.effective_database_url)
    with Session(engine) as session:
        orders_repo.upsert_products(session, products=[Product(name=n) for n in PRODUCTS])
    clock = VirtualClock()
    clock.bidding(hour)
    password_file = state / "password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    app = build_app(settings, engine=engine, clock=clock)
    try:
        with serve(app, settings.api_port) as url:
            yield Journey(
                settings=replace(settings, api_url=url),
                engine=engine,
                clock=clock,
                hour=hour,
                deployment=deployment,
                compiled=compiled,
                w3=w3,
                oracle=open_oracle(settings, engine, now=clock.now),
                password_file=password_file,
            )
    finally:
        engine.dispose()
