"""MarketLens: every participant's collateral, restriction and nonce floor in one call per
page, equal to the three per-participant reads at the same pinned block.

The states are set by hand: alice deposits 150 tokens, defaults on week 0 and has 100
seized (50 left, restricted); bob deposits 70 tokens; dave raises his nonce floor to 7;
carol and a fresh address have nothing. Expected values follow from those amounts, not
from either reader.
"""

from __future__ import annotations

import pytest
from market_harness import TOKEN, Market
from settlement_harness import build_week, deposit_collateral, execute, post_root
from web3.exceptions import ContractLogicError

from flowmarket.chain.errors import ErrorDecoder, revert_data
from flowmarket.chain.participant_states import (
    LENS_PAGE,
    ParticipantChainState,
    read_one_by_one,
    read_through_lens,
)
from flowmarket.errors import InvalidInput

CHALLENGE_WINDOW_S = 120  # the demo profile's
GRACE_S = 24 * 3600
STRANGER = "0x00000000000000000000000000000000000000AA"


def set_states(market: Market) -> None:
    week = build_week(market, {"alice": -100 * TOKEN, "bob": 100 * TOKEN - TOKEN}, TOKEN)
    post_root(market, week)
    market.advance(CHALLENGE_WINDOW_S)
    deposit_collateral(market, "alice", 150 * TOKEN)
    execute(market, week, "alice")  # no allowance: the pull fails, the grace period starts
    market.advance(GRACE_S)
    market.send("dave", "WeeklySettlement", "seize", 0, market.address("alice"))
    deposit_collateral(market, "bob", 70 * TOKEN)
    market.send("dave", "OrderRegistry", "invalidateOrders", 7)


def both_readers(
    market: Market, participants: list[str], block: int, page: int = LENS_PAGE
) -> tuple[dict[str, ParticipantChainState], dict[str, ParticipantChainState]]:
    lens = read_through_lens(
        market.w3, market.contract("MarketLens"), participants, block=block, page=page
    )
    each = read_one_by_one(
        market.w3,
        market.contract("CollateralVault"),
        market.contract("WeeklySettlement"),
        market.contract("OrderRegistry"),
        participants,
        block=block,
    )
    return lens, each


def test_lens_equals_the_per_participant_reads_at_a_pinned_block(market: Market) -> None:
    set_states(market)
    names = ("alice", "bob", "carol", "dave")
    people = [market.address(n) for n in names] + [STRANGER]
    block = market.w3.eth.block_number
    expected = {
        market.address("alice"): ParticipantChainState(50 * TOKEN, True, 0),
        market.address("bob"): ParticipantChainState(70 * TOKEN, False, 0),
        market.address("carol"): ParticipantChainState(0, False, 0),
        market.address("dave"): ParticipantChainState(0, False, 7),
        STRANGER: ParticipantChainState(0, False, 0),
    }
    for page in (1, 2, 3, LENS_PAGE):
        lens, each = both_readers(market, people, block, page)
        assert lens == each == expected
        assert list(lens) == people

    # Blocks mined after the pin change nothing read at it.
    deposit_collateral(market, "carol", 5 * TOKEN)
    market.send("carol", "OrderRegistry", "invalidateOrders", 3)
    lens, each = both_readers(market, people, block)
    assert lens == each == expected
    later, later_each = both_readers(market, people, market.w3.eth.block_number)
    assert later == later_each
    assert later[market.address("carol")] == ParticipantChainState(5 * TOKEN, False, 3)


def test_pages_beyond_one_call_and_duplicates(market: Market) -> None:
    deposit_collateral(market, "bob", 70 * TOKEN)
    bob = market.address("bob")
    people = [f"0x{k:040x}" for k in range(1, 2 * LENS_PAGE + 3)]
    people = [market.w3.to_checksum_address(p) for p in people]
    people[LENS_PAGE + 1] = bob
    block = market.w3.eth.block_number
    lens, each = both_readers(market, people, block)
    assert lens == each
    assert len(lens) == len(people)
    assert lens[bob] == ParticipantChainState(70 * TOKEN, False, 0)
    assert sum(s.collateral for s in lens.values()) == 70 * TOKEN
    # The contract itself answers a page with the same participant twice, in order.
    rows = market.view("MarketLens", "participantStates", [bob, STRANGER, bob])
    assert [tuple(r) for r in rows] == [
        (70 * TOKEN, False, 0),
        (0, False, 0),
        (70 * TOKEN, False, 0),
    ]
    assert both_readers(market, [], block) == ({}, {})


def test_page_bound_and_wiring(market: Market) -> None:
    assert market.view("MarketLens", "MAX_PAGE") == LENS_PAGE
    addresses = market.deployment.addresses
    assert tuple(market.view("MarketLens", "sources")) == (
        addresses["CollateralVault"],
        addresses["WeeklySettlement"],
        addresses["OrderRegistry"],
    )
    too_many = [STRANGER] * (LENS_PAGE + 1)
    with pytest.raises(ContractLogicError) as caught:
        market.view("MarketLens", "participantStates", too_many)
    decoded = ErrorDecoder(market.artifacts.values()).decode(revert_data(caught.value))
    assert decoded is not None
    assert (decoded.name, decoded.args) == (
        "LensPageTooLarge",
        {"size": LENS_PAGE + 1, "maxPage": LENS_PAGE},
    )
    with pytest.raises(InvalidInput, match="page: must be between 1 and 500"):
        read_through_lens(market.w3, market.contract("MarketLens"), [STRANGER], block=0, page=501)
    # A full page of distinct participants stays far below the 30 M gas nodes allow a call.
    full = [market.w3.to_checksum_address(f"0x{k:040x}") for k in range(1, LENS_PAGE + 1)]
    gas = market.contract("MarketLens").functions.participantStates(full).estimate_gas()
    assert gas < 10_000_000
