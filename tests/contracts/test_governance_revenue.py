"""Governance (propose → vote → queue → execute), parameters, pausing, and revenue sharing."""

from __future__ import annotations

from typing import Any

from market_harness import TOKEN, Market
from web3.exceptions import ContractLogicError

DEMO_VOTING_PERIOD = 50
DEMO_TIMELOCK_S = 60
DEMO_EPOCH_S = 3600


def mine(market: Market, blocks: int) -> None:
    market.w3.provider.make_request("hardhat_mine", [hex(blocks)])  # type: ignore[arg-type]


def proposal(
    market: Market, description: str, *actions: tuple[str, str, tuple[Any, ...]]
) -> tuple[Any, ...]:
    targets = [market.deployment.addresses[name] for name, _, _ in actions]
    calldatas = [
        market.contract(name).encode_abi(function, args=list(args))
        for name, function, args in actions
    ]
    return targets, [0] * len(actions), calldatas, market.w3.keccak(text=description)


def test_proposal_vote_queue_execute_changes_the_fee_and_grants_a_supplier(market: Market) -> None:
    dave = market.address("dave")
    supplier = market.view("CapacityToken", "SUPPLIER_ROLE")
    description = "Raise the fee to 25 bps; make dave a supplier"
    targets, values, calldatas, description_hash = proposal(
        market,
        description,
        ("MarketParameters", "setFeeBps", (25,)),
        ("CapacityToken", "grantRole", (supplier, dave)),
    )
    market.send("carol", "MarketGovernor", "propose", targets, values, calldatas, description)
    proposal_id = market.view(
        "MarketGovernor", "hashProposal", targets, values, calldatas, description_hash
    )
    with market.reverts("GovernorUnexpectedProposalState"):
        market.send("alice", "MarketGovernor", "castVote", proposal_id, 1)
    mine(market, 2)
    market.send("alice", "MarketGovernor", "castVote", proposal_id, 1)
    market.send("carol", "MarketGovernor", "castVote", proposal_id, 0)
    with market.reverts("GovernorUnexpectedProposalState"):
        market.send(
            "alice", "MarketGovernor", "queue", targets, values, calldatas, description_hash
        )
    mine(market, DEMO_VOTING_PERIOD)
    market.send("alice", "MarketGovernor", "queue", targets, values, calldatas, description_hash)
    with market.reverts("TimelockUnexpectedOperationState"):
        market.send(
            "dave", "MarketGovernor", "execute", targets, values, calldatas, description_hash
        )
    market.advance(DEMO_TIMELOCK_S)
    receipt = market.send(
        "dave", "MarketGovernor", "execute", targets, values, calldatas, description_hash
    )
    [changed] = market.events(receipt, "MarketParameters", "FeeRateUpdated")
    assert (changed["oldFeeBps"], changed["newFeeBps"]) == (10, 25)
    assert market.view("MarketParameters", "feeBps") == 25
    market.send("dave", "CapacityToken", "mint", dave, 1)


def test_defeated_proposal_without_quorum_cannot_be_queued(market: Market) -> None:
    market.send("dave", "GovernanceToken", "delegate", market.address("dave"))
    targets, values, calldatas, description_hash = proposal(
        market, "Fee to 0", ("MarketParameters", "setFeeBps", (0,))
    )
    market.send("dave", "MarketGovernor", "propose", targets, values, calldatas, "Fee to 0")
    mine(market, 2 + DEMO_VOTING_PERIOD)  # nobody votes: below the 4 % quorum
    with market.reverts("GovernorUnexpectedProposalState"):
        market.send("dave", "MarketGovernor", "queue", targets, values, calldatas, description_hash)


def test_only_the_timelock_changes_parameters(market: Market) -> None:
    for who in ("deployer", "oracle", "supplier", "alice"):
        with market.reverts("OwnableUnauthorizedAccount"):
            market.send(who, "MarketParameters", "setFeeBps", 20)
        with market.reverts("OwnableUnauthorizedAccount"):
            market.send(who, "MarketParameters", "setOracle", market.address("alice"))


def test_parameter_setters_reject_out_of_range_values_even_from_the_timelock(
    market: Market,
) -> None:
    timelock = market.deployment.addresses["MarketTimelock"]
    functions = market.contract("MarketParameters").functions
    decoder = market.clients["alice"].decoder
    cases = [
        (functions.setFeeBps(1_001), "ParametersFeeTooHigh"),
        (functions.setRevenueSplit(10_001, timelock), "ParametersShareTooHigh"),
        (functions.setRevenueSplit(5_000, "0x" + "00" * 20), "ParametersZeroAddress"),
        (functions.setOracle("0x" + "00" * 20), "ParametersZeroAddress"),
        (functions.setChallengeWindow(0), "ParametersDurationOutOfRange"),
        (functions.setGracePeriod(91 * 24 * 3600), "ParametersDurationOutOfRange"),
        (functions.setCollateralParams((10_001, 0, 0)), "ParametersShareTooHigh"),
    ]
    for call, error in cases:
        try:
            call.call({"from": timelock})
        except ContractLogicError as exc:
            data = exc.data.get("data") if isinstance(exc.data, dict) else exc.data
            assert decoder.describe(data if isinstance(data, str) else None).startswith(error + "(")
        else:
            raise AssertionError(f"{call.fn_name} accepted an out-of-range value")
    functions.setFeeBps(1_000).call({"from": timelock})  # the bound itself is allowed


