"""The oracle clears an hour on the catalogue's network: nodal prices, the link's price
and flow committed on chain, the owner paid its rent and charge, against values by hand.

The catalogue: regions east and west, one link east>west of 5 GB/h at 0.5 tokens/GB,
owned by OWNER. bob sells at east, 5(p − 1) GB/h; alice buys at west, 2.5(9 − p). Without
the link's limit 12.5 GB/h would move; with it 5 do: p_east = 1 + 5/5 = 2,
p_west = 9 − 5/2.5 = 7, μ = 7 − 2 − 0.5 = 4.5, rent 4.5 × 5 = 22.5, charge 0.5 × 5 = 2.5;
the owner is paid 25 = 5 × (7 − 2), bob 10, alice pays 35.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from oracle_harness import GENESIS, TOKEN, OracleWorld, address, api, basic_book
from sqlmodel import Session

from flowmarket.catalogue.hours import format_hour
from flowmarket.chain.leaves import product_id
from flowmarket.db import orders_repo
from flowmarket.db.models import Product
from flowmarket.oracle.cycle import open_oracle
from flowmarket.oracle.hour_commitment import build_hour_bundle

OWNER = "0x00000000000000000000000000000000000000A1"  # checksummed
STAMP = format_hour(GENESIS)
EAST, WEST = f"rt:east:premium:{STAMP}", f"rt:west:premium:{STAMP}"
LINK = f"east>west@{STAMP}"
CLOSE = 10**9  # wei: 1e-9 tokens, the solver's tolerance on prices × 5 GB/h, with room


def catalogue(tmp: Path) -> Path:
    path = tmp / "line.json"
    link = {"from": "east", "to": "west", "capacity": 5, "cost": 0.5, "owner": OWNER}
    doc = {
        "format": "flowmarket-catalogue/1",
        "name": "line",
        "regions": ["east", "west"],
        "types": ["premium"],
        "horizons": {"hourly_days": 1, "monthly_months": 0, "annual_years": 0},
        "network": {"links": [link]},
    }
    path.write_text(json.dumps(doc))
    return path


def test_an_hour_on_a_congested_link_commits_its_price_flow_and_the_owners_pay(
    world: OracleWorld, tmp_path: Path
) -> None:
    world.settings = replace(world.settings, network_catalogue=str(catalogue(tmp_path)))
    with Session(world.engine) as session:
        orders_repo.upsert_products(session, products=[Product(name=n) for n in (EAST, WEST)])
    world.place("bob", {EAST: 1.0}, [(-20.0, 5.0), (0.0, 1.0)], until_hour=GENESIS)
    world.place("alice", {WEST: 1.0}, [(0.0, 9.0), (20.0, 1.0)], until_hour=GENESIS)
    for who in ("alice", "bob"):
        world.fund(who, collateral=1_000 * TOKEN)

    assert open_oracle(world.settings, world.engine).tick(limit=1) == 1

    result = world.publication(GENESIS)["result"]
    assert abs(result["prices"][EAST] - 2.0) <= 1e-9
    assert abs(result["prices"][WEST] - 7.0) <= 1e-9
    assert abs(result["flows"][LINK][f"premium@{STAMP}"] - 5.0) <= 1e-9
    assert abs(result["links"][LINK]["shadow_price"] - 4.5) <= 1e-9
    assert abs(result["congestion_rent"] - 22.5) <= 1e-9
    # a verifier re-derives the hour's bundle from the publication: its roots are the
    # ones on chain, and the ledger proves the link's price and flow like any price
    committed = world.view("ClearingLedger", "hourCommitment", GENESIS)
    bundle = build_hour_bundle(result, hour=GENESIS, fee_bps=10)
    assert bundle.commitment.prices_root == bytes(committed[1])
    assert bundle.commitment.entries_root == bytes(committed[2])
    for key in (f"link:{LINK}", f"flow:{LINK}:premium@{STAMP}"):
        value = bundle.network[key]
        proof = bundle.prices_tree.proof(bundle.price_leaf(key))
        assert world.view("ClearingLedger", "verifyPrice", GENESIS, product_id(key), value, proof)
    assert abs(bundle.network[f"link:{LINK}"] - 45 * TOKEN // 10) <= CLOSE
    amounts = bundle.amounts
    assert abs(amounts.cash[OWNER] - 25 * TOKEN) <= CLOSE
    assert amounts.fees[OWNER] == 0
    assert abs(amounts.cash[address("bob")] - 10 * TOKEN) <= CLOSE
    assert abs(amounts.cash[address("alice")] + 35 * TOKEN) <= CLOSE
    assert sum(amounts.net_cash.values()) + amounts.total_fees == 0
    # the API publishes the hour's links, flows and link prices
    network = api(world).get(f"/v1/hours/{GENESIS}/network")
    assert network.status_code == 200, network.text
    body = network.json()
    assert abs(body["congestion_rent"] - 22.5) <= 1e-9
    assert abs(body["transport_charge"] - 2.5) <= 1e-9
    link = next(x for x in body["links"] if x["id"] == LINK)
    assert (link["from"], link["to"], link["capacity"], link["owner"]) == ("east", "west", 5, OWNER)
    assert abs(link["utilisation"] - 1.0) <= 1e-9
    assert abs(link["shadow_price"] - 4.5) <= 1e-9
    assert abs(link["flows"][f"premium@{STAMP}"] - 5.0) <= 1e-9
    # the other 23 delivery hours' links are in the block too, unused and free
    later = [x for x in body["links"] if x["id"] != LINK]
    assert len(later) == 23
    assert all(x["flow"] == 0 and x["shadow_price"] == 0 for x in later)


def test_the_network_route_of_an_hour_cleared_without_one_is_404(world: OracleWorld) -> None:
    basic_book(world)
    for who in ("alice", "bob", "carol"):
        world.fund(who, collateral=1_000 * TOKEN)
    assert open_oracle(world.settings, world.engine).tick(limit=1) == 1
    answer = api(world).get(f"/v1/hours/{GENESIS}/network")
    assert answer.status_code == 404
    assert "cleared without a network" in answer.text
