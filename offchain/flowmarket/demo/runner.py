"""`run_demo`: the whole job, in a fresh state folder, on a node it starts and stops.

1. fresh `<state>` (SQLite database, deployment file, wallets, publications, logs);
2. compile (skipped when unchanged), start a Hardhat node on a free port, deploy the
   demo profile, fund the cast (`setup`);
3. the participation API in a thread (`api_server`) and the oracle in a process of its
   own (`oracle_worker`) on the same database, both on the demo's virtual clock;
4. `hours` hours of trading and clearing (`market_loop`); once 168 are published the
   first week settles on chain (chain time moved past the challenge window);
   the week's largest debtor pays it from its wallet first, and after it a holder
   closes the revenue epoch and claims its share (`wallet_actions`);
5. the DAO changes the fee (`governance`, through the same commands' plans), then
   `after_hours` more hours;
6. `hours_done` (the CLI starts the HTML report in a process of its own:
   `background_report`), then the summary (`summary`) is written to
   `<state>/summary.json` and returned.

The node is stopped on the way out, also on an error or Ctrl-C, unless `keep_node`
(then it runs detached and `FLOWMARKET_STATE_DIR=<state> flowmarket chain down` stops it).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from functools import partial
from pathlib import Path
from typing import Any

from eth_account import Account
from sqlalchemy import Engine

from flowmarket.actions.proofs import ProofSource
from flowmarket.agents import Population, demo_population
from flowmarket.backend.products_table import load_spec_products
from flowmarket.backend.serve import open_database
from flowmarket.catalogue import CatalogueSpec
from flowmarket.chain.build import ArtifactSet, compile_contracts
from flowmarket.chain.node import LocalNode, free_port, start_background
from flowmarket.client.participant_client import ApiReader
from flowmarket.config import Settings
from flowmarket.demo import summary
from flowmarket.demo.api_server import ApiServer, VirtualClock
from flowmarket.demo.auction import run_auctions
from flowmarket.demo.config import DemoConfig, resolve_catalogue
from flowmarket.demo.events import DemoEvent, EventSink
from flowmarket.demo.gas import gas_by_kind
from flowmarket.demo.governance import FeeChange, change_fee
from flowmarket.demo.market_loop import MarketLoop
from flowmarket.demo.oracle_worker import OracleWorker
from flowmarket.demo.setup import Cast, collateral_for, deploy, fund_cast
from flowmarket.demo.traders import WalletTrader
from flowmarket.demo.transport import participant_client
from flowmarket.demo.wallet_actions import WalletAction, claim_revenue, pay_week
from flowmarket.demo.wallets import Wallet, derive_wallets, save_wallets
from flowmarket.errors import ChainUnavailable, InvalidInput
from flowmarket.oracle.cycle import connect_as_oracle

MARKER = ".flowmarket-demo"
# The demo's participants send a week of orders in minutes through their own API.
DEMO_API_RATE_PER_MINUTE = 10**9
DEMO_MAX_OPEN_ORDERS = 100_000
REVENUE_HOLDER = "network"  # the supplier holds a quarter of the governance supply


def fresh_state_dir(path: Path) -> None:
    """Empty `path` for a new run; refuse a non-empty folder that no demo made."""
    if path.exists() and any(path.iterdir()) and not (path / MARKER).exists():
        raise InvalidInput(f"--state-dir: {path} is not empty and not a demo folder; pick another")
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    (path / MARKER).write_text("made by `flowmarket demo`; emptied on every run\n")


NETWORK_OWNER = "network"  # the supplier agent (`agents.population`)


def demo_settings(settings: Settings, state_dir: Path, rpc_url: str) -> Settings:
    return replace(
        settings,
        state_dir=state_dir,
        rpc_url=rpc_url,
        database_url=f"sqlite:///{state_dir / 'flowmarket.sqlite'}",
        oracle_hour_length_s=3600.0,
        oracle_epoch_s=0.0,
        oracle_retry_attempts=3,
        oracle_crash_at="",
        api_rate_per_minute=DEMO_API_RATE_PER_MINUTE,
        api_max_open_orders=DEMO_MAX_OPEN_ORDERS,
    )


@contextmanager
def demo_node(settings: Settings, keep: bool) -> Iterator[tuple[str, int]]:
    """(rpc_url, pid) of a node for the run: stopped on exit unless `keep`."""
    if keep:
        node, _ = start_background(settings, port=free_port())
        yield node.rpc_url, node.pid
        return
    with LocalNode(settings) as local:
        if local.process is None:
            raise ChainUnavailable("the demo's node did not start")
        yield local.rpc_url, local.process.pid


def run_demo(
    settings: Settings,
    config: DemoConfig,
    emit: EventSink,
    *,
    prepared: bool = False,
    hours_done: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Run the demo (see the module docstring); returns the summary document. With
    `prepared` the caller has already emptied the state folder (`fresh_state_dir`);
    `hours_done` is called once the last hour is published and the database is final,
    before the summary is read (the CLI starts the HTML report then)."""
    spec = resolve_catalogue(config.catalogue)
    if not prepared:
        fresh_state_dir(config.state_dir)
    started = time.perf_counter()
    emit(DemoEvent("setup", 0, 0, "compiling the contracts (skipped when unchanged)"))
    artifacts = compile_contracts(settings).artifacts
    base = replace(settings, state_dir=config.state_dir)
    emit(DemoEvent("setup", 0, 0, "starting a local Hardhat node"))
    with demo_node(base, config.keep_node) as (rpc_url, pid):
        local = demo_settings(settings, config.state_dir, rpc_url)
        document = _run(local, config, spec, artifacts, emit, hours_done)
        document["node"] = {"rpc_url": rpc_url, "pid": pid, "kept": config.keep_node}
    document["timing"]["total_s"] = time.perf_counter() - started
    path = config.state_dir / "summary.json"
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return document


