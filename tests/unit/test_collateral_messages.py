"""`collateral.classify` at its boundaries and the message the participant page shows
(market.md §6): below when collateral is under the requirement, warning while the
excess is below `warning_buffer_bps` of the requirement (rounded down to the wei), ok
otherwise, restricted after a seizure whatever the collateral. Amounts in wei."""

from __future__ import annotations

from flowmarket.collateral import CollateralParams, CollateralState, classify

TOKEN = 10**18


def state(
    collateral: int, requirement: int, buffer_bps: int, *, restricted: bool = False
) -> CollateralState:
    return classify(
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        collateral=collateral,
        required=requirement,
        params=CollateralParams(1_000, 2_000, buffer_bps),
        restricted=restricted,
    )


def status(collateral: int, requirement: int, buffer_bps: int) -> str:
    return state(collateral, requirement, buffer_bps).state


def test_zero_requirement_is_ok_with_or_without_collateral() -> None:
    assert status(0, 0, 2_000) == "ok"
    assert state(0, 0, 2_000).message == "collateral covers the requirement and the warning buffer"
    assert status(5 * TOKEN, 0, 2_000) == "ok"
    assert status(0, 0, 10_000) == "ok"


def test_excess_exactly_at_the_warning_trigger_is_ok_and_one_wei_less_warns() -> None:
    # requirement 100 tokens, buffer 20 %: the trigger is 20 tokens of excess.
    assert status(120 * TOKEN, 100 * TOKEN, 2_000) == "ok"
    assert status(120 * TOKEN - 1, 100 * TOKEN, 2_000) == "warning"


def test_collateral_exactly_at_the_requirement_warns_and_one_wei_less_is_below() -> None:
    assert status(100 * TOKEN, 100 * TOKEN, 2_000) == "warning"
    assert status(100 * TOKEN - 1, 100 * TOKEN, 2_000) == "below"


def test_without_a_buffer_collateral_equal_to_the_requirement_is_ok() -> None:
    assert status(100 * TOKEN, 100 * TOKEN, 0) == "ok"
    assert status(100 * TOKEN - 1, 100 * TOKEN, 0) == "below"


def test_the_trigger_is_rounded_down_to_the_wei() -> None:
    # requirement 3 wei at 50 %: trigger floor(1.5) = 1 wei of excess.
    assert status(4, 3, 5_000) == "ok"
    assert status(3, 3, 5_000) == "warning"
    # requirement 1 wei at 99.99 %: trigger 0, so no excess is needed.
    assert status(1, 1, 9_999) == "ok"


def test_a_restricted_participant_is_restricted_whatever_its_collateral() -> None:
    restricted = state(10**9 * TOKEN, 0, 2_000, restricted=True)
    assert restricted.state == "restricted" and restricted.must_cut
    assert restricted.message.startswith("restricted after collateral was seized")
    assert not state(10**9 * TOKEN, 0, 2_000).must_cut


def test_warning_message_names_excess_trigger_and_buffer_in_tokens() -> None:
    # 50 locked, 45 required, 20 %: excess 5 is below the trigger of 9.
    assert state(50 * TOKEN, 45 * TOKEN, 2_000).message == (
        "excess collateral 5 tokens is below the warning trigger 9 (20 % of the "
        "requirement): deposit more"
    )
    # 8 locked, 8 required, 12.5 %: no excess against a trigger of 1.
    assert state(8 * TOKEN, 8 * TOKEN, 1_250).message == (
        "excess collateral 0 tokens is below the warning trigger 1 (12.5 % of the "
        "requirement): deposit more"
    )


def test_below_message_names_the_shortfall_in_tokens() -> None:
    below = state(50 * TOKEN, 60 * TOKEN, 2_000)
    assert below.state == "below" and below.must_cut
    assert below.message == (
        "collateral is 10 tokens below the requirement: orders that move you to a less "
        "balanced position will be cut before clearing"
    )
    assert "collateral is 2.5 tokens below" in state(0, 5 * TOKEN // 2, 0).message
