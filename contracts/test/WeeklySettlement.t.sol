// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {IWeeklySettlement} from "../interfaces/IWeeklySettlement.sol";
import {MarketLeaves} from "../libraries/MarketLeaves.sol";
import {MarketFixture} from "./utils/MarketFixture.sol";

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

    function testFuzz_balancedWeekSettlesOnceAndSumsToZero(int96 a0, int96 a1, int96 a2, uint64 feeSeed)
        public
    {
        uint256 fees = uint256(feeSeed) % 1e21;
        // Each |amount| < 1e26 wei, so every debtor (1e27 wei, unlimited allowance) can pay.
        int256[4] memory amounts = [int256(a0) % 1e26, int256(a1) % 1e26, int256(a2) % 1e26, int256(0)];
        amounts[3] = -int256(fees) - amounts[0] - amounts[1] - amounts[2];
        (bytes32 root, bytes32[4] memory leaves) = _tree(amounts);
        (uint256 credits, uint256 debits) = _totals(amounts);
        vm.prank(ORACLE);
        settlement.postSettlementRoot(0, root, credits, debits, fees);
        vm.warp(block.timestamp + CHALLENGE);

        uint256[4] memory before;
        for (uint256 i = 0; i < 4; ++i) before[i] = token.balanceOf(people[i]);
        // Debtors first, so every credit is covered by collected funds.
        for (uint256 pass = 0; pass < 2; ++pass) {
            for (uint256 i = 0; i < 4; ++i) {
                if ((pass == 0) == (amounts[i] < 0)) {
                    settlement.executeSettlement(0, people[i], amounts[i], _proof(leaves, i));
                }
            }
        }
        settlement.forwardFees(0);

        int256 net = 0;
        for (uint256 i = 0; i < 4; ++i) {
            int256 delta = int256(token.balanceOf(people[i])) - int256(before[i]);
            assertTrue(delta == amounts[i], "each participant moves by exactly its leaf");
            net += delta;
            vm.expectRevert(abi.encodeWithSelector(IWeeklySettlement.SettlementAlreadySettled.selector, 0, people[i]));
            settlement.executeSettlement(0, people[i], amounts[i], _proof(leaves, i));
        }
        assertTrue(net == -int256(fees), "settlement sums to zero after fees");
        assertEq(token.balanceOf(address(settlement)), 0, "nothing left in the pool");
        assertEq(distributor.pendingRevenue(), fees, "fees reach the distributor");
    }

    function _totals(int256[4] memory amounts) private pure returns (uint256 credits, uint256 debits) {
        for (uint256 i = 0; i < 4; ++i) {
            if (amounts[i] > 0) credits += uint256(amounts[i]);
            else debits += uint256(-amounts[i]);
        }
    }

    function _tree(int256[4] memory amounts) private view returns (bytes32 root, bytes32[4] memory leaves) {
        for (uint256 i = 0; i < 4; ++i) {
            leaves[i] = MarketLeaves.settlementLeaf(0, people[i], amounts[i]);
        }
        root = Hashes.commutativeKeccak256(
            Hashes.commutativeKeccak256(leaves[0], leaves[1]), Hashes.commutativeKeccak256(leaves[2], leaves[3])
        );
    }

    function _proof(bytes32[4] memory leaves, uint256 i) private pure returns (bytes32[] memory proof) {
        proof = new bytes32[](2);
        proof[0] = leaves[i ^ 1];
        uint256 other = i < 2 ? 2 : 0;
        proof[1] = Hashes.commutativeKeccak256(leaves[other], leaves[other + 1]);
    }
}
