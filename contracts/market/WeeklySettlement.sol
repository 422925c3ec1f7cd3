// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IWeeklySettlement} from "../interfaces/IWeeklySettlement.sol";
import {IClearingLedger} from "../interfaces/IClearingLedger.sol";
import {IHoldingsLedger} from "../interfaces/IHoldingsLedger.sol";
import {ICollateralVault} from "../interfaces/ICollateralVault.sol";
import {IRevenueDistributor} from "../interfaces/IRevenueDistributor.sol";
import {IMarketParameters} from "../interfaces/IMarketParameters.sol";
import {IOracleBond} from "../interfaces/IOracleBond.sol";
import {MarketLeaves} from "../libraries/MarketLeaves.sol";
import {SettlementMath} from "../libraries/SettlementMath.sol";
import {SortedTree} from "../libraries/SortedTree.sol";
import {MarketAccess} from "./MarketAccess.sol";

/// @title WeeklySettlement
/// @notice Optimistic weekly settlement; see {IWeeklySettlement}. Each week's money is
/// accounted separately: a week pays out only what its own debtors paid in (pro rata when
/// short), so a bad root can never spend another week's funds, and never more than the
/// totals it declared. The contract's token balance is always the sum over weeks of
/// collected − paid out − fees forwarded.
contract WeeklySettlement is IWeeklySettlement, ReentrancyGuard, MarketAccess {
    using SafeERC20 for IERC20;

    IClearingLedger private immutable _ledger;
    IERC20 private immutable _token;
    ICollateralVault private immutable _vault;
    IRevenueDistributor private immutable _distributor;
    IOracleBond private immutable _bond;
    /// @dev Hours in a week: a leaf's bitmap has one bit per hour.
    uint256 private constant _WEEK_HOURS = 168;
    /// @dev Bytes of a settlement leaf's value: four ABI words.
    uint256 private constant _VALUE_BYTES = 128;
    /// @notice The root a week with no leaf posts (every entry of the week void, or none):
    /// keccak256("flowmarket: a week with no leaves"). No leaf proves against it, and with
    /// count 0 every participant is absent, so a wrong empty week is proven by
    /// {challengeMissingParticipant} like any other.
    bytes32 public constant EMPTY_WEEK_ROOT = keccak256("flowmarket: a week with no leaves");

    mapping(uint64 week => WeekRoot) private _weeks;
    mapping(uint64 week => mapping(address participant => LeafRecord)) private _leaves;
    mapping(address participant => uint256) private _debt;
    mapping(address participant => bool) private _restricted;
    /// @dev Weeks in which the participant defaulted, oldest first; entries before
    /// `_debtHead` are cured. A participant defaults at most once per week, so the list
    /// grows by at most one entry per week.
    mapping(address participant => uint64[]) private _debtWeeks;
    mapping(address participant => uint256) private _debtHead;
    mapping(uint64 hour => bool) private _voidedHours;

    constructor(
        IMarketParameters parameters_,
        IClearingLedger ledger_,
        IERC20 token_,
        ICollateralVault vault_,
        IRevenueDistributor distributor_,
        IOracleBond bond_
    ) MarketAccess(parameters_) {
        if (address(ledger_) == address(0)) revert MarketZeroAddress("ledger");
        if (address(token_) == address(0)) revert MarketZeroAddress("token");
        if (address(vault_) == address(0)) revert MarketZeroAddress("vault");
        if (address(distributor_) == address(0)) revert MarketZeroAddress("distributor");
        _ledger = ledger_;
        _token = token_;
        _vault = vault_;
        _distributor = distributor_;
        if (address(bond_) == address(0)) revert MarketZeroAddress("bond");
        _bond = bond_;
    }

    /// @inheritdoc IWeeklySettlement
    function postSettlementRoot(
        uint64 week,
        bytes32 root,
        uint64 count,
        uint256 totalCredits,
        uint256 totalDebits,
        uint256 fees
    ) external onlyOracle whenMarketNotPaused {
        if (!_ledger.isWeekCommitted(week)) {
            revert SettlementWeekIncomplete(week, _ledger.nextHour());
        }
        WeekRoot storage w = _weeks[week];
        if (w.root != bytes32(0)) {
            revert SettlementRootAlreadyPosted(week);
        }
        if (root == bytes32(0) || (count == 0 && root != EMPTY_WEEK_ROOT)) {
            revert SettlementZeroRoot(week);
        }
        if (root == EMPTY_WEEK_ROOT && (count != 0 || totalCredits != 0 || totalDebits != 0 || fees != 0)) {
            revert SettlementEmptyRoot(week);
        }
        if (!SettlementMath.isBalanced(totalCredits, totalDebits, fees)) {
            revert SettlementNotBalanced(week, totalCredits, totalDebits, fees);
        }
        if (!_bond.isBonded()) {
            revert SettlementOracleUnbonded(_bond.bonded(), _bond.size());
        }
        uint64 now_ = uint64(block.timestamp);
        _weeks[week] = WeekRoot({
            root: root,
            count: count,
            postedAt: now_,
            pausedAtPost: parameters().pausedSeconds(),
            totalCredits: totalCredits,
            totalDebits: totalDebits,
            fees: fees,
            collected: 0,
            defaulted: 0,
            paidOut: 0,
            feesForwarded: 0
        });
        emit SettlementRootPosted(
            week, root, count, totalCredits, totalDebits, fees, now_ + parameters().challengeWindow()
        );
    }

    /// @inheritdoc IWeeklySettlement
    function deleteSettlementRoot(uint64 week) external onlyGuardian {
        WeekRoot storage w = _weeks[week];
        bytes32 root = w.root;
        if (root == bytes32(0)) {
            revert SettlementRootMissing(week);
        }
        uint64 executable = _executableAt(w);
        if (block.timestamp >= executable) {
            revert SettlementChallengeWindowOver(week, executable);
        }
        // Nothing can have been executed yet: execution needs the window to be over.
        delete _weeks[week];
        emit SettlementRootDeleted(week, root, msg.sender);
    }

    /// @inheritdoc IWeeklySettlement
    function challengeLeafSum(uint64 week, SortedTree.Item calldata leaf, HourEntry[] calldata entries)
        external
        nonReentrant
    {
        WeekRoot storage w = _challengeable(week);
        (address participant, int256 amount, uint256 hours_,,) = _leaf(w, week, leaf, Fault.LeafSum);
        uint64 first = _firstHour(week);
        int256 sum = 0;
        uint256 used = 0;
        for (uint256 h = 0; h < _WEEK_HOURS; ++h) {
            if (hours_ & (uint256(1) << h) == 0) continue;
            if (used == entries.length) revert SettlementNotAFault(week, Fault.LeafSum);
            HourEntry calldata entry = entries[used++];
            if (entry.hour != first + h || !_isEntryOf(participant, entry)) {
                revert SettlementNotAFault(week, Fault.LeafSum);
            }
            sum += entry.cash;
        }
        if (used != entries.length || sum == amount) {
            revert SettlementNotAFault(week, Fault.LeafSum);
        }
        _voidRoot(w, week, Fault.LeafSum);
    }

    /// @inheritdoc IWeeklySettlement
    function challengeLeafHours(uint64 week, SortedTree.Item calldata leaf, HourEntry calldata entry)
        external
        nonReentrant
    {
        WeekRoot storage w = _challengeable(week);
        (address participant,, uint256 hours_,,) = _leaf(w, week, leaf, Fault.LeafHours);
        bool fault = hours_ >> _WEEK_HOURS != 0;
        uint64 first = _firstHour(week);
        if (!fault && entry.hour >= first && entry.hour < first + _WEEK_HOURS) {
            bool set = hours_ & (uint256(1) << (entry.hour - first)) != 0;
            // A set bit for a voided hour counts a voided trade; a clear bit for an hour with
            // an entry leaves out a committed one (unless the hour is void).
            fault = _voidedHours[entry.hour]
                ? set
                : !set && _isEntryOf(participant, entry);
        }
        if (!fault) revert SettlementNotAFault(week, Fault.LeafHours);
        _voidRoot(w, week, Fault.LeafHours);
    }

    /// @inheritdoc IWeeklySettlement
    function challengeMissingParticipant(
        uint64 week,
        address participant,
        HourEntry calldata entry,
        SortedTree.Item[] calldata absence
    ) external nonReentrant {
        WeekRoot storage w = _challengeable(week);
        uint64 first = _firstHour(week);
        bool fault = entry.hour >= first && entry.hour < first + _WEEK_HOURS && !_voidedHours[entry.hour]
            && _isEntryOf(participant, entry)
            && SortedTree.isAbsent(w.root, w.count, MarketLeaves.participantKey(participant), absence);
        if (!fault) revert SettlementNotAFault(week, Fault.MissingParticipant);
        _voidRoot(w, week, Fault.MissingParticipant);
    }

    /// @inheritdoc IWeeklySettlement
    function challengeRunningSums(uint64 week, SortedTree.Item calldata a, SortedTree.Item calldata b, bool pair)
        external
        nonReentrant
    {
        WeekRoot storage w = _challengeable(week);
        (, int256 amountA,, uint256 creditsA, uint256 debitsA) = _leaf(w, week, a, Fault.RunningSums);
        (uint256 creditsAfter, uint256 debitsAfter) = _after(amountA, creditsA, debitsA);
        bool fault;
        if (pair) {
            if (!SortedTree.areAdjacent(w.root, w.count, a, b)) revert SettlementNotAFault(week, Fault.RunningSums);
            (,,, uint256 creditsB, uint256 debitsB) = _leaf(w, week, b, Fault.RunningSums);
            fault = creditsAfter != creditsB || debitsAfter != debitsB;
        } else {
            bool badFirst = a.index == 0 && (creditsA != 0 || debitsA != 0);
            bool badLast =
                a.index == w.count - 1 && (creditsAfter != w.totalCredits || debitsAfter != w.totalDebits);
            fault = badFirst || badLast;
        }
        if (!fault) revert SettlementNotAFault(week, Fault.RunningSums);
        _voidRoot(w, week, Fault.RunningSums);
    }

    /// @inheritdoc IWeeklySettlement
    function challengeTrade(
        uint64 hour,
        IClearingLedger.OrderFill calldata fill,
        IClearingLedger.ProvenPrice[] calldata prices
    ) external nonReentrant {
        uint64 week = _hourChallengeable(hour);
        if (!_ledger.isFillOffCurve(hour, fill, prices)) revert SettlementNotAFault(week, Fault.Trade);
        _voidHour(hour, week);
    }

    /// @inheritdoc IWeeklySettlement
    function challengeUnsignedFill(uint64 hour, IClearingLedger.OrderFill calldata fill) external nonReentrant {
        uint64 week = _hourChallengeable(hour);
        if (!_ledger.isFillUnsigned(hour, fill)) revert SettlementNotAFault(week, Fault.UnsignedFill);
        _voidHour(hour, week);
    }

    /// @inheritdoc IWeeklySettlement
    function challengeBalance(uint64 hour, bytes calldata check) external nonReentrant {
        uint64 week = _hourChallengeable(hour);
        bytes4 selector = check.length >= 36 ? bytes4(check[:4]) : bytes4(0);
        bool known = selector == IClearingLedger.isUnbalanced.selector
            || selector == IClearingLedger.isLineOffFill.selector || selector == IClearingLedger.isLineMissing.selector
            || selector == IClearingLedger.isLinesMalformed.selector
            || selector == IClearingLedger.isPortfolioFillUnsigned.selector || _isHoldingsView(selector)
            || selector == IClearingLedger.isLineUnbacked.selector || selector == IClearingLedger.isLineOutsideFill.selector
            || selector == IClearingLedger.isFillsMalformed.selector;
        if (!known || uint256(bytes32(check[4:36])) != hour) revert SettlementNotAFault(week, Fault.Balance);
        (bool ok, bytes memory answer) = address(_ledger).staticcall(check);
        if (!ok || answer.length != 32 || !abi.decode(answer, (bool))) revert SettlementNotAFault(week, Fault.Balance);
        _voidHour(hour, week);
    }

    /// @dev True for the ledger's views that judge an hour's holdings ({IHoldingsLedger}).
    function _isHoldingsView(bytes4 selector) private pure returns (bool) {
        return selector == IHoldingsLedger.isHoldingsUnbalanced.selector
            || selector == IHoldingsLedger.isHoldingsMalformed.selector
            || selector == IHoldingsLedger.isHoldingMispriced.selector
            || selector == IHoldingsLedger.isHoldingOffLine.selector
            || selector == IHoldingsLedger.isHoldingUnlined.selector || selector == IHoldingsLedger.isLineUnheld.selector
            || selector == IHoldingsLedger.isFillUnheld.selector || selector == IHoldingsLedger.isHoldingMisowned.selector
            || selector == IHoldingsLedger.isHoldingOffFill.selector
            || selector == IHoldingsLedger.isEntryOffHoldings.selector
            || selector == IHoldingsLedger.isEntryUnheld.selector;
    }

    /// @dev The week of an hour that can still be voided: committed or not yet, not void,
    /// and its week's posted root (if any) still in its window.
    function _hourChallengeable(uint64 hour) private view returns (uint64 week) {
        uint64 genesis = _ledger.genesisHour();
        if (hour < genesis) revert IClearingLedger.LedgerHourNotCommitted(hour);
        if (_voidedHours[hour]) revert SettlementHourAlreadyVoided(hour);
        week = (hour - genesis) / uint64(_WEEK_HOURS);
        WeekRoot storage w = _weeks[week];
        if (w.root != bytes32(0)) {
            uint64 executable = _executableAt(w);
            if (block.timestamp >= executable) revert SettlementChallengeWindowOver(week, executable);
        }
    }

    /// @dev Void a proven-wrong hour, delete its week's posted root, pay the bond.
    function _voidHour(uint64 hour, uint64 week) private {
        _voidedHours[hour] = true;
        bytes32 root = _weeks[week].root;
        if (root != bytes32(0)) delete _weeks[week];
        uint256 paid = _bond.slash(msg.sender);
        emit SettlementHourVoided(hour, week, root, msg.sender, paid);
    }

    /// @inheritdoc IWeeklySettlement
    function isHourVoided(uint64 hour) external view returns (bool) {
        return _voidedHours[hour];
    }

    /// @inheritdoc IWeeklySettlement
    function challengeMalformed(uint64 week, SortedTree.Item calldata a, SortedTree.Item calldata b, bool pair)
        external
        nonReentrant
    {
        WeekRoot storage w = _challengeable(week);
        bool fault;
        if (pair) {
            fault = SortedTree.isDuplicateIndex(w.root, a, b) || SortedTree.isUnsorted(w.root, w.count, a, b);
        } else {
            bool badShape = a.key.length != 20 || a.value.length != _VALUE_BYTES;
            fault = SortedTree.isOutOfRange(w.root, w.count, a) || (badShape && SortedTree.proves(w.root, a));
        }
        if (!fault) revert SettlementNotAFault(week, Fault.Malformed);
        _voidRoot(w, week, Fault.Malformed);
    }

    /// @inheritdoc IWeeklySettlement
    function executeSettlement(uint64 week, SortedTree.Item calldata leaf) external nonReentrant whenMarketNotPaused {
        WeekRoot storage w = _executableWeek(week);
        if (leaf.key.length != 20 || !SortedTree.isMember(w.root, w.count, leaf)) {
            revert SettlementInvalidLeaf(week, leaf.index);
        }
        address participant = address(bytes20(leaf.key));
        (int256 amount,,,) = abi.decode(leaf.value, (int256, uint256, uint256, uint256));
        LeafRecord storage record = _leaves[week][participant];
        if (record.status == LeafStatus.Settled) {
            revert SettlementAlreadySettled(week, participant);
        }
        bytes32 hash = SortedTree.leafHash(leaf.index, leaf.key, leaf.value);
        if (record.status == LeafStatus.Unsettled) {
            record.leaf = hash;
        } else if (record.leaf != hash) {
            revert SettlementConflictingLeaf(week, participant);
        }
        if (amount > 0) {
            _payCredit(w, week, participant, SafeCast.toUint256(amount), record);
        } else if (amount < 0) {
            _pullDebit(w, week, participant, SafeCast.toUint256(-amount), record);
        } else {
            record.status = LeafStatus.Settled;
            emit SettlementPaid(week, participant, 0, 0);
        }
    }

    /// @inheritdoc IWeeklySettlement
    function seize(uint64 week, address participant) external nonReentrant whenMarketNotPaused {
        WeekRoot storage w = _weeks[week];
        LeafRecord storage record = _leaves[week][participant];
        if (record.status != LeafStatus.Defaulted) {
            revert SettlementNotDefaulted(week, participant);
        }
        uint64 ends = _graceEndsAt(record);
        if (block.timestamp < ends) {
            revert SettlementGraceNotOver(week, ends);
        }
        if (!_restricted[participant]) {
            _restricted[participant] = true;
            emit ParticipantRestricted(participant, _debt[participant]);
        }
        uint256 seized = _vault.seize(participant, record.outstanding);
        uint256 outstanding = record.outstanding - seized;
        record.outstanding = outstanding;
        record.done += seized;
        _collectDefaulted(w, week, seized);
        _setDebt(participant, _debt[participant] - seized);
        if (outstanding == 0) {
            record.status = LeafStatus.Settled;
        }
        emit SettlementSeized(week, participant, seized, outstanding);
    }

    /// @inheritdoc IWeeklySettlement
    function forwardFees(uint64 week) external nonReentrant whenMarketNotPaused {
        WeekRoot storage w = _executableWeek(week);
        uint256 due = _share(w, w.fees) - w.feesForwarded;
        if (due == 0) {
            revert SettlementNothingDue(week, address(_distributor));
        }
        _spend(w, week, due);
        uint256 forwarded = w.feesForwarded + due;
        w.feesForwarded = forwarded;
        emit FeesForwarded(week, due, forwarded);
        _token.forceApprove(address(_distributor), due);
        _distributor.depositRevenue(due);
    }

    /// @inheritdoc IWeeklySettlement
    function clearRestriction(address participant) external whenMarketNotPaused {
        uint256 debt = _debt[participant];
        if (!_restricted[participant] || debt > 0) {
            revert SettlementStillRestricted(participant, debt);
        }
        _restricted[participant] = false;
        emit ParticipantUnrestricted(participant);
    }

    /// @inheritdoc IWeeklySettlement
    function weekRoot(uint64 week) external view returns (WeekRoot memory) {
        return _weeks[week];
    }

    /// @inheritdoc IWeeklySettlement
    function executableAt(uint64 week) external view returns (uint64) {
        WeekRoot storage w = _weeks[week];
        return w.root == bytes32(0) ? 0 : _executableAt(w);
    }

    /// @inheritdoc IWeeklySettlement
    function leafRecord(uint64 week, address participant) external view returns (LeafRecord memory) {
        return _leaves[week][participant];
    }

    /// @inheritdoc IWeeklySettlement
    function leafStatus(uint64 week, address participant) external view returns (LeafStatus) {
        return _leaves[week][participant].status;
    }

    /// @inheritdoc IWeeklySettlement
    function graceEndsAt(uint64 week, address participant) external view returns (uint64) {
        LeafRecord storage record = _leaves[week][participant];
        return record.status == LeafStatus.Defaulted ? _graceEndsAt(record) : 0;
    }

    /// @inheritdoc IWeeklySettlement
    function outstandingOf(uint64 week, address participant) external view returns (uint256) {
        return _leaves[week][participant].outstanding;
    }

    /// @inheritdoc IWeeklySettlement
    function debtOf(address participant) external view returns (uint256) {
        return _debt[participant];
    }

    /// @inheritdoc IWeeklySettlement
    function creditDue(uint64 week, address participant, uint256 amount) external view returns (uint256) {
        WeekRoot storage w = _weeks[week];
        return _share(w, amount) - _leaves[week][participant].done;
    }

    /// @inheritdoc IWeeklySettlement
    function isRestricted(address participant) external view returns (bool) {
        return _restricted[participant];
    }

    function _payCredit(WeekRoot storage w, uint64 week, address participant, uint256 amount, LeafRecord storage record)
        private
    {
        if (record.status == LeafStatus.Unsettled) {
            record.status = LeafStatus.Crediting;
            record.amount = amount;
        }
        uint256 due = _share(w, amount) - record.done;
        if (due == 0) {
            revert SettlementNothingDue(week, participant);
        }
        uint256 paid = record.done + due;
        record.done = paid;
        if (paid == amount) {
            record.status = LeafStatus.Settled;
        }
        uint256 paidOut = w.paidOut + due;
        if (paidOut > w.totalCredits) {
            revert SettlementExceedsTotal(week, due, w.totalCredits - w.paidOut);
        }
        _spend(w, week, due);
        w.paidOut = paidOut;
        emit SettlementPaid(week, participant, due, paid);
        uint256 toDebt = _payDownDebt(participant, week, due);
        if (due > toDebt) {
            _token.safeTransfer(participant, due - toDebt);
        }
    }

    function _pullDebit(WeekRoot storage w, uint64 week, address participant, uint256 owed, LeafRecord storage record)
        private
    {
        bool retry = record.status == LeafStatus.Defaulted;
        if (retry) {
            owed = record.outstanding;
        } else {
            // Reserve the debit within the week's total: collected + defaulted ≤ totalDebits.
            uint256 remaining = w.totalDebits - w.collected - w.defaulted;
            if (owed > remaining) {
                revert SettlementExceedsTotal(week, owed, remaining);
            }
            record.amount = owed;
        }
        if (_token.trySafeTransferFrom(participant, address(this), owed)) {
            record.status = LeafStatus.Settled;
            record.done += owed;
            if (retry) {
                record.outstanding = 0;
                _collectDefaulted(w, week, owed);
                _setDebt(participant, _debt[participant] - owed);
            } else {
                _collect(w, week, owed);
            }
            emit SettlementCollected(week, participant, owed);
            return;
        }
        if (retry) {
            revert SettlementTransferFailed(week, participant, owed);
        }
        record.status = LeafStatus.Defaulted;
        record.defaultedAt = uint64(block.timestamp);
        record.pausedAtDefault = parameters().pausedSeconds();
        record.outstanding = owed;
        w.defaulted += owed;
        _debtWeeks[participant].push(week);
        _setDebt(participant, _debt[participant] + owed);
        emit SettlementPullFailed(week, participant, owed, _graceEndsAt(record));
    }

    /// @dev Apply up to `amount` of a credit of week `fromWeek` to the participant's open
    /// debt, oldest defaulted week first; returns what was applied. The tokens stay in this
    /// contract: they move from `fromWeek`'s books (paid out) to the debt week's (collected).
    function _payDownDebt(address participant, uint64 fromWeek, uint256 amount) private returns (uint256 applied) {
        if (_debt[participant] == 0) {
            return 0;
        }
        uint64[] storage owedWeeks = _debtWeeks[participant];
        uint256 head = _debtHead[participant];
        while (applied < amount && head < owedWeeks.length) {
            uint64 week = owedWeeks[head];
            LeafRecord storage record = _leaves[week][participant];
            uint256 pay = Math.min(amount - applied, record.outstanding);
            if (pay > 0) {
                record.outstanding -= pay;
                record.done += pay;
                _collectDefaulted(_weeks[week], week, pay);
                applied += pay;
                emit SettlementDebtPaidDown(week, participant, fromWeek, pay, record.outstanding);
            }
            if (record.outstanding == 0) {
                record.status = LeafStatus.Settled;
                ++head;
            }
        }
        _debtHead[participant] = head;
        if (applied > 0) {
            _setDebt(participant, _debt[participant] - applied);
        }
    }

    /// @dev Add `amount` to the week's collected funds, never beyond its total debits.
    function _collect(WeekRoot storage w, uint64 week, uint256 amount) private {
        uint256 collected = w.collected + amount;
        if (collected + w.defaulted > w.totalDebits) {
            revert SettlementExceedsTotal(week, amount, w.totalDebits - w.collected - w.defaulted);
        }
        w.collected = collected;
    }

    /// @dev Move `amount` of defaulted debt to collected (their sum is unchanged).
    function _collectDefaulted(WeekRoot storage w, uint64 week, uint256 amount) private {
        w.defaulted -= amount;
        _collect(w, week, amount);
    }

    /// @dev Check that paying `amount` more keeps paid out + fees forwarded ≤ collected.
    function _spend(WeekRoot storage w, uint64 week, uint256 amount) private view {
        uint256 spent = w.paidOut + w.feesForwarded + amount;
        if (spent > w.collected) {
            revert SettlementFundsNotCollected(week, amount, w.collected);
        }
    }

    function _setDebt(address participant, uint256 debt) private {
        _debt[participant] = debt;
        _vault.recordDebt(participant, debt);
    }

    function _executableWeek(uint64 week) private view returns (WeekRoot storage w) {
        w = _weeks[week];
        if (w.root == bytes32(0)) {
            revert SettlementRootMissing(week);
        }
        uint64 executable = _executableAt(w);
        if (block.timestamp < executable) {
            revert SettlementChallengeWindowOpen(week, executable);
        }
    }

    /// @dev The week's root while it can still be challenged.
    function _challengeable(uint64 week) private view returns (WeekRoot storage w) {
        w = _weeks[week];
        if (w.root == bytes32(0)) {
            revert SettlementRootMissing(week);
        }
        uint64 executable = _executableAt(w);
        if (block.timestamp >= executable) {
            revert SettlementChallengeWindowOver(week, executable);
        }
    }

    /// @dev Delete a root proven wrong and pay the challenger from the bond. Nothing of the
    /// week can have been executed: execution needs the window to be over.
    function _voidRoot(WeekRoot storage w, uint64 week, Fault fault) private {
        bytes32 root = w.root;
        delete _weeks[week];
        uint256 paid = _bond.slash(msg.sender);
        emit SettlementRootVoided(week, root, fault, msg.sender, paid);
    }

    /// @dev A well-formed member leaf of the week's root, decoded; else not a fault of `fault`.
    function _leaf(WeekRoot storage w, uint64 week, SortedTree.Item calldata leaf, Fault fault)
        private
        view
        returns (address participant, int256 amount, uint256 hours_, uint256 creditsBefore, uint256 debitsBefore)
    {
        bool wellFormed = leaf.key.length == 20 && leaf.value.length == _VALUE_BYTES;
        if (!wellFormed || !SortedTree.isMember(w.root, w.count, leaf)) {
            revert SettlementNotAFault(week, fault);
        }
        participant = address(bytes20(leaf.key));
        (amount, hours_, creditsBefore, debitsBefore) = abi.decode(leaf.value, (int256, uint256, uint256, uint256));
    }

    /// @dev Running sums after a leaf: its amount added to the credits or the debits.
    function _after(int256 amount, uint256 credits, uint256 debits) private pure returns (uint256, uint256) {
        if (amount > 0) return (credits + SafeCast.toUint256(amount), debits);
        return (credits, debits + SafeCast.toUint256(-amount));
    }

    /// @dev True when `entry` is the participant's entry leaf committed for its hour.
    function _isEntryOf(address participant, HourEntry calldata entry) private view returns (bool) {
        return _ledger.verifyEntry(entry.hour, participant, entry.cash, entry.fee, entry.tradesHash, entry.proof);
    }

    /// @dev The first hour of `week`.
    function _firstHour(uint64 week) private view returns (uint64) {
        return _ledger.genesisHour() + uint64(_WEEK_HOURS) * week;
    }

    /// @dev End of the challenge window, extended by the time paused since posting.
    function _executableAt(WeekRoot storage w) private view returns (uint64) {
        uint64 paused = parameters().pausedSeconds() - w.pausedAtPost;
        return w.postedAt + parameters().challengeWindow() + paused;
    }

    /// @dev End of the grace period, extended by the time paused since the default.
    function _graceEndsAt(LeafRecord storage record) private view returns (uint64) {
        uint64 paused = parameters().pausedSeconds() - record.pausedAtDefault;
        return record.defaultedAt + parameters().gracePeriod() + paused;
    }

    /// @dev A claim's pro-rata share of what the week collected: amount × collected /
    /// totalDebits, floored. Credits and fees sum to totalDebits, so all shares together
    /// never exceed what was collected, and each is its full amount once all is collected.
    function _share(WeekRoot storage w, uint256 amount) private view returns (uint256) {
        return SettlementMath.proRata(amount, w.collected, w.totalDebits);
    }
}
