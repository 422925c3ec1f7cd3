// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IGovernanceToken
/// @notice Fixed-supply ERC-20 with vote checkpoints and permit (market.md §2, §8). Every
/// holder votes with its balance without a delegation transaction: an account that never
/// delegated is its own delegate. The clock is the block number (ERC-6372 default), so voting delay and
/// period are counted in blocks. Transfers are never paused: governance must keep working
/// while the market is paused.
interface IGovernanceToken {
    /// @notice The deploy-time supply or holder is invalid.
    error GovernanceInvalidSupply(address holder, uint256 supply);
}