class Laps:
    """Seconds spent per phase (a phase run twice adds up)."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self._mark = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = self.phases.get(name, 0.0) + now - self._mark
        self._mark = now


def _traders(
    population: Population, wallets: dict[str, Wallet], api: ApiServer, transport: str
) -> list[WalletTrader]:
    return [
        WalletTrader(
            agent,
            wallets[agent.name],
            participant_client(
                transport,
                url=api.url,
                app=api.app,
                account=Account.from_key(wallets[agent.name].key),
            ),
        )
        for agent in population.agents
    ]


def _run(
    settings: Settings,
    config: DemoConfig,
    spec: CatalogueSpec,
    artifacts: ArtifactSet,
    emit: EventSink,
    hours_done: Callable[[], None] | None,
) -> dict[str, Any]:
    laps = Laps()
    emit(DemoEvent("setup", 0, 0, "deploying the market (demo profile)"))
    population = demo_population(spec, config.seed, synthetic=config.synthetic, broadcaster=True)
    wallets = derive_wallets([a.name for a in population.agents], config.seed)
    save_wallets(settings.state_dir / "wallets.json", wallets)
    if spec.network is not None:  # the network supplier owns the links and earns their rent
        settings = replace(
            settings,
            network_catalogue=config.catalogue,
            network_owner=wallets[NETWORK_OWNER].address,
        )
    deployment = deploy(settings, artifacts, settings.rpc_url, wallets)
    cast = fund_cast(
        settings,
        artifacts,
        deployment,
        wallets,
        settings.rpc_url,
        emit,
        collateral=collateral_for(spec.product_count()),
    )
    engine = open_database(settings.effective_database_url)
    genesis = deployment.genesis_hour
    load_spec_products(engine, spec, genesis, genesis + config.hours + config.after_hours)
    laps("setup")
    clock = VirtualClock()
    operator = connect_as_oracle(settings)  # the auctions' operator; moves the chain's clock
    # The oracle's process starts (imports, chain reads) while the API starts and the
    # auctions run; its first tick waits for it.
    with OracleWorker(settings, now=clock.now) as worker, ApiServer(settings, engine, clock) as api:
        auctions = None
        if config.auction:
            auctions = run_auctions(operator, cast, engine, api, clock, spec, config.seed, emit)
            laps("auction")
        traders = _traders(population, wallets, api, config.transport)
        rows = summary.HourRows(engine)
        loop = MarketLoop(
            engine,
            worker,
            operator.client.w3,
            spec,
            traders,
            clock,
            config.tolerance,
            while_clearing=rows.add,
        )
        reader = ApiReader(api.url)  # the leaves a debtor pays with, as the CLI fetches them
        try:
            settled, change, commands = _market(cast, loop, reader, config, laps, emit)
        finally:
            reader.close()
            for trader in traders:
                trader.client.close()
    if hours_done is not None:
        hours_done()
    emit(DemoEvent("summary", 0, 0, "reading the results back from the chain and the database"))
    document = _summary(cast, engine, rows, spec, loop, change, settled, config)
    document["wallet"] = [asdict(c) for c in (*commands, *change.commands)]
    if auctions is not None:
        document["auctions"] = auctions
    engine.dispose()
    laps("summary")
    document["timing"] = {"phases_s": laps.phases}
    return document


def _market(
    cast: Cast,
    loop: MarketLoop,
    source: ProofSource,
    config: DemoConfig,
    laps: Laps,
    emit: EventSink,
) -> tuple[dict[int, str], FeeChange, list[WalletAction]]:
    """The hours, each complete week's settlement right after its 168th hour (its largest
    debtor pays it from its wallet first; after the first week a holder closes the revenue
    epoch and claims its share), the fee vote and the hours after it; returns each
    settled week's status, the fee change and the wallet commands the agents sent."""
    genesis = cast.deployment.genesis_hour
    window = cast.deployment.governance["challenge_window_s"]
    settled: dict[int, str] = {}
    commands: list[WalletAction] = []

    def pay(week: int) -> None:
        paid = pay_week(cast, source, week, emit)
        commands.extend([] if paid is None else [paid])

    for offset, count, week in config.stretches():
        loop.run_hours(genesis + offset, count, emit)
        laps("market")
        if week is not None:
            settled[week] = loop.settle_week(week, window + 1, emit, first=partial(pay, week))
            if week == 0:
                commands.extend(claim_revenue(cast, REVENUE_HOLDER, emit))
            laps("settlement")
    change = change_fee(
        cast,
        config.new_fee_bps,
        proposer="network",
        voters_for=["network", "provider"],
        voters_against=["reseller"],
        emit=emit,
    )
    laps("governance")
    loop.run_hours(genesis + config.hours, config.after_hours, emit, phase="after")
    laps("after")
    return settled, change, commands


