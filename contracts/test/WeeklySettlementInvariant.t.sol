// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IWeeklySettlement} from "../interfaces/IWeeklySettlement.sol";
import {CapacityToken} from "../token/CapacityToken.sol";
import {CollateralVault} from "../market/CollateralVault.sol";
import {WeeklySettlement} from "../market/WeeklySettlement.sol";
import {SortedTree} from "../libraries/SortedTree.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";
import {TreeBuilder} from "./utils/TreeBuilder.sol";
import {MiniTest} from "./utils/MiniTest.sol";

/// @notice Random executions, allowance changes, deposits, seizures and time steps on one
/// posted week: creditors A (+60) and B (+35), debtors D1 (−70) and D2 (−30), fees 5.
contract SettlementHandler is MiniTest {
    uint256 internal constant DEBIT1 = 70e18;
    uint256 internal constant DEBIT2 = 30e18;

    WeeklySettlement internal settlement;
    CapacityToken internal token;
    CollateralVault internal vault;
    address[4] public who;
    int256[4] public amounts;
    SortedTree.Item[4] internal items;

    /// @notice Wei each participant has received (creditors) or lost (debtors, wallet and
    /// collateral together) through settlement.
    uint256[4] public moved;
    /// @notice Set when an execution of an already settled leaf did not revert.
    bool public settledTwice;

    constructor(
        WeeklySettlement settlement_,
        CapacityToken token_,
        CollateralVault vault_,
        address[4] memory who_,
        int256[4] memory amounts_,
        TreeBuilder.Tree memory t
    ) {
        (settlement, token, vault, who, amounts) = (settlement_, token_, vault_, who_, amounts_);
        for (uint256 i = 0; i < 4; ++i) items[i] = t.items[i];
    }

    function execute(uint8 seed) external {
        uint256 i = seed % 4;
        bool wasSettled = settlement.leafStatus(0, who[i]) == IWeeklySettlement.LeafStatus.Settled;
        (uint256 wallet, uint256 collateral) = (token.balanceOf(who[i]), vault.collateralOf(who[i]));
        try settlement.executeSettlement(0, items[i]) {
            if (wasSettled) settledTwice = true;
        } catch {}
        _record(i, wallet, collateral);
    }

    function seize(uint8 seed) external {
        uint256 i = 2 + seed % 2;
        (uint256 wallet, uint256 collateral) = (token.balanceOf(who[i]), vault.collateralOf(who[i]));
        try settlement.seize(0, who[i]) {} catch {}
        _record(i, wallet, collateral);
    }

    function allow(uint8 seed, uint96 amount) external {
        uint256 i = 2 + seed % 2;
        vm.prank(who[i]);
        token.approve(address(settlement), uint256(amount) % 200e18);
    }

    function deposit(uint8 seed, uint96 amount) external {
        uint256 i = 2 + seed % 2;
        uint256 a = 1 + uint256(amount) % 100e18;
        vm.startPrank(who[i]);
        token.approve(address(vault), a);
        try vault.deposit(a) {} catch {}
        vm.stopPrank();
    }

    function wait(uint32 secondsAhead) external {
        vm.warp(block.timestamp + secondsAhead % 2 days);
    }

    function forwardFees() external {
        try settlement.forwardFees(0) {} catch {}
    }

    /// @dev Creditors gain what their wallet gained; debtors lose wallet plus collateral.
    function _record(uint256 i, uint256 wallet, uint256 collateral) internal {
        if (amounts[i] > 0) {
            moved[i] += token.balanceOf(who[i]) - wallet;
        } else {
            moved[i] += (wallet + collateral) - (token.balanceOf(who[i]) + vault.collateralOf(who[i]));
        }
    }
}

contract WeeklySettlementInvariantTest is MarketFixture {
    SettlementHandler internal handler;
    int256[4] internal amounts = [int256(60e18), 35e18, -70e18, -30e18];

    function setUp() public {
        _deployMarket();
        _commitWeek();
        address[4] memory who4 = [address(0xA1), address(0xB2), address(0xD1), address(0xD2)];
        address[] memory who = new address[](4);
        int256[] memory a = new int256[](4);
        for (uint256 i = 0; i < 4; ++i) (who[i], a[i]) = (who4[i], amounts[i]);
        (TreeBuilder.Tree memory t, uint256 credits, uint256 debits) = _weekTree(who, a);
        _postAndOpen(0, t, credits, debits);
        handler = new SettlementHandler(settlement, token, vault, who4, amounts, t);
        for (uint256 i = 2; i < 4; ++i) token.mint(who4[i], 300e18);
        _target(address(handler));
    }

    function invariant_aWeekNeverPaysOutMoreThanItCollected() public view {
        IWeeklySettlement.WeekRoot memory w = settlement.weekRoot(0);
        assertTrue(w.paidOut + w.feesForwarded <= w.collected, "paid out + fees <= collected");
        assertTrue(w.collected + w.defaulted <= w.totalDebits, "collected + defaulted <= debits");
        assertEq(token.balanceOf(address(settlement)), w.collected - w.paidOut - w.feesForwarded, "books = tokens");
    }

    function invariant_eachLeafSettlesAtMostOnce() public view {
        assertTrue(!handler.settledTwice(), "a settled leaf executed again");
        for (uint256 i = 0; i < 4; ++i) {
            int256 amount = amounts[i];
            uint256 owed = uint256(amount > 0 ? amount : -amount);
            assertTrue(handler.moved(i) <= owed, "no participant moves by more than its leaf");
        }
    }
}