def test_the_guardian_pauses_but_only_governance_unpauses(market: Market) -> None:
    timelock = market.deployment.addresses["MarketTimelock"]
    assert market.view("MarketParameters", "guardian") == timelock  # the genesis default
    with market.reverts("ParametersNotPauser"):
        market.send("alice", "MarketParameters", "pause")
    # Governance may name another guardian (a multi-signer); it pauses but cannot unpause.
    market.send("timelock", "MarketParameters", "setGuardian", market.address("carol"))
    receipt = market.send("carol", "MarketParameters", "pause")
    [paused] = market.events(receipt, "MarketParameters", "MarketPaused")
    assert paused["by"] == market.address("carol")
    assert market.view("MarketParameters", "paused")
    with market.reverts("ParametersPauseUnchanged"):
        market.send("carol", "MarketParameters", "pause")
    with market.reverts("OwnableUnauthorizedAccount"):
        market.send("carol", "MarketParameters", "unpause")
    market.send("timelock", "MarketParameters", "unpause")
    assert not market.view("MarketParameters", "paused")


def deposit_revenue(market: Market, amount: int) -> None:
    market.approve("dave", "RevenueDistributor", amount)
    market.send("dave", "RevenueDistributor", "depositRevenue", amount)


def test_revenue_epoch_closes_after_its_duration_and_pays_the_treasury_share(
    market: Market,
) -> None:
    deposit_revenue(market, 100 * TOKEN)
    with market.reverts("RevenueEpochNotOver"):
        market.send("dave", "RevenueDistributor", "closeEpoch")
    with market.reverts("RevenueZeroAmount"):
        market.send("dave", "RevenueDistributor", "depositRevenue", 0)
    market.advance(DEMO_EPOCH_S)
    receipt = market.send("dave", "RevenueDistributor", "closeEpoch")
    [closed] = market.events(receipt, "RevenueDistributor", "EpochClosed")
    assert (closed["holderAmount"], closed["treasuryAmount"]) == (80 * TOKEN, 20 * TOKEN)
    assert market.balance("MarketTimelock") == 20 * TOKEN
    assert market.view("RevenueDistributor", "currentEpoch") == 1


def test_holders_claim_pro_rata_to_their_holding_time_once(market: Market) -> None:
    deposit_revenue(market, 100 * TOKEN)
    market.advance(DEMO_EPOCH_S)
    with market.reverts("RevenueEpochOpen"):
        market.send("alice", "RevenueDistributor", "claim", 0)
    market.send("dave", "RevenueDistributor", "closeEpoch")
    # Balances held all epoch: 30/20/10/40 % of the 80 holder tokens. Tokens that move
    # after the close do not move the epoch's shares.
    market.send("alice", "GovernanceToken", "transfer", market.address("dave"), 100 * TOKEN)
    assert market.view("RevenueDistributor", "claimable", 0, market.address("bob")) == 16 * TOKEN
    before = market.balance("alice")
    market.send("alice", "RevenueDistributor", "claim", 0)
    assert market.balance("alice") == before + 24 * TOKEN
    with market.reverts("RevenueAlreadyClaimed"):
        market.send("alice", "RevenueDistributor", "claim", 0)
    with market.reverts("RevenueNothingToClaim"):
        market.send("dave", "RevenueDistributor", "claim", 0)
    for who in ("bob", "carol", "timelock"):  # the treasury claims through governance
        market.send(who, "RevenueDistributor", "claim", 0)
    assert market.view("RevenueDistributor", "epoch", 0)[4] == 80 * TOKEN
    assert market.balance("RevenueDistributor") == 0


def set_next_timestamp(market: Market, timestamp: int) -> None:
    market.w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])  # type: ignore[arg-type]


def test_tokens_held_for_half_an_epoch_earn_half_their_share(market: Market) -> None:
    """Epoch 1 lasts exactly 3 600 s; halfway alice sends dave 10 % of the supply. By hand:
    dave held 10 % for half the epoch: 80 × 0.05 = 4 tokens; alice 30 % then 20 %:
    80 × (0.15 + 0.10) = 20 tokens; bob 20 % all along: 16 tokens."""
    market.advance(DEMO_EPOCH_S)
    market.send("dave", "RevenueDistributor", "closeEpoch")  # epoch 1 starts now
    start = market.view("RevenueDistributor", "epochStartedAt")
    deposit_revenue(market, 100 * TOKEN)
    set_next_timestamp(market, start + 1_800)
    supply = market.view("GovernanceToken", "totalSupply")
    market.send("alice", "GovernanceToken", "transfer", market.address("dave"), supply // 10)
    set_next_timestamp(market, start + 3_600)
    market.send("dave", "RevenueDistributor", "closeEpoch")
    claimable = {
        who: market.view("RevenueDistributor", "claimable", 1, market.address(who))
        for who in ("alice", "bob", "dave")
    }
    assert claimable == {"alice": 20 * TOKEN, "bob": 16 * TOKEN, "dave": 4 * TOKEN}
