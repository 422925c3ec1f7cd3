// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IMarketParameters} from "../interfaces/IMarketParameters.sol";
import {HourSchedule} from "../libraries/HourSchedule.sol";
import {SettlementMath} from "../libraries/SettlementMath.sol";

/// @title MarketParameters
/// @notice The governed parameters of the market. Owned by the timelock from construction:
/// no deployer ever owns them.
contract MarketParameters is IMarketParameters, Ownable {
    /// @notice Highest fee governance may set: 10 %.
    uint16 public constant MAX_FEE_BPS = 1_000;
    /// @notice Every governed duration (challenge window, grace period, revenue epoch) lies
    /// within [MIN_DURATION, MAX_DURATION] seconds.
    uint32 public constant MIN_DURATION = 1;
    uint32 public constant MAX_DURATION = 90 days;
    /// @notice Order limits a deployment starts with (governance changes them): 100 000 GB/h
    /// per order, 10 000 000 GB/h per participant, 1 000 capacity tokens per GB.
    uint64 public constant DEFAULT_MAX_ORDER_RATE = 100_000;
    uint64 public constant DEFAULT_MAX_PARTICIPANT_RATE = 10_000_000;
    uint128 public constant DEFAULT_MAX_PRICE = 1_000e18;
    /// @notice Highest order limits governance may set: 10^12 GB/h and 10^12 tokens per GB
    /// (10^30 wei). Beyond them quantities times prices leave the range in which the
    /// clearing's double-precision arithmetic can balance a market to its tolerance.
    uint64 public constant MAX_RATE_CAP = 1e12;
    uint128 public constant MAX_PRICE_CAP = 1e30;
    /// @notice The clearing interval a deployment starts with: one clearing per hour.
    uint32 public constant DEFAULT_CLEARING_INTERVAL = 3600;
    /// @notice The shortest clearing interval governance may set: one minute. Every interval
    /// is a whole number of minutes dividing an hour, so each hour holds whole intervals.
    uint32 public constant MIN_CLEARING_INTERVAL = 60;
    uint256 private constant _SECONDS_PER_HOUR = 3600;

    uint16 private _feeBps;
    uint16 private _holderShareBps;
    address private _treasury;
    CollateralParams private _collateral;
    OrderLimits private _orderLimits;
    address private _oracle;
    address private _guardian;
    uint32 private _challengeWindow;
    uint32 private _gracePeriod;
    uint32 private _revenueEpochDuration;
    bool private _paused;
    uint64 private _pausedSince;
    uint64 private _pausedTotal;
    /// @dev The clearing schedule in seconds, `fromHour` strictly increasing; the first
    /// entry (hour 0, hourly) is implicit while the array is empty.
    HourSchedule.Change[] private _intervalChanges;
    /// @dev The clearing engine's schedule, `fromHour` strictly increasing; the initial
    /// engine from hour 0 is implicit while the array is empty.
    HourSchedule.Change[] private _engineChanges;
    /// @dev The clearing engine of every hour before governance names another: the engine
    /// whose prices the first published hours hold (docs/engine-versions.md).
    uint16 private immutable _initialEngine;

    constructor(address timelock, InitialParameters memory initial) Ownable(timelock) {
        _setFeeBps(initial.feeBps);
        _setRevenueSplit(initial.holderShareBps, initial.treasury);
        _setCollateralParams(initial.collateral);
        _setOracle(initial.oracle);
        _setGuardian(initial.guardian);
        _setChallengeWindow(initial.challengeWindow);
        _setGracePeriod(initial.gracePeriod);
        _setRevenueEpochDuration(initial.revenueEpochDuration);
        _setOrderLimits(OrderLimits(DEFAULT_MAX_ORDER_RATE, DEFAULT_MAX_PARTICIPANT_RATE, DEFAULT_MAX_PRICE));
        if (initial.clearingEngine == 0) {
            revert ParametersClearingEngineInvalid(0);
        }
        _initialEngine = initial.clearingEngine;
        emit ClearingEngineUpdated(0, initial.clearingEngine, 0);
    }

    /// @inheritdoc IMarketParameters
    function feeBps() external view returns (uint16) {
        return _feeBps;
    }

    /// @inheritdoc IMarketParameters
    function holderShareBps() external view returns (uint16) {
        return _holderShareBps;
    }

    /// @inheritdoc IMarketParameters
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc IMarketParameters
    function collateralParams() external view returns (CollateralParams memory) {
        return _collateral;
    }

    /// @inheritdoc IMarketParameters
    function orderLimits() external view returns (OrderLimits memory) {
        return _orderLimits;
    }

    /// @inheritdoc IMarketParameters
    function oracle() external view returns (address) {
        return _oracle;
    }

    /// @inheritdoc IMarketParameters
    function guardian() external view returns (address) {
        return _guardian;
    }

    /// @inheritdoc IMarketParameters
    function challengeWindow() external view returns (uint32) {
        return _challengeWindow;
    }

    /// @inheritdoc IMarketParameters
    function gracePeriod() external view returns (uint32) {
        return _gracePeriod;
    }

    /// @inheritdoc IMarketParameters
    function revenueEpochDuration() external view returns (uint32) {
        return _revenueEpochDuration;
    }

    /// @inheritdoc IMarketParameters
    function clearingIntervalAt(uint64 hour) public view returns (uint32) {
        return HourSchedule.at(_intervalChanges, hour, DEFAULT_CLEARING_INTERVAL);
    }

    /// @inheritdoc IMarketParameters
    function clearingInterval() external view returns (uint32) {
        return clearingIntervalAt(_openHour());
    }

    /// @inheritdoc IMarketParameters
    function clearingEngineAt(uint64 hour) public view returns (uint16) {
        // Only uint16 values are ever set, so the narrowing keeps every bit.
        return uint16(HourSchedule.at(_engineChanges, hour, _initialEngine));
    }

    /// @inheritdoc IMarketParameters
    function initialClearingEngine() external view returns (uint16) {
        return _initialEngine;
    }

    /// @inheritdoc IMarketParameters
    function clearingEngine() external view returns (uint16) {
        return clearingEngineAt(_openHour());
    }

    /// @inheritdoc IMarketParameters
    function paused() external view returns (bool) {
        return _paused;
    }

    /// @inheritdoc IMarketParameters
    function pausedSeconds() external view returns (uint64) {
        return _paused ? _pausedTotal + (uint64(block.timestamp) - _pausedSince) : _pausedTotal;
    }

    /// @inheritdoc IMarketParameters
    function setFeeBps(uint16 newFeeBps) external onlyOwner {
        _setFeeBps(newFeeBps);
    }

    /// @inheritdoc IMarketParameters
    function setRevenueSplit(uint16 newHolderShareBps, address newTreasury) external onlyOwner {
        _setRevenueSplit(newHolderShareBps, newTreasury);
    }

    /// @inheritdoc IMarketParameters
    function setCollateralParams(CollateralParams calldata newParams) external onlyOwner {
        _setCollateralParams(newParams);
    }

    /// @inheritdoc IMarketParameters
    function setOrderLimits(OrderLimits calldata newLimits) external onlyOwner {
        _setOrderLimits(newLimits);
    }

    /// @inheritdoc IMarketParameters
    function setOracle(address newOracle) external onlyOwner {
        _setOracle(newOracle);
    }

    /// @inheritdoc IMarketParameters
    function setGuardian(address newGuardian) external onlyOwner {
        _setGuardian(newGuardian);
    }

    /// @inheritdoc IMarketParameters
    function setChallengeWindow(uint32 newSeconds) external onlyOwner {
        _setChallengeWindow(newSeconds);
    }

    /// @inheritdoc IMarketParameters
    function setGracePeriod(uint32 newSeconds) external onlyOwner {
        _setGracePeriod(newSeconds);
    }

    /// @inheritdoc IMarketParameters
    function setRevenueEpochDuration(uint32 newSeconds) external onlyOwner {
        _setRevenueEpochDuration(newSeconds);
    }

    /// @inheritdoc IMarketParameters
    function setClearingInterval(uint32 newSeconds) external onlyOwner {
        if (
            newSeconds < MIN_CLEARING_INTERVAL || newSeconds % MIN_CLEARING_INTERVAL != 0
                || _SECONDS_PER_HOUR % newSeconds != 0
        ) {
            revert ParametersClearingIntervalInvalid(newSeconds);
        }
        uint64 fromHour = _nextBoundaryHour();
        uint32 old = HourSchedule.set(_intervalChanges, fromHour, newSeconds, DEFAULT_CLEARING_INTERVAL);
        emit ClearingIntervalUpdated(old, newSeconds, fromHour);
    }

    /// @inheritdoc IMarketParameters
    function setClearingEngine(uint16 newEngine) external onlyOwner {
        if (newEngine == 0) {
            revert ParametersClearingEngineInvalid(newEngine);
        }
        // A verifier re-clears every hour with the engine its bidders knew of.
        uint64 fromHour = _nextBoundaryHour();
        uint32 old = HourSchedule.set(_engineChanges, fromHour, newEngine, _initialEngine);
        emit ClearingEngineUpdated(old, newEngine, fromHour);
    }

    /// @inheritdoc IMarketParameters
    function pause() external {
        if (msg.sender != owner() && msg.sender != _guardian) {
            revert ParametersNotPauser(msg.sender);
        }
        if (_paused) {
            revert ParametersPauseUnchanged(true);
        }
        _paused = true;
        _pausedSince = uint64(block.timestamp);
        emit MarketPaused(msg.sender);
    }

    /// @inheritdoc IMarketParameters
    function unpause() external onlyOwner {
        if (!_paused) {
            revert ParametersPauseUnchanged(false);
        }
        _paused = false;
        _pausedTotal += uint64(block.timestamp) - _pausedSince;
        emit MarketUnpaused(msg.sender);
    }

    /// @dev The hour whose bidding window is open now: floor(now / 3600) + 1.
    function _openHour() private view returns (uint64) {
        return uint64(block.timestamp / _SECONDS_PER_HOUR + 1);
    }

    /// @dev The first hour a change made now governs: the one after the open hour, so no
    /// hour changes its interval or engine once bidding for it began.
    function _nextBoundaryHour() private view returns (uint64) {
        return _openHour() + 1;
    }

    function _setFeeBps(uint16 newFeeBps) private {
        if (newFeeBps > MAX_FEE_BPS) {
            revert ParametersFeeTooHigh(newFeeBps, MAX_FEE_BPS);
        }
        uint16 old = _feeBps;
        _feeBps = newFeeBps;
        emit FeeRateUpdated(old, newFeeBps);
    }

    function _setRevenueSplit(uint16 newHolderShareBps, address newTreasury) private {
        if (newHolderShareBps > SettlementMath.BPS) {
            revert ParametersShareTooHigh(newHolderShareBps);
        }
        if (newTreasury == address(0)) {
            revert ParametersZeroAddress("treasury");
        }
        _holderShareBps = newHolderShareBps;
        _treasury = newTreasury;
        emit RevenueSplitUpdated(newHolderShareBps, newTreasury);
    }

    function _setCollateralParams(CollateralParams memory newParams) private {
        if (newParams.initialMarginBps > SettlementMath.BPS) {
            revert ParametersShareTooHigh(newParams.initialMarginBps);
        }
        if (newParams.deviationMarginBps > SettlementMath.BPS) {
            revert ParametersShareTooHigh(newParams.deviationMarginBps);
        }
        if (newParams.warningBufferBps > SettlementMath.BPS) {
            revert ParametersShareTooHigh(newParams.warningBufferBps);
        }
        _collateral = newParams;
        emit CollateralParamsUpdated(
            newParams.initialMarginBps, newParams.deviationMarginBps, newParams.warningBufferBps
        );
    }

    function _setOrderLimits(OrderLimits memory newLimits) private {
        if (
            newLimits.maxOrderRate == 0 || newLimits.maxPrice == 0
                || newLimits.maxParticipantRate < newLimits.maxOrderRate
                || newLimits.maxParticipantRate > MAX_RATE_CAP || newLimits.maxPrice > MAX_PRICE_CAP
        ) {
            revert ParametersOrderLimitsInvalid(
                newLimits.maxOrderRate, newLimits.maxParticipantRate, newLimits.maxPrice
            );
        }
        _orderLimits = newLimits;
        emit OrderLimitsUpdated(newLimits.maxOrderRate, newLimits.maxParticipantRate, newLimits.maxPrice);
    }

    function _setOracle(address newOracle) private {
        if (newOracle == address(0)) {
            revert ParametersZeroAddress("oracle");
        }
        address old = _oracle;
        _oracle = newOracle;
        emit OracleUpdated(old, newOracle);
    }

    function _setGuardian(address newGuardian) private {
        if (newGuardian == address(0)) {
            revert ParametersZeroAddress("guardian");
        }
        address old = _guardian;
        _guardian = newGuardian;
        emit GuardianUpdated(old, newGuardian);
    }

    function _setChallengeWindow(uint32 newSeconds) private {
        _checkDuration("challengeWindow", newSeconds);
        uint32 old = _challengeWindow;
        _challengeWindow = newSeconds;
        emit ChallengeWindowUpdated(old, newSeconds);
    }

    function _setGracePeriod(uint32 newSeconds) private {
        _checkDuration("gracePeriod", newSeconds);
        uint32 old = _gracePeriod;
        _gracePeriod = newSeconds;
        emit GracePeriodUpdated(old, newSeconds);
    }

    function _setRevenueEpochDuration(uint32 newSeconds) private {
        _checkDuration("revenueEpochDuration", newSeconds);
        uint32 old = _revenueEpochDuration;
        _revenueEpochDuration = newSeconds;
        emit RevenueEpochDurationUpdated(old, newSeconds);
    }

    function _checkDuration(string memory field, uint32 value) private pure {
        if (value < MIN_DURATION || value > MAX_DURATION) {
            revert ParametersDurationOutOfRange(field, value, MIN_DURATION, MAX_DURATION);
        }
    }
}
