"""One curve over two named portfolios, signed through the HTTP API, cleared by the real
oracle and committed on a real node (docs/portfolios.md).

Alice signs "buy up to 1 GB/h of east and west together at up to 5": one
`PortfolioOrder` over the portfolios east = {east: 1} and west = {west: 1}, each of
weight 1, curve [[0, 5], [1, 5]]. Bob sells east along p = 1 + 2s (up to 2 GB/h), Carol
sells west along p = 2 + 2s. By hand: Alice buys where it is cheaper until the two
prices meet, 1 + 2e = 2 + 2w with e + w = 1 (her limit 5 is never reached), so
e = 3/4, w = 1/4 and both prices are 5/2. Cash: Alice pays 5/2 × 1 = 2.5 tokens, Bob
gets 5/2 × 3/4 = 1.875, Carol 5/2 × 1/4 = 0.625; the demo's fee is 10 bps of each
traded value: 0.0025, 0.001875 and 0.000625 tokens.

The solver's floats are within ~10⁻¹² of these numbers, so the committed integers
(prices in wei per GB, trades in 10⁻¹⁸ GB, cash and fees in wei) are checked against
the hand values within 10⁻⁹ (10⁹ wei on 10¹⁸), and exactly against the money rules
recomputed here from the committed prices and trades: every product's trades sum to 0,
each participant's gross cash is −Σ price × trade to within the 1 wei rule 3 allows,
each fee is ⌊traded value × 10 / 10⁴⌋, and net cash plus fees sums to exactly 0.
"""

from __future__ import annotations

from fractions import Fraction

from fastapi.testclient import TestClient
from oracle_harness import GENESIS, KEYS, TOKEN, OracleWorld, address
from sqlmodel import Session

from flowmarket.actions.actor import Actor
from flowmarket.actions.verify import PublicationFiles, verify_hour
from flowmarket.api.app import create_app
from flowmarket.backend.participation import SqlBackend
from flowmarket.backend.serve import session_secret
from flowmarket.catalogue.hours import open_hour
from flowmarket.chain.deploy import load_deployment
from flowmarket.client.bodies import order_body
from flowmarket.db import oracle_repo, orders_repo, results_repo
from flowmarket.db.models import Product
from flowmarket.oracle.cycle import open_oracle
from flowmarket.signing import NamedPortfolio, OrderMessage, sign_login
from flowmarket.signing.login import parse_login_message

WAD = 10**18
CLOSE = WAD // 10**9  # 10⁻⁹ of a unit: the solver's floats are ~10⁻¹² off the hand values
FEE_BPS = 10  # the demo profile's


def client_at(world: OracleWorld, now: list[float]) -> TestClient:
    app = create_app(
        backend=SqlBackend(world.engine),
        domain=load_deployment(world.settings).domain(),
        operator_key=world.settings.oracle_key,
        token_secret=session_secret(world.engine),
        clock=lambda: now[0],
    )
    return TestClient(app)


def login(api: TestClient, who: str) -> dict[str, str]:
    challenge = api.post("/v1/auth/challenge", json={"address": address(who)}).json()
    message = parse_login_message(challenge["message"])
    token = api.post(
        "/v1/auth/login",
        json={"message": message.text(), "signature": sign_login(message, KEYS[who])},
    ).json()
    return {"authorization": f"Bearer {token['access_token']}"}