def _summary(
    cast: Cast,
    engine: Engine,
    rows: summary.HourRows,
    spec: CatalogueSpec,
    loop: MarketLoop,
    change: FeeChange | None,
    settled: dict[int, str],
    config: DemoConfig,
) -> dict[str, Any]:
    hours = summary.hours_section(cast, rows, loop.stats)
    weeks = [
        summary.settlement_section(cast, engine, week, status)
        for week, status in sorted(settled.items())
    ] or [summary.settlement_section(cast, engine, 0, "not reached")]
    market = summary.market_section(spec, hours["rows"])
    for row in hours["rows"]:
        del row["prices"], row["volumes"]
    return {
        "config": {
            "hours": config.hours,
            "after_hours": config.after_hours,
            "synthetic": config.synthetic,
            "seed": config.seed,
            "tolerance": config.tolerance,
            "new_fee_bps": config.new_fee_bps,
            "transport": config.transport,
            "auction": config.auction,
        },
        "catalogue": {
            "name": spec.name,
            "regions": list(spec.regions),
            "types": list(spec.types),
            "hourly_days": spec.horizons.hourly_days,
            "products_per_hour": spec.product_count(),
        },
        "participants": [
            {"agent": w.agent, "role": w.role, "address": w.address} for w in cast.wallets.values()
        ],
        "hours": hours,
        "orders": summary.orders_section(loop.stats),
        "blocks": summary.blocks_section(engine, loop.traders),
        "market": market,
        "network": summary.network_section(hours["rows"]) if spec.network else None,
        "fees": summary.fee_section(hours["rows"], config.hours),
        "governance": summary.governance_section(change),
        "settlement": weeks[0],
        "settlements": weeks,
        "gas": summary.gas_section(
            gas_by_kind(cast.clients["deployer"].w3, cast.deployment, cast.artifacts)
        ),
    }
