// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarketAccess} from "../interfaces/IMarketAccess.sol";
import {IMarketParameters} from "../interfaces/IMarketParameters.sol";

/// @title MarketAccess
/// @notice Base of every market contract: the oracle, the guardian and the pause flag are
/// read from {IMarketParameters}, which only the timelock changes.
abstract contract MarketAccess is IMarketAccess {
    IMarketParameters private immutable _parameters;

    constructor(IMarketParameters parameters_) {
        if (address(parameters_) == address(0)) {
            revert MarketZeroAddress("parameters");
        }
        _parameters = parameters_;
    }

    modifier onlyOracle() {
        if (msg.sender != _parameters.oracle()) {
            revert MarketNotOracle(msg.sender);
        }
        _;
    }

    modifier onlyGuardian() {
        if (msg.sender != _parameters.guardian()) {
            revert MarketNotGuardian(msg.sender);
        }
        _;
    }

    modifier whenMarketNotPaused() {
        if (_parameters.paused()) {
            revert MarketIsPaused();
        }
        _;
    }

    /// @inheritdoc IMarketAccess
    function parameters() public view returns (IMarketParameters) {
        return _parameters;
    }
}
