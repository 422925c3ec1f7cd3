"""Portfolio orders (docs/portfolios.md: one signed curve over several named portfolios)
get a signed fill leaf, so a fill of one its participant never signed is provable on
chain (`ClearingLedger.isPortfolioFillUnsigned` through `WeeklySettlement.challengeBalance`).

1. The contract and its Python twin (`chain.portfolio_fill`) agree on 120 random portfolio
   orders signed by eth-account's generic EIP-712 encoder's digest (what wallets sign) and
   on their forgeries.
2. Through the command line, on week 1's hour 5 (curves as (GB/h, tokens/GB) points):
   alice buys up to 1 GB/h of east and west together at up to 5 (portfolios east = {east:
   1}, west = {west: 1}, each of weight 1); bob sells east along p = 1 + 2s, carol west
   along p = 2 + 2s. By hand: alice buys where it is cheaper until the prices meet,
   1 + 2e = 2 + 2w with e + w = 1: e = 3/4, w = 1/4, both prices 5/2. Cash: alice −2.5
   tokens and a fee of 10 bps, 0.0025; bob +1.875 less 0.001875; carol +0.625 less
   0.000625.
   - A thief with the oracle key invents alice's order (signed with the oracle key) and
     commits the hour from it: `verify --hour` flags the portfolio fill as unsigned,
     `challenge --hour` voids the hour, dave gets exactly the 1,000-token bond, alice
     (who allowed pulls) is never debited.
   - The honest hour: verify finds nothing, the challenge reverts not-a-fault and the
     command refuses.
"""

from __future__ import annotations

import dataclasses
import random
import subprocess
from pathlib import Path
from typing import Any

from challenge_harness import challenge_voids_the_hour
from eth_keys.datatypes import PrivateKey
from market_harness import TOKEN, Market, commitment
from settlement_harness import post_root

from flowmarket.actions.verify import PublicationFiles
from flowmarket.chain.fill_signature import SECP256K1_N
from flowmarket.chain.leaves import settlement_week
from flowmarket.chain.portfolio_fill import (
    PortfolioFillTerms,
    is_portfolio_signed_by,
    portfolio_fill_terms,
)
from flowmarket.clearing import clear_document
from flowmarket.hashing import keccak
from flowmarket.merkle import MerkleTree
from flowmarket.oracle.hour_commitment import HourBundle, build_hour_bundle
from flowmarket.oracle.publication import Publication, write_publication, write_week_publication
from flowmarket.oracle.publish import write_order_set
from flowmarket.signing import Domain, NamedPortfolio, OrderMessage
from flowmarket.signing.struct_hash import domain_separator
from flowmarket.signing.typed_data import reference_digest
from signed_books import message, signed_order, signed_portfolio_order

HOURS_PER_WEEK = 168
DEMO_FEE_BPS = 10
DEMO_BOND = 1_000 * TOKEN
CHALLENGE_WINDOW_S = 3_600
TRADING_BIT = 5
EMPTY: dict[str, Any] = {"products": [], "orders": []}
PRODUCTS = [f"p{k:02d}/eu" for k in range(12)]
WHO = ("alice", "bob", "carol")
CLOSE = 10**9  # 10^-9 of a token: the solver's floats are ~10^-12 off the hand values


def domain(market: Market) -> Domain:
    return Domain(int(market.w3.eth.chain_id), market.deployment.addresses["ClearingLedger"])


