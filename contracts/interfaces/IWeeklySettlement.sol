// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SortedTree} from "../libraries/SortedTree.sol";
import {IClearingLedger} from "./IClearingLedger.sol";

/// @title IWeeklySettlement
/// @notice Weekly settlement of the accumulated hourly cash flows (market.md §6), posted
/// optimistically. The oracle posts the root of a sorted tree with one leaf per participant
/// (key: its address; value: `MarketLeaves.settlementValue(amount, hours, creditsBefore,
/// debitsBefore)`, amount in capacity-token wei, negative = the participant pays), the leaf
/// count and the totals, while the operator's bond ({IOracleBond}) holds its size. A root
/// becomes executable after the challenge window (extended by any time the market spends
/// paused). During the window anyone may prove the root wrong from the hourly entries
/// committed in {IClearingLedger} (docs/settlement.md): a leaf that is not the sum of its
/// participant's entries in the hours its bitmap names, a participant entry in an hour its
/// bitmap leaves out, a participant with an entry in the week but no leaf, running sums that
/// do not add up to the totals, or a malformed tree (two leaves for one participant among
/// them). A proven fault deletes the root, pays the challenger from the bond and leaves the
/// week unsettled until the oracle posts a correct root; the guardian may also delete a root
/// in its window.
///
/// Anyone executes a participant's leaf with its proof. A debit is pulled from the
/// participant (allowance); a failed pull records the debt (the vault then refuses the
/// participant's withdrawals) and starts a grace period, which a pause extends; after it
/// anyone triggers seizure from collateral and the participant is restricted until it owes
/// nothing. A credit is paid pro rata to what the week has collected: every creditor and
/// the fees receive `amount × collected / totalDebits` in total, so a short week is shared
/// by all its creditors and a later collection (a cured default, a seizure) pays them more;
/// a credit is executed again to receive it. What a participant in debt is paid first pays
/// down its open debt of earlier weeks. A week never collects more than its total debits
/// and never pays out more than it collected; each leaf's payments never exceed its amount.
interface IWeeklySettlement {
    enum LeafStatus {
        Unsettled,
        Defaulted,
        Settled,
        Crediting
    }

    /// @notice Per-week record. Amounts in wei. `defaulted` is the outstanding debt of the
    /// week's defaulted leaves: collected + defaulted never exceeds totalDebits, and
    /// paidOut + feesForwarded never exceeds collected.
    /// @notice What a challenge claims is wrong with a weekly root.
    enum Fault {
        LeafSum,
        LeafHours,
        MissingParticipant,
        RunningSums,
        Malformed,
        Trade,
        Balance,
        UnsignedFill
    }

    /// @notice A participant's entry leaf of hour `hour` (see {IClearingLedger}) with its proof.
    struct HourEntry {
        uint64 hour;
        int256 cash;
        uint256 fee;
        bytes32 tradesHash;
        bytes32[] proof;
    }

    struct WeekRoot {
        bytes32 root;
        uint64 count;
        uint64 postedAt;
        uint64 pausedAtPost;
        uint256 totalCredits;
        uint256 totalDebits;
        uint256 fees;
        uint256 collected;
        uint256 defaulted;
        uint256 paidOut;
        uint256 feesForwarded;
    }

    /// @notice Per-leaf record. `leaf` is the hash of the leaf first executed (every later
    /// execution must present the same leaf). Amounts in wei: `amount` is the leaf's
    /// magnitude, `done` what has been paid (credit) or collected (debit), `outstanding`
    /// what a defaulted debit still owes.
    struct LeafRecord {
        bytes32 leaf;
        LeafStatus status;
        uint64 defaultedAt;
        uint64 pausedAtDefault;
        uint256 amount;
        uint256 done;
        uint256 outstanding;
    }

