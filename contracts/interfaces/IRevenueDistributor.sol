// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IRevenueDistributor
/// @notice Market fees (capacity tokens) accrue to the open epoch; closing an epoch sends
/// the treasury share to the treasury; governance-token holders then claim the holder
/// share pro rata to their *holding time* over the epoch — the integral of their balance
/// from the epoch's start to its close (`IGovernanceToken.holdingAt`) — over the whole
/// supply's. Holding for a block earns a block's worth: whoever closes the epoch, and
/// whenever, a balance borrowed around the close earns (almost) nothing.
interface IRevenueDistributor {
    /// @notice Zero amount.
    error RevenueZeroAmount();
    /// @notice The epoch cannot close before `closesAt`.
    error RevenueEpochNotOver(uint64 epoch, uint64 closesAt);
    /// @notice The epoch is not closed yet.
    error RevenueEpochOpen(uint64 epoch);
    /// @notice The account already claimed this epoch.
    error RevenueAlreadyClaimed(uint64 epoch, address account);
    /// @notice The account held no tokens during the epoch.
    error RevenueNothingToClaim(uint64 epoch, address account);

    struct Epoch {
        uint64 startedAt;
        uint64 closedAt;
        uint256 holderAmount;
        uint256 treasuryAmount;
        uint256 claimed;
    }

    event RevenueDeposited(uint64 indexed epoch, address indexed from, uint256 amount);
    event EpochClosed(
        uint64 indexed epoch, uint64 startedAt, uint64 closedAt, uint256 holderAmount, uint256 treasuryAmount
    );
    event RevenueClaimed(uint64 indexed epoch, address indexed account, uint256 amount);

    /// @notice Add `amount` wei of capacity tokens (pulled from the caller) to the open epoch.
    function depositRevenue(uint256 amount) external;
    /// @notice Anyone, once the epoch duration has passed: close the open epoch.
    function closeEpoch() external;
    /// @notice Claim the caller's share of closed epoch `epoch`.
    function claim(uint64 epoch) external returns (uint256 amount);

    function currentEpoch() external view returns (uint64);
    function pendingRevenue() external view returns (uint256);
    function epochStartedAt() external view returns (uint64);
    function epoch(uint64 epochId) external view returns (Epoch memory);
    function claimable(uint64 epochId, address account) external view returns (uint256);
    function hasClaimed(uint64 epochId, address account) external view returns (bool);
}
