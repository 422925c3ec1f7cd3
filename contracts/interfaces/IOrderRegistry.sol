// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IOrderRegistry
/// @notice Lets a participant cancel all its signed orders with nonce below a bound in one
/// transaction, even when the operator's API is down (market.md §4). The oracle drops every
/// order whose nonce is below `minNonce(participant)` before clearing. Cancellation is never
/// paused: it only ever reduces a participant's risk.
interface IOrderRegistry {
    /// @notice The new bound must exceed the current one.
    error OrdersNonceNotIncreasing(address participant, uint256 current, uint256 requested);

    /// @notice Orders of `participant` with nonce < `minNonce` are invalid from now on.
    event OrdersInvalidated(address indexed participant, uint256 minNonce);

    /// @notice Invalidate all the caller's orders with nonce strictly below `newMinNonce`.
    function invalidateOrders(uint256 newMinNonce) external;

    /// @notice Orders of `participant` with a nonce below this are cancelled.
    function minNonce(address participant) external view returns (uint256);

    /// @notice True when an order of `participant` with `nonce` has not been invalidated.
    function isNonceValid(address participant, uint256 nonce) external view returns (bool);
}
