// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IWeeklySettlement
/// @notice Weekly settlement of the accumulated hourly cash flows (market.md §6), posted
/// optimistically: the oracle posts a Merkle root of `(uint64 week, address participant,
/// int256 amount)` leaves (amount in capacity-token wei, negative = the participant pays),
/// one leaf per participant, together with the totals it commits to. A root becomes
/// executable after the challenge window, during which the guardian may delete it.
///
/// Anyone executes a participant's leaf with its proof: a credit is paid from the week's
/// collected funds; a debit is pulled from the participant (allowance). A failed pull starts
/// a grace period; after it anyone triggers seizure from collateral and the participant is
/// restricted until its debt is paid and its collateral covers its requirement again.
/// A (week, participant) pair settles at most once.
interface IWeeklySettlement {
    enum LeafStatus {
        Unsettled,
        Defaulted,
        Settled
    }

    /// @notice Per-week record. Amounts in wei.
    struct WeekRoot {
        bytes32 root;
        uint64 executableAt;
        uint256 totalCredits;
        uint256 totalDebits;
        uint256 fees;
        uint256 collected;
        uint256 paidOut;
        bool feesForwarded;
    }

    /// @notice Not all 168 hours of the week are committed in the ledger.
    error SettlementWeekIncomplete(uint64 week, uint64 nextHour);
    /// @notice A root for the week is already posted (delete it first).
    error SettlementRootAlreadyPosted(uint64 week);
    /// @notice No root is posted for the week.
    error SettlementRootMissing(uint64 week);
    /// @notice The zero root was posted.
    error SettlementZeroRoot(uint64 week);
    /// @notice Debits must equal credits plus fees: settlement sums to zero after fees.
    error SettlementNotBalanced(uint64 week, uint256 totalCredits, uint256 totalDebits, uint256 fees);
    /// @notice The root cannot be executed before `executableAt`.
    error SettlementChallengeWindowOpen(uint64 week, uint64 executableAt);
    /// @notice The root can no longer be deleted: its challenge window ended at `executableAt`.
    error SettlementChallengeWindowOver(uint64 week, uint64 executableAt);
    /// @notice The proof does not match the week's root.
    error SettlementInvalidProof(uint64 week, address participant, int256 amount);
    /// @notice This (week, participant) was already settled.
    error SettlementAlreadySettled(uint64 week, address participant);
    /// @notice Executing the leaf would exceed the total the root committed to.
    error SettlementExceedsTotal(uint64 week, uint256 requested, uint256 remaining);
    /// @notice The week has not collected enough from debtors to pay this yet.
    error SettlementFundsNotCollected(uint64 week, uint256 requested, uint256 available);
    /// @notice A retried pull of a defaulted leaf failed again.
    error SettlementTransferFailed(uint64 week, address participant, uint256 amount);
    /// @notice Seizure needs a defaulted leaf.
    error SettlementNotDefaulted(uint64 week, address participant);
    /// @notice Seizure before the grace period is over.
    error SettlementGraceNotOver(uint64 week, uint64 graceEndsAt);
    /// @notice The week's fees were already forwarded to the revenue distributor.
    error SettlementFeesAlreadyForwarded(uint64 week);
    /// @notice The participant cannot be unrestricted yet (debt or collateral short).
    error SettlementStillRestricted(address participant, uint256 debt, uint256 collateral, uint256 requirement);

    event SettlementRootPosted(
        uint64 indexed week, bytes32 root, uint256 totalCredits, uint256 totalDebits, uint256 fees, uint64 executableAt
    );
    event SettlementRootDeleted(uint64 indexed week, bytes32 root, address indexed guardian);
    event SettlementPaid(uint64 indexed week, address indexed participant, uint256 amount);
    event SettlementCollected(uint64 indexed week, address indexed participant, uint256 amount);
    event SettlementPullFailed(uint64 indexed week, address indexed participant, uint256 amount, uint64 graceEndsAt);
    event SettlementSeized(uint64 indexed week, address indexed participant, uint256 seized, uint256 outstanding);
    event FeesForwarded(uint64 indexed week, uint256 amount);
    event ParticipantRestricted(address indexed participant, uint256 debt);
    event ParticipantUnrestricted(address indexed participant);

    /// @notice Oracle only: post week `week`'s settlement root and its totals (wei).
    function postSettlementRoot(uint64 week, bytes32 root, uint256 totalCredits, uint256 totalDebits, uint256 fees)
        external;
    /// @notice Guardian only, during the challenge window: delete a posted root.
    function deleteSettlementRoot(uint64 week) external;
    /// @notice Anyone: settle one leaf (pay a credit or pull a debit).
    function executeSettlement(uint64 week, address participant, int256 amount, bytes32[] calldata proof) external;
    /// @notice Anyone, after the grace period of a failed pull: take the debt from collateral.
    function seize(uint64 week, address participant) external;
    /// @notice Anyone: send the week's fees to the revenue distributor once collected.
    function forwardFees(uint64 week) external;
    /// @notice Anyone: lift a restriction once the participant owes nothing and its
    /// collateral covers its requirement.
    function clearRestriction(address participant) external;

    function weekRoot(uint64 week) external view returns (WeekRoot memory);
    function leafStatus(uint64 week, address participant) external view returns (LeafStatus);
    /// @notice End of the grace period of a defaulted leaf (0 otherwise).
    function graceEndsAt(uint64 week, address participant) external view returns (uint64);
    /// @notice Outstanding debt of a defaulted leaf, wei.
    function outstandingOf(uint64 week, address participant) external view returns (uint256);
    /// @notice Total outstanding debt of the participant over all weeks, wei.
    function debtOf(address participant) external view returns (uint256);
    /// @notice True after a seizure until {clearRestriction}: the oracle only accepts the
    /// participant's trades that move it towards balance.
    function isRestricted(address participant) external view returns (bool);
}
