"""CollateralVault, CapacityToken, GovernanceToken and OrderRegistry paths."""

from __future__ import annotations

from eth_account import Account
from market_harness import TOKEN, Market
from settlement_harness import post_requirements, requirement_items

HOUR = 400_000  # a closed Unix hour (2015-08-19)


def test_deposits_and_withdraws_down_to_the_requirement_of_its_leaf_but_not_below(
    market: Market,
) -> None:
    bob = market.address("bob")
    market.approve("bob", "CollateralVault", 100 * TOKEN)
    receipt = market.send("bob", "CollateralVault", "deposit", 100 * TOKEN)
    assert (
        market.events(receipt, "CollateralVault", "CollateralDeposited")[0]["balance"]
        == 100 * TOKEN
    )
    requirements = {"alice": 5 * TOKEN, "bob": 60 * TOKEN, "carol": 7 * TOKEN}
    post_requirements(market, HOUR, requirements)
    proof = requirement_items(market, requirements, "bob")
    assert market.view("CollateralVault", "requirementOf", bob, proof) == 60 * TOKEN
    with market.reverts("VaultBelowRequirement"):
        market.send("bob", "CollateralVault", "withdraw", 41 * TOKEN, proof)
    receipt = market.send("bob", "CollateralVault", "withdraw", 40 * TOKEN, proof)
    [withdrawn] = market.events(receipt, "CollateralVault", "CollateralWithdrawn")
    assert (withdrawn["balance"], withdrawn["requirement"]) == (60 * TOKEN, 60 * TOKEN)
    assert market.balance("bob") == 940 * TOKEN
    # Carol's leaf says nothing about bob; an absence proof does not fit a present leaf.
    with market.reverts("VaultInvalidRequirementProof"):
        market.send(
            "bob",
            "CollateralVault",
            "withdraw",
            1,
            requirement_items(market, requirements, "carol"),
        )
    with market.reverts("VaultInsufficientCollateral"):
        market.send("carol", "CollateralVault", "withdraw", 1, [])
    with market.reverts("VaultZeroAmount"):
        market.send("bob", "CollateralVault", "deposit", 0)


def test_a_participant_without_a_leaf_proves_its_absence_and_withdraws_everything(
    market: Market,
) -> None:
    market.approve("dave", "CollateralVault", 30 * TOKEN)
    market.send("dave", "CollateralVault", "deposit", 30 * TOKEN)
    requirements = {"alice": 5 * TOKEN, "bob": 60 * TOKEN, "carol": 7 * TOKEN}
    post_requirements(market, HOUR, requirements)
    proof = requirement_items(market, requirements, "dave")
    assert len(proof) in (1, 2)  # a boundary leaf or two adjacent leaves
    with market.reverts("VaultInvalidRequirementProof"):
        market.send("dave", "CollateralVault", "withdraw", 30 * TOKEN, [])
    market.send("dave", "CollateralVault", "withdraw", 30 * TOKEN, proof)
    assert market.view("CollateralVault", "collateralOf", market.address("dave")) == 0


def test_only_the_oracle_posts_requirements_for_closed_hours_in_order(market: Market) -> None:
    root = b"\x01" * 32
    with market.reverts("MarketNotOracle"):
        market.send("bob", "CollateralVault", "postRequirements", HOUR, root, 1)
    # Two hours ahead, not one: the next block may cross an hour boundary after `now`
    # (CollateralVault.t.sol warps to the exact edge).
    future = market.now() // 3600 + 2
    with market.reverts("VaultHourNotClosed"):
        market.send("oracle", "CollateralVault", "postRequirements", future, root, 1)
    receipt = market.send("oracle", "CollateralVault", "postRequirements", HOUR, root, 1)
    assert market.events(receipt, "CollateralVault", "RequirementsPosted")[0]["count"] == 1
    assert tuple(market.view("CollateralVault", "requirements")) == (HOUR, 1, root)
    with market.reverts("VaultStaleRequirements"):
        market.send("oracle", "CollateralVault", "postRequirements", HOUR, root, 1)


def test_only_the_settlement_contract_seizes_collateral(market: Market) -> None:
    for who in ("oracle", "supplier", "deployer", "bob"):
        with market.reverts("AccessControlUnauthorizedAccount"):
            market.send(who, "CollateralVault", "seize", market.address("bob"), 1)


def test_vault_deposits_and_withdrawals_stop_while_paused(market: Market) -> None:
    market.approve("bob", "CollateralVault", 10)
    market.send("timelock", "MarketParameters", "pause")
    with market.reverts("MarketIsPaused"):
        market.send("bob", "CollateralVault", "deposit", 10)
    with market.reverts("MarketIsPaused"):
        market.send("bob", "CollateralVault", "withdraw", 10, [])


def test_only_a_supplier_mints_capacity(market: Market) -> None:
    receipt = market.send("supplier", "CapacityToken", "mint", market.address("dave"), 5)
    assert market.events(receipt, "CapacityToken", "CapacityMinted")[0]["amount"] == 5
    with market.reverts("AccessControlUnauthorizedAccount"):
        market.send("alice", "CapacityToken", "mint", market.address("alice"), 5)
    with market.reverts("CapacityInvalidMint"):
        market.send("supplier", "CapacityToken", "mint", market.address("dave"), 0)
    market.send("timelock", "MarketParameters", "pause")
    with market.reverts("MarketIsPaused"):
        market.send("supplier", "CapacityToken", "mint", market.address("dave"), 5)


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


def test_capacity_permit_lets_a_relayer_spend_with_an_off_chain_signature(market: Market) -> None:
    alice, vault = market.address("alice"), market.deployment.addresses["CollateralVault"]
    deadline = market.now() + 3600
    typed = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Permit": [
                {"name": "owner", "type": "address"},
                {"name": "spender", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ],
        },
        "primaryType": "Permit",
        "domain": {
            "name": "flowmarket capacity",
            "version": "1",
            "chainId": 31337,
            "verifyingContract": market.deployment.addresses["CapacityToken"],
        },
        "message": {
            "owner": alice,
            "spender": vault,
            "value": 5 * TOKEN,
            "nonce": 0,
            "deadline": deadline,
        },
    }
    signed = Account.sign_typed_data(market.keys["alice"], full_message=typed)
    args = (
        alice,
        vault,
        5 * TOKEN,
        deadline,
        signed.v,
        signed.r.to_bytes(32, "big"),
        signed.s.to_bytes(32, "big"),
    )
    market.send("dave", "CapacityToken", "permit", *args)
    assert market.view("CapacityToken", "allowance", alice, vault) == 5 * TOKEN
    with market.reverts("ERC2612InvalidSigner"):
        market.send("dave", "CapacityToken", "permit", *args)  # the nonce was used
