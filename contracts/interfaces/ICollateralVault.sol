// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SortedTree} from "../libraries/SortedTree.sol";

/// @title ICollateralVault
/// @notice Capacity tokens locked as collateral (market.md §6). Collateral backs what a
/// participant owes, not only its positions:
/// - every hour the oracle posts one Merkle root of every participant's requirement (a
///   sorted tree keyed by address, see {SortedTree} and `MarketLeaves.requirementValue`):
///   the position margin plus the cash the participant owes and has not settled yet (the
///   current week's accrued net debit and any debit of a posted weekly root still unpaid).
///   Posting costs the same gas whatever the number of participants;
/// - a withdrawal proves the caller's requirement against the latest root (its leaf, or
///   that it has none: requirement 0) and may not leave less collateral than that;
/// - no withdrawal at all while the participant has open settlement debt (a failed pull in
///   its grace period, or after it), which the settlement contract records here.
/// Only the settlement contract (`SETTLEMENT_ROLE`) seizes and records debt.
interface ICollateralVault {
    /// @notice The latest requirements commitment: the hour it follows, the root of the sorted
    /// tree and its leaf count.
    struct Requirements {
        uint64 hour;
        uint64 count;
        bytes32 root;
    }

    /// @notice Zero amount.
    error VaultZeroAmount();
    /// @notice The withdrawal would leave `remaining` < `requirement`.
    error VaultBelowRequirement(address participant, uint256 remaining, uint256 requirement);
    /// @notice The withdrawal exceeds the participant's collateral.
    error VaultInsufficientCollateral(address participant, uint256 balance, uint256 amount);
    /// @notice The participant owes `debt` wei to settlement: nothing can be withdrawn.
    error VaultOpenDebt(address participant, uint256 debt);
    /// @notice The requirement proof neither shows the caller's leaf nor its absence.
    error VaultInvalidRequirementProof(address participant);
    /// @notice Requirements must follow hours in increasing order: `hour` after `latest`.
    error VaultStaleRequirements(uint64 hour, uint64 latest);
    /// @notice The hour has not closed yet (closes at `closesAt`, Unix seconds).
    error VaultHourNotClosed(uint64 hour, uint256 closesAt);

    event CollateralDeposited(address indexed participant, uint256 amount, uint256 balance);
    event CollateralWithdrawn(address indexed participant, uint256 amount, uint256 balance, uint256 requirement);
    event RequirementsPosted(uint64 indexed hour, bytes32 root, uint64 count);
    event CollateralSeized(address indexed participant, address indexed to, uint256 amount, uint256 balance);
    event DebtRecorded(address indexed participant, uint256 debt);

    /// @notice keccak256("SETTLEMENT_ROLE").
    function SETTLEMENT_ROLE() external view returns (bytes32);

    /// @notice Lock `amount` wei of the caller's capacity tokens (needs an allowance).
    function deposit(uint256 amount) external;
    /// @notice Return `amount` wei to the caller. `requirement` proves the caller's
    /// requirement against the latest root: one item, the caller's own leaf; or the items
    /// that show it has no leaf (requirement 0; none at all before the first root).
    function withdraw(uint256 amount, SortedTree.Item[] calldata requirement) external;
    /// @notice Oracle only: the requirements after hour `hour` (a closed hour, after the last
    /// posted one): the root and leaf count of the sorted requirements tree.
    function postRequirements(uint64 hour, bytes32 root, uint64 count) external;
    /// @notice Settlement only: move up to `amount` of `participant`'s collateral to the caller.
    /// @return seized what was actually moved (less than `amount` when collateral is short).
    function seize(address participant, uint256 amount) external returns (uint256 seized);
    /// @notice Settlement only: the participant's open settlement debt is now `debt` wei.
    function recordDebt(address participant, uint256 debt) external;

    function collateralOf(address participant) external view returns (uint256);
    /// @notice Open settlement debt recorded by the settlement contract, wei.
    function debtOf(address participant) external view returns (uint256);
    /// @notice The latest requirements root (all zero before the first).
    function requirements() external view returns (Requirements memory);
    /// @notice The requirement `proof` shows for `participant` against the latest root;
    /// reverts {VaultInvalidRequirementProof} when it shows nothing.
    function requirementOf(address participant, SortedTree.Item[] calldata proof) external view returns (uint256);
    /// @notice Sum of all participants' collateral, wei.
    function totalCollateral() external view returns (uint256);
}
