// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IWeeklySettlement} from "../interfaces/IWeeklySettlement.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";
import {TreeBuilder} from "./utils/TreeBuilder.sol";

/// @notice Fuzz: any balanced week settles every leaf exactly once, sums to zero after
/// fees, and leaves the settlement contract empty.
contract WeeklySettlementFuzzTest is MarketFixture {
    address[4] internal people = [address(0xA1), address(0xB2), address(0xC3), address(0xD4)];

    function setUp() public {
        _deployMarket();
        _commitWeek();
        for (uint256 i = 0; i < 4; ++i) {
            token.mint(people[i], 1e27);
            vm.prank(people[i]);
            token.approve(address(settlement), type(uint256).max);
        }
    }

    function testFuzz_balancedWeekSettlesOnceAndSumsToZero(int96 a0, int96 a1, int96 a2, uint64 feeSeed) public {
        uint256 fees = uint256(feeSeed) % 1e21;
        // Each |amount| < 1e26 wei, so every debtor (1e27 wei, unlimited allowance) can pay.
        int256[] memory amounts = new int256[](4);
        (amounts[0], amounts[1], amounts[2]) = (int256(a0) % 1e26, int256(a1) % 1e26, int256(a2) % 1e26);
        // forge-lint: disable-next-line(unsafe-typecast)
        amounts[3] = -int256(fees) - amounts[0] - amounts[1] - amounts[2]; // fees < 1e21
        address[] memory who = new address[](4);
        for (uint256 i = 0; i < 4; ++i) who[i] = people[i];
        (TreeBuilder.Tree memory t, uint256 credits, uint256 debits) = _weekTree(who, amounts);
        _postAndOpen(0, t, credits, debits);

        uint256[4] memory before;
        for (uint256 i = 0; i < 4; ++i) before[i] = token.balanceOf(people[i]);
        // Debtors first, so every credit is paid in full at once.
        for (uint256 pass = 0; pass < 2; ++pass) {
            for (uint256 i = 0; i < 4; ++i) {
                if ((pass == 0) == (amounts[i] < 0)) settlement.executeSettlement(0, t.items[i]);
            }
        }
        if (fees > 0) settlement.forwardFees(0);

        int256 net = 0;
        for (uint256 i = 0; i < 4; ++i) {
            int256 delta = int256(token.balanceOf(people[i])) - int256(before[i]);
            assertTrue(delta == amounts[i], "each participant moves by exactly its leaf");
            net += delta;
            vm.expectRevert(abi.encodeWithSelector(IWeeklySettlement.SettlementAlreadySettled.selector, 0, people[i]));
            settlement.executeSettlement(0, t.items[i]);
        }
        // forge-lint: disable-next-line(unsafe-typecast)
        assertTrue(net == -int256(fees), "settlement sums to zero after fees"); // fees < 1e21
        assertEq(token.balanceOf(address(settlement)), 0, "nothing left in the pool");
        assertEq(distributor.pendingRevenue(), fees, "fees reach the distributor");
    }
}