def random_order(rng: random.Random, participant: str, hour: int) -> OrderMessage:
    pool = rng.sample(PRODUCTS, 6)
    portfolios = []
    for k in range(rng.randint(1, 3)):
        names = pool[2 * k : 2 * k + rng.randint(1, 2)]
        weights = {n: rng.choice([1.0, -1.0, 0.5, 2.25, -0.125]) for n in names}
        name = rng.choice(["east", "west", "north", "a.1", "b-2", "z_z"]) + str(k)
        portfolios.append(NamedPortfolio(name, rng.choice([1.0, 0.5, 2.0, -1.0]), weights))
    points = rng.randint(1, 5)
    quantities = sorted(rng.sample(range(-4000, 4001), points))
    if quantities[0] > 0 or quantities[-1] < 0:
        quantities[0 if quantities[0] > 0 else -1] = 0
        quantities.sort()
    prices = sorted((rng.randint(-2000, 9000) for _ in range(points)), reverse=True)
    curve = tuple((q / 1000, p / 1000) for q, p in zip(quantities, prices, strict=True))
    start = hour - rng.randint(0, 30)
    return OrderMessage(participant, rng.randint(0, 2**64), start, hour + 5, {}, curve,
                        portfolios=tuple(portfolios))  # fmt: skip


def forgeries(
    rng: random.Random, fill: PortfolioFillTerms, thief_key: str, hour: int, separator: bytes
) -> list[PortfolioFillTerms]:
    """Two of the fills no signature of their participant backs."""
    sig = fill.signature
    s = int.from_bytes(sig[32:64], "big")
    high_s = sig[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - sig[64]])
    digest = keccak(b"\x19\x01" + separator + fill.struct_hash)
    v, r, s2 = PrivateKey(bytes.fromhex(thief_key[2:])).sign_msg_hash(digest).vrs
    stolen = r.to_bytes(32, "big") + s2.to_bytes(32, "big") + bytes([v + 27])
    first = fill.portfolios[0]
    heavier = dataclasses.replace(first, weight=first.weight + 1)
    renamed = dataclasses.replace(first, name=first.name + "x")
    out = [
        dataclasses.replace(fill, signature=stolen),  # the oracle key signs for the victim
        dataclasses.replace(fill, curve_prices=(fill.curve_prices[0] + 1, *fill.curve_prices[1:])),
        dataclasses.replace(fill, portfolios=(heavier, *fill.portfolios[1:])),
        dataclasses.replace(fill, portfolios=(renamed, *fill.portfolios[1:])),
        dataclasses.replace(fill, from_hour=hour + 1, until_hour=hour + 9),
        dataclasses.replace(fill, signature=high_s),
        dataclasses.replace(fill, signature=sig[:64] + bytes([sig[64] + 2])),
        dataclasses.replace(fill, signature=sig[:64]),
        dataclasses.replace(fill, signature=bytes(65)),
        dataclasses.replace(fill, nonce=fill.nonce + 1),
    ]
    if len(fill.portfolios) > 1:  # the portfolios in another order than signed
        out.append(dataclasses.replace(fill, portfolios=fill.portfolios[::-1]))
    return [rng.choice(out), rng.choice(out)]


