"""One hour of the production catalogue at 50 regions, with the demo's agents' book.

    .venv/bin/python bench/production_hour.py [--regions 50] [--seed 2026] [--synthetic 6]

The production catalogue (market.md: real time and 30 days of hourly forwards, 12
monthly and 5 annual forwards by hour of day and day type, 3 types) restricted to its
first `--regions` regions: 4,608 products per region, 230,400 at 50. Its agents are
the demo's (`agents.population.demo_population` on that catalogue: the network
supplier, the region-spread arbitrageur, the service provider and the reseller
trading to target with `flowmarket.strategy`, and `--synthetic` synthetic buyers),
each with the demo's wallet, ETH, capacity tokens and collateral (the demo's
funding, `demo.setup.fund_cast`, sized by `collateral_for` the catalogue); their
opening orders for the hour (no positions yet) are
stored as standing orders straight into a fresh SQLite database (the API's intake is
measured by bench/api_load.py). Then the real oracle takes the hour through its
steps against a local Hardhat node with the demo deployment, each timed as in
bench/oracle_cycle.py: snapshot, solve (engine inside), commit on chain, publish.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session

from flowmarket.agents.base import MarketView
from flowmarket.agents.population import demo_population
from flowmarket.backend.serve import open_database
from flowmarket.catalogue import Holdings, load_spec
from flowmarket.catalogue.listing import product_names
from flowmarket.chain.build import compile_contracts
from flowmarket.chain.node import LocalNode
from flowmarket.config import load_settings
from flowmarket.db import orders_repo
from flowmarket.db.models import Order, Product
from flowmarket.db.results_repo import table_of
from flowmarket.demo.setup import collateral_for, deploy, fund_cast
from flowmarket.demo.wallets import derive_wallets
from flowmarket.oracle.cycle import open_oracle
from oracle_cycle import SIGNATURE, one_hour


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--synthetic", type=int, default=6)
    args = parser.parse_args()
    full = load_spec("production")
    spec = dataclasses.replace(full, regions=full.regions[: args.regions])
    base = dataclasses.replace(load_settings(), state_dir=Path(tempfile.mkdtemp(prefix="prod-")))
    artifacts = compile_contracts(base).artifacts
    with LocalNode(base) as node:
        settings = dataclasses.replace(base, rpc_url=node.rpc_url)
        agents = demo_population(spec, args.seed, args.synthetic).agents
        cast = derive_wallets([agent.name for agent in agents], args.seed)
        deployment = deploy(settings, artifacts, node.rpc_url, cast)
        deposit = collateral_for(len(product_names(spec, deployment.genesis_hour)))
        fund_cast(
            settings, artifacts, deployment, cast, node.rpc_url, lambda _: None, collateral=deposit
        )
        hour = deployment.genesis_hour
        url = f"sqlite:///{settings.state_dir / 'oracle.sqlite'}"
        settings = dataclasses.replace(settings, database_url=url)
        engine = open_database(url)

        mark = time.perf_counter()
        listed = product_names(spec, hour)
        wallets = {name: wallet.address for name, wallet in cast.items()}
        orders = []
        for agent in agents:
            view = MarketView(hour, spec, listed, {}, Holdings({}))
            orders += agent.orders(view)
        book_s = time.perf_counter() - mark

        mark = time.perf_counter()
        close = float(hour * 3600)
        rows = [
            {
                "order_hash": "0x" + secrets.token_hex(32),
                "participant": wallets[str(order["participant"])],
                "nonce": k,
                "from_hour": hour,
                "until_hour": hour,
                "replaces": None,
                "portfolio": dict(order["portfolio"]),
                "curve": [list(point) for point in order["curve"]],
                "signature": SIGNATURE,
                "accepted_at": close - 1.0,
                "receipt_signature": SIGNATURE,
            }
            for k, order in enumerate(orders)
        ]
        with Session(engine) as session:
            orders_repo.upsert_products(session, products=[Product(name=n) for n in listed])
            connection = session.connection()
            for k in range(0, len(rows), 50_000):
                connection.execute(insert(table_of(Order)), rows[k : k + 50_000])
            session.commit()
        store_s = time.perf_counter() - mark
        print(
            f"catalogue: production, {len(spec.regions)} regions x {len(spec.types)} types, "
            f"{len(listed):,} products; agents: {len(agents)}; orders: {len(orders):,}; "
            f"book made in {book_s:.1f} s, stored in {store_s:.1f} s; "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        oracle = open_oracle(settings, engine)
        steps, result = one_hour(oracle, hour)
        wall, cpu = steps.wall, steps.cpu
        filled = sum(1 for o in result["orders"].values() if o["quantity"] != 0.0)
        total = sum(wall[s] for s in ("snapshot", "solve", "commit", "publish"))
        total_cpu = sum(cpu[s] for s in ("snapshot", "solve", "commit", "publish"))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        print(
            "| products | orders | snapshot s | solve s (engine) | trees s | commit s | "
            "publish s | total s | CPU s | filled orders | max imbalance | peak RSS GB |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        print(
            f"| {len(listed):,} | {len(orders):,} | {wall['snapshot']:.1f} | "
            f"{wall['solve']:.1f} ({wall['engine']:.1f}) | {wall['trees']:.1f} | "
            f"{wall['commit']:.1f} | {wall['publish']:.1f} | {total:.1f} | {total_cpu:.1f} | "
            f"{filled:,} of {len(result['orders']):,} | "
            f"{result['certificate']['max_imbalance']:.1e} | {rss:.1f} |",
            flush=True,
        )
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