    /// @notice Not all 168 hours of the week are committed in the ledger.
    error SettlementWeekIncomplete(uint64 week, uint64 nextHour);
    /// @notice A root for the week is already posted (delete it first).
    error SettlementRootAlreadyPosted(uint64 week);
    /// @notice No root is posted for the week.
    error SettlementRootMissing(uint64 week);
    /// @notice The zero root, or a root with no leaf, was posted.
    error SettlementZeroRoot(uint64 week);
    /// @notice A week with no leaf posts {EMPTY_WEEK_ROOT} with count 0, no totals and no fees;
    /// that root with a count, or with totals or fees, is refused.
    error SettlementEmptyRoot(uint64 week);
    /// @notice Debits must equal credits plus fees: settlement sums to zero after fees.
    error SettlementNotBalanced(uint64 week, uint256 totalCredits, uint256 totalDebits, uint256 fees);
    /// @notice The root cannot be executed before `executableAt`.
    error SettlementChallengeWindowOpen(uint64 week, uint64 executableAt);
    /// @notice The root can no longer be deleted: its challenge window ended at `executableAt`.
    error SettlementChallengeWindowOver(uint64 week, uint64 executableAt);
    /// @notice The hour was already voided by a proven wrong trade.
    error SettlementHourAlreadyVoided(uint64 hour);
    /// @notice The evidence does not show the claimed fault.
    error SettlementNotAFault(uint64 week, Fault fault);
    /// @notice The operator's bond holds less than its size: no root can be posted.
    error SettlementOracleUnbonded(uint256 bonded, uint256 size);
    /// @notice The leaf is not in the week's tree, or its key is not a 20-byte address.
    error SettlementInvalidLeaf(uint64 week, uint256 index);
    /// @notice The participant's leaf executed earlier in this week differs from this one.
    error SettlementConflictingLeaf(uint64 week, address participant);
    /// @notice This (week, participant) was already settled.
    error SettlementAlreadySettled(uint64 week, address participant);
    /// @notice Executing the leaf would exceed the total the root committed to.
    error SettlementExceedsTotal(uint64 week, uint256 requested, uint256 remaining);
    /// @notice Paying `requested` would make the week pay out more than the `collected` wei.
    error SettlementFundsNotCollected(uint64 week, uint256 requested, uint256 collected);
    /// @notice Nothing more is due to this credit (or to the fees) until the week collects more.
    error SettlementNothingDue(uint64 week, address participant);
    /// @notice A retried pull of a defaulted leaf failed again.
    error SettlementTransferFailed(uint64 week, address participant, uint256 amount);
    /// @notice Seizure needs a defaulted leaf.
    error SettlementNotDefaulted(uint64 week, address participant);
    /// @notice Seizure before the grace period is over.
    error SettlementGraceNotOver(uint64 week, uint64 graceEndsAt);
    /// @notice The participant cannot be unrestricted while it owes `debt` wei.
    error SettlementStillRestricted(address participant, uint256 debt);

    event SettlementRootPosted(
        uint64 indexed week,
        bytes32 root,
        uint64 count,
        uint256 totalCredits,
        uint256 totalDebits,
        uint256 fees,
        uint64 executableAt
    );
    /// @notice A challenge proved a trade of hour `hour` wrong: the hour is void (no weekly root
    /// may count it), week `week`'s posted `root` (zero when none was posted) is deleted, and
    /// `paid` wei of the bond went to `challenger`.
    event SettlementHourVoided(
        uint64 indexed hour, uint64 indexed week, bytes32 root, address indexed challenger, uint256 paid
    );
    event SettlementRootDeleted(uint64 indexed week, bytes32 root, address indexed guardian);
    /// @notice A challenge proved the root wrong; `paid` wei of the bond went to `challenger`.
    event SettlementRootVoided(
        uint64 indexed week, bytes32 root, Fault fault, address indexed challenger, uint256 paid
    );
    /// @notice `amount` was paid on `participant`'s credit; `paid` is its total so far.
    event SettlementPaid(uint64 indexed week, address indexed participant, uint256 amount, uint256 paid);
    event SettlementCollected(uint64 indexed week, address indexed participant, uint256 amount);
    event SettlementPullFailed(uint64 indexed week, address indexed participant, uint256 amount, uint64 graceEndsAt);
    event SettlementSeized(uint64 indexed week, address indexed participant, uint256 seized, uint256 outstanding);
    /// @notice `amount` of a credit of week `fromWeek` paid down the participant's debt of `week`.
    event SettlementDebtPaidDown(
        uint64 indexed week, address indexed participant, uint64 fromWeek, uint256 amount, uint256 outstanding
    );
    event FeesForwarded(uint64 indexed week, uint256 amount, uint256 forwarded);
    event ParticipantRestricted(address indexed participant, uint256 debt);
    event ParticipantUnrestricted(address indexed participant);