def test_contract_and_python_agree_on_signed_and_forged_portfolio_fills(market: Market) -> None:
    rng = random.Random(2027)
    ledger = market.deployment.addresses["ClearingLedger"]
    d = domain(market)
    separator = domain_separator("flowmarket", "1", d.chain_id, ledger)
    market.advance(3600)
    hour = int(market.view("ClearingLedger", "nextHour"))
    orders: list[dict[str, Any]] = []
    messages: dict[str, OrderMessage] = {}
    while len(orders) < 120:
        who = rng.choice(WHO)
        m = random_order(rng, market.address(who), hour)
        order, _ = signed_portfolio_order(d, market.keys[who], m)
        orders.append(order)
        messages[order["id"]] = m
    result: Any = {
        "orders": {o["id"]: {"quantity": rng.randint(-3, 3) / 4} for o in orders},
        "portfolios": {
            named: {"quantity": rng.randint(-3, 3) / 8, "price": 1.0}
            for o in orders
            for named in o["portfolios"]
        },
    }
    honest = portfolio_fill_terms(result, orders)
    assert len(honest) == len(orders)
    for order_id, fill in honest.items():  # the twin's digest is the wallet's
        digest = "0x" + keccak(b"\x19\x01" + separator + fill.struct_hash).hex()
        assert digest == reference_digest(d, messages[order_id]) == order_id
    forged = [
        dataclasses.replace(f, order_id=f"{f.order_id}-forged-{k}")
        for i, fill in enumerate(honest.values())
        if i % 2 == 0
        for k, f in enumerate(forgeries(rng, fill, market.keys["oracle"], hour, separator))
    ]
    fills = [*honest.values(), *forged]
    tree = MerkleTree.from_leaves([f.leaf for f in fills])
    market.send("oracle", "ClearingLedger", "commitHour", hour,
                (tree.root, *commitment(hour)[1:]))  # fmt: skip

    outcomes: dict[bool, int] = {True: 0, False: 0}
    for fill in fills:
        expected = not is_portfolio_signed_by(separator, hour, fill)
        args = fill.as_tuple(tree.proof(fill.leaf))
        assert market.view("ClearingLedger", "isPortfolioFillUnsigned", hour, args) == expected
        outcomes[expected] += 1
    assert outcomes == {False: len(honest), True: len(forged)}
    # Evidence that is not committed proves nothing, forged or not.
    fill = forged[0]
    moved = dataclasses.replace(fill, quantity=fill.quantity + 1).as_tuple(tree.proof(fill.leaf))
    assert not market.view("ClearingLedger", "isPortfolioFillUnsigned", hour, moved)


def book(market: Market, hour: int, *, alice_key: str) -> dict[str, Any]:
    """Week 1's trading hour (module docstring): alice's portfolio order signed with
    `alice_key`, bob's and carol's sells signed by them."""
    d = domain(market)
    east = NamedPortfolio("east", 1.0, {"east": 1.0})
    west = NamedPortfolio("west", 1.0, {"west": 1.0})
    together = OrderMessage(market.address("alice"), hour, hour, hour, {},
                            ((0.0, 5.0), (1.0, 5.0)), portfolios=(east, west))  # fmt: skip
    alice, named = signed_portfolio_order(d, alice_key, together)
    sells_east = message(market.address("bob"), {"east": 1.0}, [[-2, 5], [0, 1]],
                         nonce=hour, hours=(hour, hour))  # fmt: skip
    sells_west = message(market.address("carol"), {"west": 1.0}, [[-2, 6], [0, 2]],
                         nonce=hour, hours=(hour, hour))  # fmt: skip
    return {
        "products": ["east", "west"],
        "portfolios": named,
        "orders": [
            alice,
            signed_order(d, market.keys["bob"], sells_east),
            signed_order(d, market.keys["carol"], sells_west),
        ],
    }


def commit_week_one(market: Market, state: Path, *, alice_key: str) -> HourBundle:
    """Clear, commit and publish every hour of week 1; returns the trading hour's bundle."""
    market.advance(HOURS_PER_WEEK * 3600)
    first = market.deployment.genesis_hour + HOURS_PER_WEEK
    trading = None
    for hour in range(first, first + HOURS_PER_WEEK):
        orders = book(market, hour, alice_key=alice_key) if hour == first + TRADING_BIT else EMPTY
        result = clear_document(orders, {"prices": {}})
        bundle = build_hour_bundle(result, hour=hour, fee_bps=DEMO_FEE_BPS,
                                   orders=orders["orders"])  # fmt: skip
        market.send("oracle", "ClearingLedger", "commitHour", hour, bundle.commitment.as_tuple())
        write_order_set(state, hour, orders, {})  # type: ignore[arg-type]
        publication = Publication(hour, DEMO_FEE_BPS, result, bundle.commitment.to_json(), "0x", 0)
        write_publication(state, publication)
        if orders["orders"]:
            trading = bundle
    assert trading is not None
    return trading


