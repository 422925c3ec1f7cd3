// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title MarketTimelock
/// @notice OpenZeppelin's TimelockController, unchanged: the only owner of every market
/// parameter and role. The governor is its proposer and canceller; anyone may execute a
/// queued operation once its delay has passed.
contract MarketTimelock is TimelockController {
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
