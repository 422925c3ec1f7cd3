// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {GovernanceToken} from "../governance/GovernanceToken.sol";
import {IGovernanceToken} from "../interfaces/IGovernanceToken.sol";
import {MiniTest} from "./utils/MiniTest.sol";

/// @notice The genesis allocation and the holding-time integral the revenue shares follow.
contract GovernanceTokenTest is MiniTest {
    address internal constant A = address(0xA1);
    address internal constant B = address(0xB2);

    function _genesis(address[2] memory who, uint256[2] memory amounts) internal returns (GovernanceToken) {
        address[] memory holders = new address[](2);
        uint256[] memory values = new uint256[](2);
        (holders[0], holders[1], values[0], values[1]) = (who[0], who[1], amounts[0], amounts[1]);
        return new GovernanceToken(holders, values);
    }

    function test_genesisMintsEachAllocationAndNothingElse() public {
        GovernanceToken token = _genesis([A, B], [uint256(300), 700]);
        assertEq(token.balanceOf(A), 300, "A");
        assertEq(token.balanceOf(B), 700, "B");
        assertEq(token.totalSupply(), 1_000, "supply is the sum");
        assertEq(token.balanceOf(address(this)), 0, "the deployer holds nothing");
    }

    function test_genesisRejectsDuplicateUnsortedZeroAndEmptyEntries() public {
        vm.expectRevert(abi.encodeWithSelector(IGovernanceToken.GovernanceInvalidGenesis.selector, 1));
        _genesis([A, A], [uint256(1), 1]);
        vm.expectRevert(abi.encodeWithSelector(IGovernanceToken.GovernanceInvalidGenesis.selector, 1));
        _genesis([B, A], [uint256(1), 1]);
        vm.expectRevert(abi.encodeWithSelector(IGovernanceToken.GovernanceInvalidGenesis.selector, 0));
        _genesis([address(0), A], [uint256(1), 1]);
        vm.expectRevert(abi.encodeWithSelector(IGovernanceToken.GovernanceInvalidGenesis.selector, 1));
        _genesis([A, B], [uint256(1), 0]);
        vm.expectRevert(abi.encodeWithSelector(IGovernanceToken.GovernanceInvalidGenesis.selector, 0));
        new GovernanceToken(new address[](0), new uint256[](0));
    }

    function test_holdingTimeIsTheIntegralOfTheBalanceWorkedByHand() public {
        vm.warp(1_000);
        GovernanceToken token = _genesis([A, B], [uint256(100), 100]);
        vm.warp(1_010); // A held 100 for 10 s
        vm.prank(A);
        assertTrue(token.transfer(B, 60), "transfer");
        vm.warp(1_015); // then 40 for 5 s: 1 000 + 200
        assertEq(token.holdingAt(A, 1_015), 1_200, "A: 100 x 10 + 40 x 5");
        assertEq(token.holdingAt(B, 1_015), 1_800, "B: 100 x 10 + 160 x 5");
        assertEq(token.totalHoldingAt(1_015), 3_000, "supply: 200 x 15");
        assertEq(token.holdingAt(A, 1_005), 500, "between checkpoints: 100 x 5");
        assertEq(token.holdingAt(A, 999), 0, "before genesis");
        vm.expectRevert(abi.encodeWithSelector(IGovernanceToken.GovernanceFutureLookup.selector, 1_016, 1_015));
        token.holdingAt(A, 1_016);
    }

    function testFuzz_holdingTimeOfAllHoldersIsTheSupplys(uint32 d1, uint32 d2, uint96 moved) public {
        vm.warp(5_000);
        GovernanceToken token = _genesis([A, B], [uint256(1e24), 2e24]);
        vm.warp(5_000 + uint256(d1));
        vm.prank(A);
        assertTrue(token.transfer(B, bound(moved, 0, 1e24)), "transfer");
        uint48 end = uint48(5_000 + uint256(d1) + uint256(d2));
        vm.warp(end);
        assertEq(
            token.holdingAt(A, end) + token.holdingAt(B, end), token.totalHoldingAt(end), "holdings add up"
        );
        assertEq(token.totalHoldingAt(end), 3e24 * (uint256(d1) + uint256(d2)), "supply x time");
    }
}
