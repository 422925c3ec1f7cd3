"""Set a local market up, or find the one to resume.

A fresh market: compile (skipped when unchanged), start a Hardhat node in the
background on `settings.chain_port`, deploy the demo profile with the demo cast's
genesis (the network supplier mints capacity), fund the cast (ETH, capacity tokens,
collateral, allowances; the oracle's bond), migrate the database and load the
catalogue. Its genesis hour is the chain's next Unix hour and its first window is open
for one market hour from when set-up ends.

Resume: the node of the last `local up` still runs with its deployment (its supervisor
was killed): the market, its database and its clock carry on. A node that is gone took
the chain with it (Hardhat keeps its state in memory), so the next `up` starts afresh.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from web3 import Web3

from flowmarket.agents import demo_population
from flowmarket.backend.serve import open_database
from flowmarket.catalogue import CatalogueSpec
from flowmarket.catalogue.hours import SECONDS_PER_HOUR
from flowmarket.chain.build import compile_contracts
from flowmarket.chain.deploy import deploy_market, get_profile
from flowmarket.chain.node import running_background_node, start_background
from flowmarket.config import Settings
from flowmarket.demo.config import resolve_catalogue
from flowmarket.demo.events import DemoEvent, EventSink
from flowmarket.demo.setup import collateral_for, demo_genesis, fund_cast
from flowmarket.demo.wallets import Wallet, derive_wallets
from flowmarket.errors import InvalidInput
from flowmarket.local.state import (
    LocalRecord,
    load_cast,
    read_record,
    remove_market_files,
    save_cast,
)

CAST_SEED = 1


@dataclass(frozen=True)
class LocalOptions:
    """hour_length_s: wall seconds per market hour; agents: synthetic buyers trading
    besides the demo's supplier, arbitrageur, reseller and service provider (None: no
    agents trade); catalogue: a packaged name or a spec file."""

    hour_length_s: float = 60.0
    agents: int | None = None
    catalogue: str = "demo-tiny"

    def __post_init__(self) -> None:
        if not 1.0 <= self.hour_length_s <= SECONDS_PER_HOUR:
            raise InvalidInput(
                f"--hour-length: must be between 1 and 3600 seconds, got {self.hour_length_s:g}"
            )
        if self.agents is not None and not 0 <= self.agents <= 20:
            raise InvalidInput(f"--agents: must be between 0 and 20, got {self.agents}")


@dataclass(frozen=True)
class Market:
    """The market a supervisor runs: its record (pid to be set), spec and cast."""

    record: LocalRecord
    spec: CatalogueSpec
    cast: dict[str, Wallet]
    resumed: bool


def check_settings(settings: Settings) -> None:
    """The local market is the state folder's own: refuse settings that point elsewhere."""
    for name, value in (
        ("FLOWMARKET_RPC_URL", settings.rpc_url),
        ("FLOWMARKET_DATABASE_URL", settings.database_url),
        ("FLOWMARKET_API_URL", settings.api_url),
    ):
        if value:
            raise InvalidInput(
                f"{name} is set: `local up` runs its own node, database and API in "
                f"{settings.state_dir}; unset it (or pick another FLOWMARKET_STATE_DIR)"
            )


def resumable(settings: Settings) -> Market | None:
    """The last market here when its node still runs with its deployment, else None."""
    record = read_record(settings)
    node = running_background_node(settings)
    if record is None or node is None or node.rpc_url != record.rpc_url:
        return None
    w3 = Web3(Web3.HTTPProvider(record.rpc_url))
    if not w3.eth.get_code(Web3.to_checksum_address(record.ledger)):
        return None
    spec = resolve_catalogue(record.catalogue)
    return Market(record, spec, load_cast(settings), resumed=True)


def check_fresh(settings: Settings) -> None:
    """Refuse, before anything starts, a state folder that holds what `local up` did not
    make: a `chain up` node or another deployment."""
    if running_background_node(settings) is not None:
        raise InvalidInput(
            f"a node started by `flowmarket chain up` runs for {settings.state_dir}: "
            "stop it with `flowmarket chain down` first"
        )
    if read_record(settings) is None and settings.deployment_file.exists():
        raise InvalidInput(
            f"{settings.deployment_file} is a market `local up` did not make: "
            "pick another FLOWMARKET_STATE_DIR or remove it"
        )


def fresh_market(settings: Settings, options: LocalOptions, emit: EventSink) -> Market:
    """Set up a new market in the state folder (see the module docstring); `check_fresh`
    has passed."""
    spec = resolve_catalogue(options.catalogue)
    remove_market_files(settings)
    emit(DemoEvent("setup", 1, 5, "compiling the contracts (skipped when unchanged)"))
    artifacts = compile_contracts(settings).artifacts
    emit(DemoEvent("setup", 2, 5, f"starting a Hardhat node on port {settings.chain_port}"))
    node, _ = start_background(settings, settings.chain_port)
    local = replace(settings, rpc_url=node.rpc_url)
    emit(DemoEvent("setup", 3, 5, "deploying the market (demo profile)"))
    population = demo_population(spec, CAST_SEED, synthetic=options.agents or 0)
    cast = derive_wallets([a.name for a in population.agents], CAST_SEED)
    save_cast(settings, cast)
    w3 = Web3(Web3.HTTPProvider(node.rpc_url))
    genesis_hour = int(w3.eth.get_block("latest")["timestamp"]) // SECONDS_PER_HOUR + 1
    deployment = deploy_market(
        local,
        artifacts,
        rpc_url=node.rpc_url,
        profile=get_profile("demo"),
        genesis=demo_genesis(cast),
        genesis_hour=genesis_hour,
    )
    emit(DemoEvent("setup", 4, 5, f"funding the cast ({len(cast)} wallets)"))
    fund_cast(
        local,
        artifacts,
        deployment,
        cast,
        node.rpc_url,
        emit,
        collateral=collateral_for(spec.product_count()),
    )
    emit(DemoEvent("setup", 5, 5, "migrating the database"))
    open_database(settings.effective_database_url).dispose()
    record = LocalRecord(
        pid=0,
        rpc_url=node.rpc_url,
        chain_id=deployment.chain_id,
        api_url=f"http://{settings.api_host}:{settings.api_port}",
        ledger=deployment.addresses["ClearingLedger"],
        genesis_hour=genesis_hour,
        epoch_s=time.time() + options.hour_length_s,
        hour_length_s=options.hour_length_s,
        catalogue=options.catalogue,
        agents=options.agents,
    )
    return Market(record, spec, cast, resumed=False)
