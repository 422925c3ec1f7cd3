// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarketParameters} from "./IMarketParameters.sol";

/// @title IMarketAccess
/// @notice Errors shared by every market contract that reads its roles and pause flag from
/// {IMarketParameters}: changing the oracle or pausing is one governance action for all.
interface IMarketAccess {
    /// @notice The market is paused by governance or the guardian.
    error MarketIsPaused();
    /// @notice Only the oracle of the market parameters may call this.
    error MarketNotOracle(address caller);
    /// @notice Only the guardian of the market parameters may call this.
    error MarketNotGuardian(address caller);
    /// @notice A constructor argument was the zero address; `field` names it.
    error MarketZeroAddress(string field);

    /// @notice The parameters contract every role and pause check reads.
    function parameters() external view returns (IMarketParameters);
}
