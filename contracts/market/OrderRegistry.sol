// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOrderRegistry} from "../interfaces/IOrderRegistry.sol";

/// @title OrderRegistry
/// @notice On-chain mass cancellation of signed orders by nonce. Each participant can only
/// move its own bound, and only upwards, so it needs no further access control.
contract OrderRegistry is IOrderRegistry {
    mapping(address participant => uint256) private _minNonce;

    /// @inheritdoc IOrderRegistry
    function invalidateOrders(uint256 newMinNonce) external {
        uint256 current = _minNonce[msg.sender];
        if (newMinNonce <= current) {
            revert OrdersNonceNotIncreasing(msg.sender, current, newMinNonce);
        }
        _minNonce[msg.sender] = newMinNonce;
        emit OrdersInvalidated(msg.sender, newMinNonce);
    }

    /// @inheritdoc IOrderRegistry
    function minNonce(address participant) external view returns (uint256) {
        return _minNonce[participant];
    }

    /// @inheritdoc IOrderRegistry
    function isNonceValid(address participant, uint256 nonce) external view returns (bool) {
        return nonce >= _minNonce[participant];
    }
}
