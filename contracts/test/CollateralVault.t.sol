// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CapacityToken} from "../token/CapacityToken.sol";
import {CollateralVault} from "../market/CollateralVault.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";
import {MiniTest} from "./utils/MiniTest.sol";

/// @notice Random deposits, withdrawals, transfers and requirement changes by three actors.
contract VaultHandler is MiniTest {
    CapacityToken internal immutable token;
    CollateralVault internal immutable vault;
    address internal immutable oracle;
    address[3] public actors = [address(0x1001), address(0x1002), address(0x1003)];
    /// @notice Ghost: set if a withdrawal ever succeeded below the requirement.
    bool public withdrewBelowRequirement;

    constructor(CapacityToken token_, CollateralVault vault_, address oracle_) {
        token = token_;
        vault = vault_;
        oracle = oracle_;
    }

    function deposit(uint256 who, uint256 amount) external {
        address actor = actors[who % 3];
        amount = bound(amount, 1, token.balanceOf(actor) + 1);
        vm.startPrank(actor);
        token.approve(address(vault), amount);
        try vault.deposit(amount) {} catch {}
        vm.stopPrank();
    }

    function withdraw(uint256 who, uint256 amount) external {
        address actor = actors[who % 3];
        amount = bound(amount, 1, vault.collateralOf(actor) + 1);
        vm.prank(actor);
        try vault.withdraw(amount) {
            if (vault.collateralOf(actor) < vault.requirementOf(actor)) withdrewBelowRequirement = true;
        } catch {}
    }

    function setRequirement(uint256 who, uint256 amount) external {
        address[] memory list = new address[](1);
        uint256[] memory amounts = new uint256[](1);
        list[0] = actors[who % 3];
        amounts[0] = bound(amount, 0, 2e21);
        vm.prank(oracle);
        vault.setRequirements(list, amounts);
    }

    function transfer(uint256 from, uint256 to, uint256 amount) external {
        address sender = actors[from % 3];
        amount = bound(amount, 0, token.balanceOf(sender));
        vm.prank(sender);
        token.transfer(actors[to % 3], amount);
    }
}

/// @notice Invariants: capacity tokens are conserved, the vault holds exactly the recorded
/// collateral, and no withdrawal ever left a participant below its requirement.
contract CollateralVaultInvariantTest is MarketFixture {
    VaultHandler internal handler;
    uint256 internal supply;

    function setUp() public {
        _deployMarket();
        handler = new VaultHandler(token, vault, ORACLE);
        for (uint256 i = 0; i < 3; ++i) token.mint(handler.actors(i), 1e21);
        supply = token.totalSupply();
        _target(address(handler));
    }

    function invariant_capacityTokensAreConserved() public view {
        uint256 held = token.balanceOf(address(vault));
        for (uint256 i = 0; i < 3; ++i) held += token.balanceOf(handler.actors(i));
        assertEq(token.totalSupply(), supply, "supply unchanged");
        assertEq(held, supply, "every token is held by an actor or the vault");
    }

    function invariant_vaultHoldsExactlyTheRecordedCollateral() public view {
        uint256 recorded = 0;
        for (uint256 i = 0; i < 3; ++i) recorded += vault.collateralOf(handler.actors(i));
        assertEq(vault.totalCollateral(), recorded, "total equals the sum of accounts");
        assertEq(token.balanceOf(address(vault)), recorded, "vault balance equals recorded collateral");
    }

    function invariant_noWithdrawalBelowRequirement() public view {
        assertTrue(!handler.withdrewBelowRequirement(), "a withdrawal went below the requirement");
    }
}
