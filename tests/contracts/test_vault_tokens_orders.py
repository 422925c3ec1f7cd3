"""CollateralVault, CapacityToken, GovernanceToken and OrderRegistry paths."""

from __future__ import annotations

from market_harness import TOKEN, Market


def test_deposits_and_withdraws_down_to_the_requirement_but_not_below(market: Market) -> None:
    bob = market.address("bob")
    market.approve("bob", "CollateralVault", 100 * TOKEN)
    receipt = market.send("bob", "CollateralVault", "deposit", 100 * TOKEN)
    assert (
        market.events(receipt, "CollateralVault", "CollateralDeposited")[0]["balance"]
        == 100 * TOKEN
    )
    market.send("oracle", "CollateralVault", "setRequirements", [bob], [60 * TOKEN])
    assert market.view("CollateralVault", "excessOf", bob) == 40 * TOKEN
    with market.reverts("VaultBelowRequirement"):
        market.send("bob", "CollateralVault", "withdraw", 41 * TOKEN)
    market.send("bob", "CollateralVault", "withdraw", 40 * TOKEN)
    assert market.view("CollateralVault", "collateralOf", bob) == 60 * TOKEN
    assert market.balance("bob") == 940 * TOKEN
    with market.reverts("VaultInsufficientCollateral"):
        market.send("carol", "CollateralVault", "withdraw", 1)
    with market.reverts("VaultZeroAmount"):
        market.send("bob", "CollateralVault", "deposit", 0)


def test_only_the_oracle_posts_requirements_with_matching_lengths(market: Market) -> None:
    bob = market.address("bob")
    with market.reverts("MarketNotOracle"):
        market.send("bob", "CollateralVault", "setRequirements", [bob], [0])
    with market.reverts("VaultLengthMismatch"):
        market.send("oracle", "CollateralVault", "setRequirements", [bob], [1, 2])


def test_only_the_settlement_contract_seizes_collateral(market: Market) -> None:
    for who in ("oracle", "guardian", "deployer", "bob"):
        with market.reverts("AccessControlUnauthorizedAccount"):
            market.send(who, "CollateralVault", "seize", market.address("bob"), 1)


def test_vault_deposits_and_withdrawals_stop_while_paused(market: Market) -> None:
    market.approve("bob", "CollateralVault", 10)
    market.send("guardian", "MarketParameters", "pause")
    with market.reverts("MarketIsPaused"):
        market.send("bob", "CollateralVault", "deposit", 10)
    with market.reverts("MarketIsPaused"):
        market.send("bob", "CollateralVault", "withdraw", 10)


def test_only_a_supplier_mints_capacity(market: Market) -> None:
    receipt = market.send("deployer", "CapacityToken", "mint", market.address("dave"), 5)
    assert market.events(receipt, "CapacityToken", "CapacityMinted")[0]["amount"] == 5
    with market.reverts("AccessControlUnauthorizedAccount"):
        market.send("alice", "CapacityToken", "mint", market.address("alice"), 5)
    with market.reverts("CapacityInvalidMint"):
        market.send("deployer", "CapacityToken", "mint", market.address("dave"), 0)
    market.send("guardian", "MarketParameters", "pause")
    with market.reverts("MarketIsPaused"):
        market.send("deployer", "CapacityToken", "mint", market.address("dave"), 5)


def test_deployer_cannot_grant_supplier_role_after_handing_admin_to_the_timelock(
    market: Market,
) -> None:
    role = market.view("CapacityToken", "SUPPLIER_ROLE")
    with market.reverts("AccessControlUnauthorizedAccount"):
        market.send("deployer", "CapacityToken", "grantRole", role, market.address("alice"))


def test_governance_holders_vote_without_a_delegation_transaction(market: Market) -> None:
    supply = market.view("GovernanceToken", "totalSupply")
    alice, dave = market.address("alice"), market.address("dave")
    assert market.view("GovernanceToken", "getVotes", alice) == supply * 30 // 100
    assert market.view("GovernanceToken", "delegates", dave) == dave
    market.send("alice", "GovernanceToken", "transfer", dave, 10 * TOKEN)
    assert market.view("GovernanceToken", "getVotes", dave) == 10 * TOKEN
    market.send("dave", "GovernanceToken", "delegate", alice)
    assert market.view("GovernanceToken", "getVotes", dave) == 0
    assert market.view("GovernanceToken", "getVotes", alice) == supply * 30 // 100
    market.send("dave", "GovernanceToken", "delegate", "0x" + "00" * 20)
    assert market.view("GovernanceToken", "getVotes", dave) == 10 * TOKEN
    assert market.view("GovernanceToken", "CLOCK_MODE") == "mode=blocknumber&from=default"


def test_invalidates_orders_below_a_nonce_only_upwards(market: Market) -> None:
    carol = market.address("carol")
    receipt = market.send("carol", "OrderRegistry", "invalidateOrders", 42)
    assert market.events(receipt, "OrderRegistry", "OrdersInvalidated")[0]["minNonce"] == 42
    assert market.view("OrderRegistry", "minNonce", carol) == 42
    assert not market.view("OrderRegistry", "isNonceValid", carol, 41)
    assert market.view("OrderRegistry", "isNonceValid", carol, 42)
    with market.reverts("OrdersNonceNotIncreasing"):
        market.send("carol", "OrderRegistry", "invalidateOrders", 42)
    assert market.view("OrderRegistry", "minNonce", market.address("bob")) == 0


def test_role_identifiers_are_the_keccak_of_their_names(market: Market) -> None:
    keccak = market.w3.keccak
    assert market.view("CapacityToken", "SUPPLIER_ROLE") == keccak(text="SUPPLIER_ROLE")
    assert market.view("CollateralVault", "SETTLEMENT_ROLE") == keccak(text="SETTLEMENT_ROLE")
