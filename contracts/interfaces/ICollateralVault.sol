// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ICollateralVault
/// @notice Capacity tokens locked as collateral (market.md §6). Participants deposit and
/// withdraw; a withdrawal may never leave less than the requirement the oracle posted. Only
/// the settlement contract (`SETTLEMENT_ROLE`) seizes, for a settlement that failed after
/// its grace period.
interface ICollateralVault {
    /// @notice Zero amount.
    error VaultZeroAmount();
    /// @notice The withdrawal would leave `remaining` < `requirement`.
    error VaultBelowRequirement(address participant, uint256 remaining, uint256 requirement);
    /// @notice The withdrawal exceeds the participant's collateral.
    error VaultInsufficientCollateral(address participant, uint256 balance, uint256 amount);
    /// @notice `participants` and `amounts` differ in length.
    error VaultLengthMismatch(uint256 participants, uint256 amounts);

    event CollateralDeposited(address indexed participant, uint256 amount, uint256 balance);
    event CollateralWithdrawn(address indexed participant, uint256 amount, uint256 balance);
    event RequirementUpdated(address indexed participant, uint256 requirement);
    event CollateralSeized(address indexed participant, address indexed to, uint256 amount, uint256 balance);

    /// @notice keccak256("SETTLEMENT_ROLE").
    function SETTLEMENT_ROLE() external view returns (bytes32);

    /// @notice Lock `amount` wei of the caller's capacity tokens (needs an allowance).
    function deposit(uint256 amount) external;
    /// @notice Return `amount` wei to the caller, never below its requirement.
    function withdraw(uint256 amount) external;
    /// @notice Oracle only: post each participant's requirement in wei.
    function setRequirements(address[] calldata participants, uint256[] calldata amounts) external;
    /// @notice Settlement only: move up to `amount` of `participant`'s collateral to the caller.
    /// @return seized what was actually moved (less than `amount` when collateral is short).
    function seize(address participant, uint256 amount) external returns (uint256 seized);

    function collateralOf(address participant) external view returns (uint256);
    function requirementOf(address participant) external view returns (uint256);
    /// @notice Collateral above the requirement (0 when below).
    function excessOf(address participant) external view returns (uint256);
    /// @notice Sum of all participants' collateral, wei.
    function totalCollateral() external view returns (uint256);
}
