// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IMarketParameters
/// @notice Every governed market parameter (market.md §6, §8). The timelock is the only
/// owner; the pause guardian may pause but never unpause. Every change emits an event.
interface IMarketParameters {
    /// @notice Collateral requirement parameters, all in basis points (1e4 = 100 %).
    /// The oracle computes each participant's requirement off chain from them and posts it
    /// to the vault: `initialMarginBps` of the value of the current position, plus
    /// `deviationMarginBps` of the value of the deviation between the current and the
    /// reported expected position; a warning goes out when excess collateral falls below
    /// `warningBufferBps` of the requirement.
    struct CollateralParams {
        uint16 initialMarginBps;
        uint16 deviationMarginBps;
        uint16 warningBufferBps;
    }

    /// @notice Bounds on every order the market accepts (docs/order-limits.md). The API
    /// refuses an order beyond them and the oracle cuts one before clearing.
    /// `maxOrderRate`: the most GB/h one order may trade (its largest |quantity| times the
    /// sum of its portfolio's |weights|, and its largest |quantity| alone);
    /// `maxParticipantRate`: the most GB/h a participant's open orders may trade together;
    /// `maxPrice`: the highest |price| per GB of the products an order moves, in
    /// capacity-token wei (18 decimals).
    struct OrderLimits {
        uint64 maxOrderRate;
        uint64 maxParticipantRate;
        uint128 maxPrice;
    }

    /// @notice Values a deployment starts with (see `flowmarket deploy --profile`).
    struct InitialParameters {
        uint16 feeBps;
        uint16 holderShareBps;
        address treasury;
        CollateralParams collateral;
        address oracle;
        address guardian;
        uint32 challengeWindow;
        uint32 gracePeriod;
        uint32 revenueEpochDuration;
        /// The clearing engine of every hour until governance names another (from 1).
        uint16 clearingEngine;
    }

    /// @notice The fee rate exceeds `MAX_FEE_BPS`.
    error ParametersFeeTooHigh(uint256 feeBps, uint256 maxBps);
    /// @notice A share in basis points exceeds 10 000.
    error ParametersShareTooHigh(uint256 shareBps);
    /// @notice An address parameter was the zero address; `field` names it.
    error ParametersZeroAddress(string field);
    /// @notice A duration lies outside [`min`, `max`] seconds; `field` names it.
    error ParametersDurationOutOfRange(string field, uint256 value, uint256 min, uint256 max);
    /// @notice Order limits must be positive, the participant's rate at least the order's,
    /// and none above the caps `MAX_RATE_CAP` (GB/h) and `MAX_PRICE_CAP` (wei per GB).
    error ParametersOrderLimitsInvalid(uint256 maxOrderRate, uint256 maxParticipantRate, uint256 maxPrice);
    /// @notice Only the owner (the timelock) or the guardian may pause.
    error ParametersNotPauser(address caller);
    /// @notice `pause()` while paused, or `unpause()` while not paused.
    error ParametersPauseUnchanged(bool paused);
    /// @notice A clearing interval must be a whole number of minutes that divides an hour
    /// (60, 120, 180, 240, 300, 360, 600, 720, 900, 1200, 1800 or 3600 seconds).
    error ParametersClearingIntervalInvalid(uint256 intervalSeconds);
    /// @notice Clearing engines are numbered from 1.
    error ParametersClearingEngineInvalid(uint256 engine);

    event FeeRateUpdated(uint256 oldFeeBps, uint256 newFeeBps);
    event RevenueSplitUpdated(uint256 holderShareBps, address indexed treasury);
    event CollateralParamsUpdated(uint256 initialMarginBps, uint256 deviationMarginBps, uint256 warningBufferBps);
    event OrderLimitsUpdated(uint256 maxOrderRate, uint256 maxParticipantRate, uint256 maxPrice);
    event OracleUpdated(address indexed oldOracle, address indexed newOracle);
    event GuardianUpdated(address indexed oldGuardian, address indexed newGuardian);
    event ChallengeWindowUpdated(uint256 oldSeconds, uint256 newSeconds);
    event GracePeriodUpdated(uint256 oldSeconds, uint256 newSeconds);
    event RevenueEpochDurationUpdated(uint256 oldSeconds, uint256 newSeconds);
    /// @notice The clearing interval becomes `newSeconds` from hour `fromHour` on (the first
    /// hour whose bidding window opens after the change); earlier hours keep `oldSeconds`.
    event ClearingIntervalUpdated(uint256 oldSeconds, uint256 newSeconds, uint64 fromHour);
    /// @notice Hours from `fromHour` on are cleared by engine version `newEngine` (the first
    /// hour whose bidding window opens after the change); earlier hours keep `oldEngine`.
    event ClearingEngineUpdated(uint256 oldEngine, uint256 newEngine, uint64 fromHour);
    event MarketPaused(address indexed by);
    event MarketUnpaused(address indexed by);