def hand_checked(market: Market, bundle: HourBundle) -> dict[str, int]:
    """The trading hour's net cash, checked against the hand values (module docstring)."""
    alice, bob, carol = (market.address(w) for w in WHO)
    hand = {
        alice: -2_500 * 10**15 - 2_500 * 10**12,
        bob: 1_875 * 10**15 - 1_875 * 10**12,
        carol: 625 * 10**15 - 625 * 10**12,
    }
    net = bundle.amounts.net_cash
    assert all(abs(net[who] - hand[who]) < CLOSE for who in hand), net
    (fill,) = bundle.portfolio_fills.values()
    assert fill.participant == alice and fill.quantity == 10**18
    # east 3/4 and west 1/4 GB/h, the portfolios in signed order (by name)
    assert [p.name for p in fill.portfolios] == ["east", "west"]
    expected_rates = (75 * 10**16, 25 * 10**16)
    assert all(abs(r - w) < CLOSE for r, w in zip(fill.rates, expected_rates, strict=True))
    return {who: net[who] for who in hand}


def challenge(cli: Any, hour: int) -> subprocess.CompletedProcess[str]:
    return cli("challenge", "--hour", str(hour), "--files", str(cli.state), "--wallet",  # type: ignore[no-any-return]
               "dave", "--password-file", "password", "--yes")  # fmt: skip


def test_an_invented_portfolio_order_is_flagged_and_challenged_from_the_cli(
    market: Market, cli: Any
) -> None:
    state: Path = cli.state
    alice = market.address("alice")
    market.send("timelock", "MarketParameters", "setChallengeWindow", CHALLENGE_WINDOW_S)
    bundle = commit_week_one(market, state, alice_key=market.keys["oracle"])
    hour = bundle.hour
    net = hand_checked(market, bundle)
    (invented,) = bundle.portfolio_fills.values()
    week = settlement_week(1, sorted(net.items()), bundle.amounts.total_fees,
                           dict.fromkeys(net, 1 << TRADING_BIT))  # fmt: skip
    post_root(market, week)
    write_week_publication(state, week)
    settlement = market.deployment.addresses["WeeklySettlement"]
    market.send("alice", "CapacityToken", "approve", settlement, 10**30)  # pulls allowed

    verified = cli("verify", "--hour", str(hour), "--files", str(state))
    assert verified.returncode == 1, verified.stdout + verified.stderr
    out = verified.stdout
    assert "MISMATCH orders root" not in out and "MISMATCH entries root" not in out
    assert (
        f"fill of portfolio order {invented.order_id} by {alice}: +1 GB/h on an order {alice} "
        "did not sign (provable: challengeBalance)" in out
    ), out
    assert "challengeUnsignedFill" not in out  # bob and carol signed theirs

    challenge_voids_the_hour(market, cli, hour, "challengeBalance", week.item(alice).as_tuple())


def test_an_honest_portfolio_fill_cannot_be_challenged(market: Market, cli: Any) -> None:
    state: Path = cli.state
    bundle = commit_week_one(market, state, alice_key=market.keys["alice"])
    hour = bundle.hour
    hand_checked(market, bundle)
    claimed = PublicationFiles(state).claimed_bundle(hour)
    assert claimed is not None and claimed.commitment == bundle.commitment
    (fill,) = bundle.portfolio_fills.values()
    ledger = market.contract("ClearingLedger")
    proven = fill.as_tuple(bundle.orders_tree.proof(fill.leaf))
    assert not market.view("ClearingLedger", "isPortfolioFillUnsigned", hour, proven)
    check = ledger.encode_abi("isPortfolioFillUnsigned", args=[hour, proven])
    with market.reverts("SettlementNotAFault"):
        market.send("dave", "WeeklySettlement", "challengeBalance", hour,
                    bytes.fromhex(check.removeprefix("0x")))  # fmt: skip
    assert market.view("OracleBond", "bonded") == DEMO_BOND
    refused = challenge(cli, hour)
    assert refused.returncode != 0
    assert f"hour {hour}: OK (3 entries re-cleared)" in refused.stdout, refused.stdout