    /// @notice Oracle only: post week `week`'s settlement root, its leaf count and totals (wei).
    function postSettlementRoot(
        uint64 week,
        bytes32 root,
        uint64 count,
        uint256 totalCredits,
        uint256 totalDebits,
        uint256 fees
    ) external;
    /// @notice Guardian only, during the challenge window: delete a posted root.
    function deleteSettlementRoot(uint64 week) external;

    /// @notice Anyone, during the window: `leaf` is not the sum of its participant's cash in
    /// the hours its bitmap names; `entries` are those entries, one per set bit, in hour order.
    function challengeLeafSum(uint64 week, SortedTree.Item calldata leaf, HourEntry[] calldata entries) external;
    /// @notice Anyone, during the window: `leaf`'s bitmap leaves out hour `entry.hour`, in which
    /// its participant has `entry`; or (any `entry`) the bitmap sets a bit at or above 168.
    function challengeLeafHours(uint64 week, SortedTree.Item calldata leaf, HourEntry calldata entry) external;
    /// @notice Anyone, during the window: `participant` has `entry` in an hour of the week
    /// and `absence` (the bracketing leaves, see {SortedTree-isAbsent}) proves it has no leaf.
    function challengeMissingParticipant(
        uint64 week,
        address participant,
        HourEntry calldata entry,
        SortedTree.Item[] calldata absence
    ) external;
    /// @notice Anyone, during the window: the running sums are wrong. With `pair`, `a` and
    /// `b` are adjacent leaves whose sums do not continue; without, `a` is the first leaf with
    /// sums that are not zero, or the last whose sums do not end at the totals.
    function challengeRunningSums(uint64 week, SortedTree.Item calldata a, SortedTree.Item calldata b, bool pair)
        external;
    /// @notice Anyone, until the hour's week has a root whose window is over: a committed fill
    /// of hour `hour` is not what its order's curve gives at the hour's committed prices
    /// ({IClearingLedger.isFillOffCurve}). Voids the whole hour: no weekly root may count any
    /// of its entries (a bit set for it is a {challengeLeafHours} fault); deletes the week's
    /// posted root, if any; pays the bond to the challenger. Reverts {SettlementNotAFault}
    /// (fault Trade) when the evidence does not prove it.
    function challengeTrade(
        uint64 hour,
        IClearingLedger.OrderFill calldata fill,
        IClearingLedger.ProvenPrice[] calldata prices
    ) external;
    /// @notice Anyone, on the terms of {challengeTrade}: hour `hour`'s trade-lines tree proves
    /// that a product's committed trades do not sum to zero, or that a line is not its fill
    /// (docs/settlement.md, "Balance of an hour"). `check` is the ABI-encoded call of one of
    /// the ledger's views {IClearingLedger.isUnbalanced}, {IClearingLedger.isLineOffFill},
    /// {IClearingLedger.isLineMissing} or {IClearingLedger.isLinesMalformed}, or
    /// {IClearingLedger.isPortfolioFillUnsigned} (a portfolio order's fill its participant did
    /// not sign), or one of the holdings views of {IHoldingsLedger} (an entry that is not its
    /// trade lines: docs/settlement.md, "Entries bound to the trade lines"), whose first
    /// argument is `hour`; when it answers true the hour is void, the week's posted root
    /// @notice Anyone, on the terms of {challengeTrade}: hour `hour`'s trade-lines and fills
    /// trees prove that a product's committed trades do not sum to zero, that a line is not its
    /// fill, or that a line is backed by no committed fill (docs/settlement.md, "Balance of an
    /// hour", "Backing of a trade line"). `check` is the ABI-encoded call of one of the ledger's
    /// views {IClearingLedger.isUnbalanced}, {IClearingLedger.isLineOffFill},
    /// {IClearingLedger.isLineMissing}, {IClearingLedger.isLinesMalformed},
    /// {IClearingLedger.isLineUnbacked}, {IClearingLedger.isLineOutsideFill},
    /// {IClearingLedger.isFillsMalformed}, or {IClearingLedger.isPortfolioFillUnsigned} (a
    /// portfolio order's fill its participant did not sign), whose first argument is `hour`; when it answers true the hour is void, the week's posted root
    /// deleted and the bond paid to the challenger. Reverts {SettlementNotAFault} (fault
    /// Balance) otherwise.
    function challengeBalance(uint64 hour, bytes calldata check) external;
    /// @notice Anyone, in the same window as {challengeTrade}: a committed fill of hour `hour`
    /// is not backed by an order its participant signed ({IClearingLedger.isFillUnsigned}).
    /// Voids the hour, deletes the week's posted root and pays the bond exactly as
    /// {challengeTrade}. Reverts {SettlementNotAFault} (fault UnsignedFill) when the evidence
    /// does not prove it.
    function challengeUnsignedFill(uint64 hour, IClearingLedger.OrderFill calldata fill) external;
    /// @notice True when a proven wrong trade voided hour `hour`.
    function isHourVoided(uint64 hour) external view returns (bool);
    /// @notice Anyone, during the window: the tree is malformed. With `pair`, `a` and `b`
    /// share an index, or are adjacent with keys not strictly increasing (one participant
    /// twice); without, `a` has an index at or above the count, or a key that is not an
    /// address, or a value that is not a settlement value.
    function challengeMalformed(uint64 week, SortedTree.Item calldata a, SortedTree.Item calldata b, bool pair)
        external;
    /// @notice Anyone: settle one leaf (pull a debit; pay what is due on a credit).
    function executeSettlement(uint64 week, SortedTree.Item calldata leaf) external;
    /// @notice Anyone, after the grace period of a failed pull: take the debt from collateral.
    function seize(uint64 week, address participant) external;
    /// @notice Anyone: send the fees' pro-rata share of what the week collected (less what
    /// was sent before) to the revenue distributor.
    function forwardFees(uint64 week) external;
    /// @notice Anyone: lift a restriction once the participant owes nothing.
    function clearRestriction(address participant) external;

    function weekRoot(uint64 week) external view returns (WeekRoot memory);
    /// @notice When the week's root can be executed: the end of its challenge window plus
    /// the seconds the market has been paused since it was posted (0 without a root).
    function executableAt(uint64 week) external view returns (uint64);
    function leafRecord(uint64 week, address participant) external view returns (LeafRecord memory);
    function leafStatus(uint64 week, address participant) external view returns (LeafStatus);
    /// @notice End of the grace period of a defaulted leaf, extended by pauses (0 otherwise).
    function graceEndsAt(uint64 week, address participant) external view returns (uint64);
    /// @notice Outstanding debt of a defaulted leaf, wei.
    function outstandingOf(uint64 week, address participant) external view returns (uint256);
    /// @notice Total outstanding debt of the participant over all weeks, wei.
    function debtOf(address participant) external view returns (uint256);
    /// @notice What executing the credit leaf of `amount` wei would pay now, wei.
    function creditDue(uint64 week, address participant, uint256 amount) external view returns (uint256);
    /// @notice True after a seizure until {clearRestriction}: the oracle only accepts the
    /// participant's trades that move it towards balance.
    function isRestricted(address participant) external view returns (bool);
}