def test_one_curve_over_east_and_west_buys_where_it_is_cheaper_exactly_committed(
    world: OracleWorld,
) -> None:
    with Session(world.engine) as session:
        orders_repo.upsert_products(session, products=[Product(name="east"), Product(name="west")])
    now = [world.epoch - 0.5]  # before hour GENESIS closes
    api = client_at(world, now)
    until = open_hour(world.epoch) + 100
    east = NamedPortfolio("east", 1.0, {"east": 1.0})
    west = NamedPortfolio("west", 1.0, {"west": 1.0})
    together = OrderMessage(
        address("alice"), 0, GENESIS, until, {}, ((0.0, 5.0), (1.0, 5.0)), portfolios=(east, west)
    )
    sells_east = OrderMessage(
        address("bob"), 0, GENESIS, until, {"east": 1.0}, ((-2.0, 5.0), (0.0, 1.0))
    )
    sells_west = OrderMessage(
        address("carol"), 0, GENESIS, until, {"west": 1.0}, ((-2.0, 6.0), (0.0, 2.0))
    )
    ids = {}
    for who, message in (("alice", together), ("bob", sells_east), ("carol", sells_west)):
        world.fund(who, collateral=1_000 * TOKEN)
        response = api.post("/v1/orders", json=order_body(world.domain, message, KEYS[who]))
        assert response.status_code == 200, response.text
        ids[who] = response.json()["order"]["order_hash"]

    oracle = open_oracle(world.settings, world.engine)
    oracle.tick(limit=1)  # hour GENESIS: snapshot, clear, commit, publish
    alice, bob, carol = address("alice"), address("bob"), address("carol")
    with Session(world.engine) as session:
        journal = oracle_repo.journal_hour(session, hour=GENESIS)
        assert journal is not None and journal.result_doc is not None
        held = oracle_repo.positions_wei_of(session, participants=[alice, bob, carol])
        amounts = {
            who: oracle_repo.participant_amounts(session, participant=who)[GENESIS]
            for who in (alice, bob, carol)
        }
        prices = results_repo.hour_prices(session, hour=GENESIS)
    # the engine document names Alice's two portfolios, ids <order id>:<name>
    named = journal.engine_doc["portfolios"]
    assert named == {
        f"{ids['alice']}:east": {"participant": alice, "products": {"east": 1.0}},
        f"{ids['alice']}:west": {"participant": alice, "products": {"west": 1.0}},
    }
    (mine,) = [o for o in journal.engine_doc["orders"] if o["id"] == ids["alice"]]
    assert mine["portfolios"] == {f"{ids['alice']}:east": 1.0, f"{ids['alice']}:west": 1.0}

    # committed integers against the hand values: prices 5/2, trades 3/4 and 1/4
    price_wei = {p: round(Fraction(prices[p]) * WAD) for p in ("east", "west")}  # rule 1
    for product in ("east", "west"):
        assert abs(price_wei[product] - 5 * WAD // 2) < CLOSE * 5
    assert abs(held[alice]["east"] - 3 * WAD // 4) < CLOSE
    assert abs(held[alice]["west"] - WAD // 4) < CLOSE
    # exact: every product's trades sum to 0 to the wei
    assert held[alice]["east"] + held[bob]["east"] == 0
    assert held[alice]["west"] + held[carol]["west"] == 0
    assert "west" not in held[bob] and "east" not in held[carol]
    hand_gross = {alice: -5 * WAD // 2, bob: 15 * WAD // 8, carol: 5 * WAD // 8}
    hand_fee = {alice: 25 * WAD // 10**4, bob: 1875 * WAD // 10**6, carol: 625 * WAD // 10**6}
    for who in (alice, bob, carol):
        net, fee = amounts[who]
        trades = held[who]
        exact = -sum(price_wei[p] * q for p, q in trades.items())  # 10⁻³⁶ tokens
        traded = sum(abs(price_wei[p] * q) for p, q in trades.items()) // WAD
        assert fee == traded * FEE_BPS // 10_000  # rule 4, exactly
        assert exact // WAD <= net + fee <= exact // WAD + 1  # rule 3: within 1 wei
        assert abs(net + fee - hand_gross[who]) < CLOSE * 3  # the hand values
        assert abs(fee - hand_fee[who]) < CLOSE
    assert sum(net + fee for net, fee in amounts.values()) == 0
    assert (
        journal.result_doc["orders"][ids["alice"]]["quantity"] == 1.0
        or abs(journal.result_doc["orders"][ids["alice"]]["quantity"] - 1.0) < 1e-9
    )

    # Alice sees her order and each portfolio's rate
    listed = api.get("/v1/me/orders", headers=login(api, "alice")).json()
    (order,) = [o for o in listed if o["order_hash"] == ids["alice"]]
    assert [p["name"] for p in order["portfolios"]] == ["east", "west"]
    (outcome,) = order["outcomes"]
    assert outcome["hour"] == GENESIS and abs(outcome["quantity"] - 1.0) < 1e-9
    assert abs(outcome["portfolios"]["east"] - 0.75) < 1e-9
    assert abs(outcome["portfolios"]["west"] - 0.25) < 1e-9

    # anyone re-clears the published order set into the committed roots
    reader = Actor.watching(world.settings, bob)
    verdict = verify_hour(reader, PublicationFiles(world.settings.state_dir), GENESIS)
    assert verdict.ok, verdict.problems
    # alice's portfolio order has its signed fill leaf, whose signature verify checked
    assert verdict.recleared is not None
    (fill,) = verdict.recleared.portfolio_fills.values()
    assert (fill.order_id, fill.participant) == (ids["alice"], alice)
    assert [p.name for p in fill.portfolios] == ["east", "west"]
    hand_rates = (3 * WAD // 4, WAD // 4)
    assert all(abs(r - w) < CLOSE for r, w in zip(fill.rates, hand_rates, strict=True))
    assert not any("no fill leaf" in note for note in verdict.notes)
