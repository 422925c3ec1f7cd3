// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The Foundry cheatcodes these tests use (forge-std is not on npm, so no
/// `Test` base: this is the minimal subset, called at the standard cheatcode address).
interface Vm {
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function warp(uint256 timestamp) external;
    function roll(uint256 blockNumber) external;
    function expectRevert(bytes4 selector) external;
    function expectRevert(bytes calldata revertData) external;
}

/// @title MiniTest
/// @notice Minimal Foundry test base: cheatcodes, assertions that revert with a reason,
/// `bound`, and the `targetContracts` hook forge reads for invariant tests.
abstract contract MiniTest {
    /// @dev address(uint160(uint256(keccak256("hevm cheat code")))).
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    address[] private _targets;

    error AssertionFailed(string what, uint256 left, uint256 right);

    function targetContracts() public view returns (address[] memory) {
        return _targets;
    }

    function _target(address target) internal {
        _targets.push(target);
    }

    function assertEq(uint256 left, uint256 right, string memory what) internal pure {
        if (left != right) revert AssertionFailed(what, left, right);
    }

    function assertGe(uint256 left, uint256 right, string memory what) internal pure {
        if (left < right) revert AssertionFailed(what, left, right);
    }

    function assertTrue(bool condition, string memory what) internal pure {
        if (!condition) revert AssertionFailed(what, 0, 1);
    }

    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        return min + (x % (max - min + 1));
    }
}
