// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IOracleBond
/// @notice Capacity tokens the market operator stakes behind its oracle key. A weekly
/// settlement root is accepted only while the bond holds at least its governed `size`. A
/// challenge that proves a root wrong slashes the bond: the challenger receives `size` (or
/// what is left). Only the admin (the timelock) sets the size and releases staked tokens;
/// anyone may add to the bond.
interface IOracleBond {
    /// @notice Zero amount.
    error BondZeroAmount();
    /// @notice A constructor address was zero; `field` names it.
    error BondZeroAddress(string field);
    /// @notice Releasing more than the bond holds.
    error BondInsufficient(uint256 bonded, uint256 requested);

    event BondStaked(address indexed staker, uint256 amount, uint256 bonded);
    event BondReleased(address indexed to, uint256 amount, uint256 bonded);
    event BondSlashed(address indexed challenger, address indexed slasher, uint256 amount, uint256 bonded);
    event BondSizeUpdated(uint256 oldSize, uint256 newSize);

    /// @notice keccak256("SLASHER_ROLE"): the contracts that judge challenges.
    function SLASHER_ROLE() external view returns (bytes32);

    /// @notice Add `amount` wei of the caller's capacity tokens to the bond (allowance needed).
    function stake(uint256 amount) external;
    /// @notice Admin (the timelock) only: pay `amount` of the bond to `to`.
    function release(address to, uint256 amount) external;
    /// @notice Admin (the timelock) only: the governed size, wei.
    function setSize(uint256 newSize) external;
    /// @notice Slasher only: pay min(bond, size) to `challenger`; returns it.
    function slash(address challenger) external returns (uint256 paid);

    /// @notice Capacity-token wei in the bond.
    function bonded() external view returns (uint256);
    /// @notice The governed size, wei: what a proven fault pays and the least the bond holds.
    function size() external view returns (uint256);
    /// @notice True when the bond holds at least its size.
    function isBonded() external view returns (bool);
}
