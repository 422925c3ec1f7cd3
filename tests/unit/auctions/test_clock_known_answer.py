"""A three-round clock auction whose prices and awards were computed by hand.

Spec (clock_cases): A, B in group eu (supply 10 each, reserve 10), C in group us
(supply 4 from 20, 5 from 21); prices rise 10 % rounded up to the 1-token tick.

Round 1  A [10,11]  B [10,11]  C [20,22]
  X: A 8            Y: A 6, B 4       Z: B 5, C 3       W: C 4, 2 from 21
  end-of-round demand: A 14 > 10 (rises); B 9 ≤ 10, D(10)=9 ≤ 10 → posted 10;
  C 5 ≤ S(22)=5, D(20)=7 > 4, D(21)=5 ≤ 5 → posted 21.
Round 2  A [11,13]  B [10,10]  C [21,21]
  eligibility (eu): X 8, Y 6+4=10, Z 5
  X switches: A 4 (2 from 12), B 4            → eu activity 8 ≤ 8
  Y first asks A 6 + B 6 = 12 > 10: refused (activity rule), then A 6 (3 from 13), B 4
  Z: B 5, C 3     W: C 2
  A: D(13)=5 ≤ 10, D(11)=10 ≤ 10 → posted 11; B: D(10)=13 > 10 (rises); C posted 21.
Round 3  A [11,11]  B [10,11]  C [21,21]
  X: A 4, B 4     Y: A 6, B 4 then 0 from 11     Z: B 5, C 3     W: C 2
  A 10 ≤ 10 → 11; B D(11)=9 ≤ 10, D(10)=13 → posted 11; C → 21. No excess: final.
Awards at A 11, B 11, C 21: B's demand at 11 is 9, one unit left: Y, the only bidder
whose demand drops at 11 (4 → 0), gets it (rationed). X: A4 B4 = 88; Y: A6 B1 = 77;
Z: B5 C3 = 55 + 63 = 118; W: C2 = 42.
"""

from __future__ import annotations

import pytest
from clock_cases import WAD, W, X, Y, Z, bid, small_spec

from flowmarket.auctions.clock_bids import allowed_for, check_bid, eligibility
from flowmarket.auctions.clock_run import run_clock
from flowmarket.errors import FieldError

ROUND_1 = [
    bid(X, 1, {"A": [(10, 8)]}),
    bid(Y, 1, {"A": [(10, 6)], "B": [(10, 4)]}),
    bid(Z, 1, {"B": [(10, 5)], "C": [(20, 3)]}),
    bid(W, 1, {"C": [(20, 4), (21, 2)]}),
]
Y_TOO_MUCH = bid(Y, 2, {"A": [(11, 6)], "B": [(10, 6)]})
ROUND_2 = [
    bid(X, 2, {"A": [(11, 4), (12, 2)], "B": [(10, 4)]}),
    bid(Y, 2, {"A": [(11, 6), (13, 3)], "B": [(10, 4)]}, revision=1),
    bid(Z, 2, {"B": [(10, 5)], "C": [(21, 3)]}),
    bid(W, 2, {"C": [(21, 2)]}),
]
ROUND_3 = [
    bid(X, 3, {"A": [(11, 4)], "B": [(10, 4)]}),
    bid(Y, 3, {"A": [(11, 6)], "B": [(10, 4), (11, 0)]}),
    bid(Z, 3, {"B": [(10, 5)], "C": [(21, 3)]}),
    bid(W, 3, {"C": [(21, 2)]}),
]


def _digest(b: object) -> bytes:
    return bytes(32)


def tokens(values: dict[str, int]) -> dict[str, float]:
    return {k: v / WAD for k, v in values.items()}


def test_three_rounds_with_switching_end_at_the_hand_computed_prices_and_awards() -> None:
    spec = small_spec()
    run = run_clock(spec, [ROUND_1, ROUND_2, ROUND_3], closed=3, digest=_digest)
    intervals = [(tokens(o.state.start), tokens(o.state.end)) for o in run.outcomes]
    assert intervals == [
        ({"A": 10, "B": 10, "C": 20}, {"A": 11, "B": 11, "C": 22}),
        ({"A": 11, "B": 10, "C": 21}, {"A": 13, "B": 10, "C": 21}),
        ({"A": 11, "B": 10, "C": 21}, {"A": 11, "B": 11, "C": 21}),
    ]
    disclosed = [{p.product: p.demand_at_end // WAD for p in o.products} for o in run.outcomes]
    assert disclosed == [
        {"A": 14, "B": 9, "C": 5},
        {"A": 5, "B": 13, "C": 5},
        {"A": 10, "B": 9, "C": 5},
    ]
    assert [[p.excess for p in o.products] for o in run.outcomes] == [
        [True, False, False],
        [False, True, False],
        [False, False, False],
    ]
    assert [o.final for o in run.outcomes] == [False, False, True]
    result = run.result
    assert result is not None
    assert tokens(dict(result.prices)) == {"A": 11, "B": 11, "C": 21}
    awards = {
        a.bidder: ({k: q // WAD for k, q in a.quantities.items()}, a.payment) for a in result.awards
    }
    assert awards == {
        X: ({"A": 4, "B": 4}, 88 * WAD),
        Y: ({"A": 6, "B": 1}, 77 * WAD),
        Z: ({"B": 5, "C": 3}, 118 * WAD),
        W: ({"C": 2}, 42 * WAD),
    }
    assert {k: v // WAD for k, v in result.sold.items()} == {"A": 10, "B": 10, "C": 5}
    assert result.total_payments == 325 * WAD


def test_round_two_refuses_a_group_total_above_eligibility_but_allows_switching() -> None:
    spec = small_spec()
    run = run_clock(spec, [ROUND_1], closed=1, digest=_digest)
    state = run.outcomes[0].next
    assert state is not None
    table = eligibility(spec, state, run.effective[0])
    assert {b: {g: v // WAD for g, v in e.items()} for b, e in table.items() if e} == {
        X: {"eu": 8, "us": 0},
        Y: {"eu": 10, "us": 0},
        Z: {"eu": 5, "us": 3},
        W: {"eu": 0, "us": 2},
    }
    with pytest.raises(FieldError, match="activity rule: group 'eu' demands 12") as caught:
        check_bid(spec, state, Y_TOO_MUCH, allowed_for(state, table, Y))
    assert caught.value.field == "bid.demand"
    check_bid(spec, state, ROUND_2[0], allowed_for(state, table, X))  # X's switch A → B


def test_a_replay_that_includes_the_refused_bid_fails_naming_round_and_bidder() -> None:
    with pytest.raises(FieldError) as caught:
        run_clock(small_spec(), [ROUND_1, [*ROUND_2[:1], Y_TOO_MUCH]], closed=2, digest=_digest)
    assert caught.value.field == f"rounds[2].{Y}.bid.demand"


def test_a_bidder_that_skips_a_round_has_no_eligibility_left() -> None:
    spec = small_spec()
    y_switches = bid(Y, 2, {"A": [(11, 4)], "B": [(10, 6)]})  # B: 6 + 5 > 10, B rises
    run = run_clock(spec, [ROUND_1, [y_switches, *ROUND_2[2:]]], closed=2, digest=_digest)
    state = run.outcomes[1].next
    assert state is not None and state.number == 3
    table = eligibility(spec, state, run.effective[1])
    assert X not in table
    with pytest.raises(FieldError, match="eligibility of 0"):
        check_bid(spec, state, bid(X, 3, {"A": [(11, 1)]}), allowed_for(state, table, X))
