// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IGovernanceToken
/// @notice Fixed-supply ERC-20 with vote checkpoints and permit (market.md §2, §8), minted
/// once at deployment to the holders of the genesis file: the deployer gets nothing it is
/// not allocated. Every holder votes with its balance without a delegation transaction: an
/// account that never delegated is its own delegate. The vote clock is the block number
/// (ERC-6372 default), so voting delay and period are counted in blocks. Transfers are never
/// paused: governance must keep working while the market is paused.
///
/// The token also keeps each account's *holding time*: the integral of its balance over
/// time, in token-wei × seconds, checkpointed at every balance change. The revenue
/// distributor shares fees by holding time over an epoch, so a balance held (or borrowed)
/// for one block earns one block's worth, not an epoch's.
interface IGovernanceToken {
    /// @notice The genesis allocation is invalid: `holders` and `amounts` differ in length,
    /// are empty, name the zero address, a zero amount, or holders not in strictly
    /// increasing order (so no holder appears twice); `index` names the first bad entry.
    error GovernanceInvalidGenesis(uint256 index);
    /// @notice Holding time is only known up to the current block's timestamp.
    error GovernanceFutureLookup(uint256 timestamp, uint256 now);

    /// @notice Token-wei × seconds `account` has held from the first checkpoint up to
    /// `timestamp` (≤ now).
    function holdingAt(address account, uint48 timestamp) external view returns (uint256);
    /// @notice Token-wei × seconds of the whole supply up to `timestamp` (≤ now).
    function totalHoldingAt(uint48 timestamp) external view returns (uint256);
}