    /// @notice Fee on traded value, basis points.
    function feeBps() external view returns (uint16);
    /// @notice Share of fees paid to governance-token holders, basis points; the rest goes to the treasury.
    function holderShareBps() external view returns (uint16);
    /// @notice Receiver of the treasury share of fees.
    function treasury() external view returns (address);
    function collateralParams() external view returns (CollateralParams memory);
    /// @notice The bounds on every order (see `OrderLimits`).
    function orderLimits() external view returns (OrderLimits memory);
    /// @notice The clearing oracle: the only account that commits hours, requirements and settlement roots.
    function oracle() external view returns (address);
    /// @notice May pause the market and delete a settlement root during its challenge window.
    function guardian() external view returns (address);
    /// @notice Seconds a posted settlement root waits before it can be executed.
    function challengeWindow() external view returns (uint32);
    /// @notice Seconds a participant has to fix a failed settlement pull before seizure.
    function gracePeriod() external view returns (uint32);
    /// @notice Minimum seconds between two revenue epoch closes.
    function revenueEpochDuration() external view returns (uint32);
    /// @notice Seconds between two clearings during ledger hour `hour` (the hour whose bidding
    /// window closes at `hour` · 3600): the hour is cleared 3600 / interval times, at equal
    /// steps. 3600 (hourly) unless governance changed it (docs/schedule.md).
    function clearingIntervalAt(uint64 hour) external view returns (uint32);
    /// @notice The clearing interval of the hour whose bidding window is open now.
    function clearingInterval() external view returns (uint32);
    /// @notice The clearing engine version of ledger hour `hour`: the oracle clears the hour
    /// with it and a verifier re-clears it with it, to the last bit (docs/engine-versions.md).
    /// 1 unless governance changed it.
    function clearingEngineAt(uint64 hour) external view returns (uint16);
    /// @notice The clearing engine of the hour whose bidding window is open now.
    function clearingEngine() external view returns (uint16);
    /// @notice The engine the deployment started with: every hour's before the first change.
    function initialClearingEngine() external view returns (uint16);
    function paused() external view returns (bool);
    /// @notice Seconds the market has spent paused since deployment, the current pause
    /// included. Deadlines that must not run while the market is paused (a challenge window,
    /// a grace period) are extended by the growth of this counter since they started.
    function pausedSeconds() external view returns (uint64);

    function setFeeBps(uint16 newFeeBps) external;
    function setRevenueSplit(uint16 newHolderShareBps, address newTreasury) external;
    function setCollateralParams(CollateralParams calldata newParams) external;
    function setOrderLimits(OrderLimits calldata newLimits) external;
    function setOracle(address newOracle) external;
    function setGuardian(address newGuardian) external;
    function setChallengeWindow(uint32 newSeconds) external;
    function setGracePeriod(uint32 newSeconds) external;
    function setRevenueEpochDuration(uint32 newSeconds) external;
    /// @notice Change the clearing interval from the next hour boundary on: hours whose
    /// bidding window is already open (or closed, committed or not) keep their interval.
    function setClearingInterval(uint32 newSeconds) external;
    /// @notice Clear with engine version `newEngine` from the next hour boundary on, as for
    /// the interval: hours whose bidding window is already open keep their engine.
    function setClearingEngine(uint16 newEngine) external;
    /// @notice Pause every market contract. Owner or guardian.
    function pause() external;
    /// @notice Resume the market. Owner (the timelock) only.
    function unpause() external;
}
