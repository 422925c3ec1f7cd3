"""`governance_view.collateral_status`: the participant page's collateral notice (market.md
§6): deficit below the requirement, warning while the excess is below `buffer_bps` of
the requirement (rounded down to the wei), ok otherwise. Amounts in wei."""

from __future__ import annotations

import pytest

from flowmarket.backend.governance_view import collateral_status
from flowmarket.oracle.collateral import CollateralParams, classify

TOKEN = 10**18


def status(collateral: int, requirement: int, buffer_bps: int) -> str:
    return collateral_status(collateral, requirement, buffer_bps)[0]


def test_zero_requirement_is_ok_with_or_without_collateral() -> None:
    assert collateral_status(0, 0, 2_000) == (
        "ok",
        "collateral covers the requirement and the warning buffer",
    )
    assert status(5 * TOKEN, 0, 2_000) == "ok"
    assert status(0, 0, 10_000) == "ok"


def test_excess_exactly_at_the_warning_trigger_is_ok_and_one_wei_less_warns() -> None:
    # requirement 100 tokens, buffer 20 %: the trigger is 20 tokens of excess.
    assert status(120 * TOKEN, 100 * TOKEN, 2_000) == "ok"
    assert status(120 * TOKEN - 1, 100 * TOKEN, 2_000) == "warning"


def test_collateral_exactly_at_the_requirement_warns_and_one_wei_less_is_a_deficit() -> None:
    assert status(100 * TOKEN, 100 * TOKEN, 2_000) == "warning"
    assert status(100 * TOKEN - 1, 100 * TOKEN, 2_000) == "deficit"


def test_without_a_buffer_collateral_equal_to_the_requirement_is_ok() -> None:
    assert status(100 * TOKEN, 100 * TOKEN, 0) == "ok"
    assert status(100 * TOKEN - 1, 100 * TOKEN, 0) == "deficit"


def test_the_trigger_is_rounded_down_to_the_wei() -> None:
    # requirement 3 wei at 50 %: trigger floor(1.5) = 1 wei of excess.
    assert status(4, 3, 5_000) == "ok"
    assert status(3, 3, 5_000) == "warning"
    # requirement 1 wei at 99.99 %: trigger 0, so no excess is needed.
    assert status(1, 1, 9_999) == "ok"


def test_warning_message_names_excess_trigger_and_buffer_in_tokens() -> None:
    # 50 locked, 45 required, 20 %: excess 5 is below the trigger of 9.
    assert collateral_status(50 * TOKEN, 45 * TOKEN, 2_000) == (
        "warning",
        "excess collateral 5 tokens is below the warning trigger 9 (20 % of the "
        "requirement): deposit more",
    )
    # 8 locked, 8 required, 12.5 %: no excess against a trigger of 1.
    assert collateral_status(8 * TOKEN, 8 * TOKEN, 1_250)[1] == (
        "excess collateral 0 tokens is below the warning trigger 1 (12.5 % of the "
        "requirement): deposit more"
    )


def test_deficit_message_names_the_shortfall_in_tokens() -> None:
    assert collateral_status(50 * TOKEN, 60 * TOKEN, 2_000) == (
        "deficit",
        "collateral is 10 tokens below the requirement: orders that move you to a less "
        "balanced position will be cut before clearing",
    )
    assert "collateral is 2.5 tokens below" in collateral_status(0, 5 * TOKEN // 2, 0)[1]


@pytest.mark.parametrize("buffer_bps", [0, 1, 2_000, 10_000])
@pytest.mark.parametrize("requirement", [0, 1, 3, 45 * TOKEN, 2**200])
@pytest.mark.parametrize("offset", [-2, -1, 0, 1, 2])
def test_the_page_flags_exactly_the_participants_the_oracle_classifies(
    buffer_bps: int, requirement: int, offset: int
) -> None:
    # The oracle's rule (oracle.collateral.classify): below ↔ deficit.
    params = CollateralParams(0, 0, buffer_bps)
    trigger = requirement * buffer_bps // 10_000
    for collateral in {requirement + offset, requirement + trigger + offset}:
        if collateral < 0:
            continue
        oracle = classify(
            "p", collateral=collateral, required=requirement, params=params, restricted=False
        )
        expected = {"below": "deficit", "warning": "warning", "ok": "ok"}[oracle.state]
        assert status(collateral, requirement, buffer_bps) == expected
