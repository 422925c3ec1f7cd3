"""An annual forward through the roll, exact to the wei (issue 21).

Alice buys an annual forward for midnight on the weekend days of 2028 in December 2026
(the first hour it can be hedged); in January 2027 the monthly forward of January 2028
is listed next to it and she buys more; on 31 December 2027 the hourly forward of
2028-01-01T00 (a Saturday) is listed next to both and she sells some of it back; at
delivery she buys a little real time. Each hour is cleared by the oracle's own solve
step on a real database (tests/realtime_steps.py: snapshot journaled, real engine,
real money rule, real delivery rules; fee 30 bps), and the catalogue's listing says
which products exist at each hour.

By hand, at the linear crossings (price top/2, quantity width/2):

    hour            product                 alice    price
    2026-12-15T09   fwd-y 2028 00 we        +2       500
    2027-01-15T09   fwd-m 2028-01 00 we     +1        50
    2027-12-31T01   fwd-h 2028-01-01T00     −0.5       5  (bob buys)
    2028-01-01T00   rt 2028-01-01T00        +0.25      4

so she holds 2 + 1 − 0.5 + 0.25 = 2.75 GB at delivery; metered 3 GB, she pays the
0.25 GB over at 4 + 1 (the premium) = 1.25 tokens in the clearing of the hour two
hours later, while bob, metered nothing, sells his 0.5 GB back at 4 (2 tokens) and the
operator's balancing account takes −0.75. Every amount is checked to the wei against
what the hours committed (prices rounded to the wei, each product's trades summing to
0): cash and fees by money rules 3 and 4, the exposure as the exact sum of her
committed trades in the four products, the imbalance by rule 7, and the positions
that stay live (the annual and the monthly forward) as the exact sums of their
trades. Before positions were kept in wei, the exposure read from the float
positions was 3.75e-6 GB off.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from flowmarket.catalogue import format_hour, parse_hour, parse_spec
from flowmarket.catalogue.listing import product_names
from flowmarket.db import oracle_repo, usage_repo
from flowmarket.db.engine import make_engine, upgrade
from flowmarket.db.models import Position
from flowmarket.db.usage_repo import UsageBatch
from flowmarket.money import WAD
from flowmarket.oracle.hour_commitment import build_hour_bundle
from flowmarket.oracle.journal import require
from realtime_steps import ALICE, BOB, OPERATOR, RULES, clear

SPEC = parse_spec(
    {
        "format": "flowmarket-catalogue/1",
        "name": "roll",
        "regions": ["eu"],
        "types": ["premium"],
        "horizons": {"hourly_days": 1, "monthly_months": 12, "annual_years": 5},
    }
)
ANNUAL = "fwd-y:eu:premium:2028:00:we"
MONTHLY = "fwd-m:eu:premium:2028-01:00:we"
HOURLY = "fwd-h:eu:premium:2028-01-01T00"
REALTIME = "rt:eu:premium:2028-01-01T00"
BUY_YEAR = parse_hour("2026-12-15T09")
BUY_MONTH = parse_hour("2027-01-15T09")
SELL_HOUR = parse_hour("2027-12-31T01")
DELIVERY = parse_hour("2028-01-01T00")
SETTLING = DELIVERY + RULES.lag
FEE_BPS = 30  # realtime_steps.clear journals every hour with this fee
TOLERANCE = WAD // 10**6  # the solver's floats against the hand-worked crossing


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'roll.sqlite'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def pair(product: str, buyer: str, seller: str, *, top: float, width: float) -> list[object]:
    """buyer q = width·(1 − p/top), seller q = width·p/top: price top/2, quantity width/2."""
    return [
        {"id": f"{product}-buy", "participant": buyer, "portfolio": {product: 1.0},
         "curve": [[0.0, top], [width, 0.0]]},
        {"id": f"{product}-sell", "participant": seller, "portfolio": {product: 1.0},
         "curve": [[-width, top], [0.0, 0.0]]},
    ]  # fmt: skip


def listed(hour: int) -> set[str]:
    return set(product_names(SPEC, hour)) & {ANNUAL, MONTHLY, HOURLY, REALTIME}


def expected_amounts(price: int, trade: int, counterpart: str) -> tuple[int, int]:
    """Alice's (net cash, fee) in wei for a two-party hour, by money rules 3 and 4:
    gross −price·trade/10^18 floored, the wei the two floors lose to the larger
    remainder (ties by id), fee floor(floor(|value|) · bps / 10 000)."""
    exact = -price * trade  # 10^-36 units; the counterpart's is its negative
    mine, other = exact // WAD, (-exact) // WAD
    lost = -(mine + other)
    if lost:  # one wei, to the larger remainder
        mine_rest, other_rest = exact - mine * WAD, -exact - other * WAD
        if (mine_rest, ALICE.lower() < counterpart.lower()) > (other_rest, False):
            mine += 1
    value = abs(price * trade) // WAD
    fee = value * FEE_BPS // 10_000
    return mine - fee, fee


def committed(engine: Engine, hour: int) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """(prices, trades) in wei as hour `hour` committed them (its bundle, rebuilt from
    the journaled RESULT)."""
    with Session(engine) as session:
        result = require(session, hour).result_doc
    amounts = build_hour_bundle(result, hour=hour, fee_bps=FEE_BPS).amounts
    return amounts.prices, amounts.trades


def test_an_annual_forward_rolls_into_real_time_exact_to_the_wei(engine: Engine) -> None:
    # December 2026: the annual forward of 2028 is listed, nothing finer of its hours.
    assert listed(BUY_YEAR) == {ANNUAL}
    clear(engine, BUY_YEAR, pair(ANNUAL, ALICE, OPERATOR, top=1000.0, width=4.0))
    # January 2027: January 2028's monthly forward is listed next to it.
    assert listed(BUY_MONTH) == {ANNUAL, MONTHLY}
    clear(engine, BUY_MONTH, pair(MONTHLY, ALICE, OPERATOR, top=100.0, width=2.0))
    # 31 December 2027, 01:00: the hour itself is listed next to its month and year.
    assert listed(SELL_HOUR) == {ANNUAL, MONTHLY, HOURLY}
    clear(engine, SELL_HOUR, pair(HOURLY, BOB, ALICE, top=10.0, width=1.0))
    # Delivery: only real time is listed; the forwards still count towards the hour.
    assert listed(DELIVERY) == {REALTIME}
    clear(engine, DELIVERY, pair(REALTIME, ALICE, OPERATOR, top=8.0, width=0.5))

    hand = {BUY_YEAR: (ANNUAL, 500, 2.0, OPERATOR), BUY_MONTH: (MONTHLY, 50, 1.0, OPERATOR),
            SELL_HOUR: (HOURLY, 5, -0.5, BOB), DELIVERY: (REALTIME, 4, 0.25, OPERATOR)}  # fmt: skip
    trades: dict[str, int] = {}
    with Session(engine) as session:
        stored = oracle_repo.participant_amounts(session, participant=ALICE)
    for hour, (product, price, quantity, counterpart) in hand.items():
        prices, book = committed(engine, hour)
        p, t = prices[product], book[ALICE][product]
        assert p == pytest.approx(price * WAD, abs=TOLERANCE * price)
        assert t == pytest.approx(quantity * WAD, abs=TOLERANCE)
        assert t + book[counterpart][product] == 0  # the product's trades sum to 0
        assert stored[hour] == expected_amounts(p, t, counterpart), format_hour(hour)
        trades[product] = t

    # Her real-time exposure at delivery is the exact sum of the four committed trades.
    exposure = trades[ANNUAL] + trades[MONTHLY] + trades[HOURLY] + trades[REALTIME]
    assert exposure == pytest.approx(2.75 * WAD, abs=4 * TOLERANCE)
    with Session(engine) as session:
        held = usage_repo.delivery_positions(session, hour=DELIVERY)
    assert held[REALTIME][ALICE] == exposure

    # Metered 3 GB: the 0.25 GB over is bought at the real-time price plus the premium
    # in the clearing two hours later (rule 7: floored; the operator takes the rest).
    batch = UsageBatch(DELIVERY, ((REALTIME, ALICE, 3 * WAD),), "0x" + "a" * 64, OPERATOR,
                       "0x" + "11" * 65)  # fmt: skip
    with Session(engine, expire_on_commit=False) as session:
        usage_repo.store_usage(session, batch, lag=RULES.lag, reported_at=1.0)
    clear(engine, SETTLING, pair(f"rt:eu:premium:{format_hour(SETTLING)}", BOB, OPERATOR,
                                 top=10.0, width=10.0))  # fmt: skip
    rt_price = committed(engine, DELIVERY)[0][REALTIME]
    over = 3 * WAD - exposure
    imbalance = -(rt_price * over + RULES.premium * max(over, 0)) // WAD
    assert imbalance == pytest.approx(-1.25 * WAD, abs=10 * TOLERANCE)
    with Session(engine) as session:
        result = require(session, SETTLING).result_doc
        settling = oracle_repo.participant_amounts(session, participant=ALICE)[SETTLING]
        live = {
            row.product: row
            for row in session.exec(select(Position).where(Position.participant == ALICE))
        }
    # Bob's 0.5 GB hourly forward went unused: sold back at the real-time price (4 × 0.5).
    bob = -(rt_price * (0 - (-trades[HOURLY]))) // WAD
    assert bob == pytest.approx(2 * WAD, abs=10 * TOLERANCE)
    assert {p: int(v) for p, v in result["imbalance"].items()} == {
        ALICE: imbalance,
        BOB: bob,
        OPERATOR: -(imbalance + bob),  # the balancing account
    }
    assert settling == (imbalance, 0)  # she did not trade that hour: no fee

    # After the roll the hour's own products are gone; the month and the year stay live,
    # each exactly the committed trade (the float column is only for display).
    assert set(live) == {ANNUAL, MONTHLY}
    assert int(live[ANNUAL].wei) == trades[ANNUAL]
    assert int(live[MONTHLY].wei) == trades[MONTHLY]
