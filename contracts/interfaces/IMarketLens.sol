// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IMarketLens
/// @notice Read-only views of many participants in one call, for the oracle's hourly
/// snapshot: it needs every participant's vault collateral, settlement restriction and
/// order-nonce floor, three calls each when read one by one. The lens holds no state and
/// changes nothing; each value is exactly what the contract that owns it returns.
interface IMarketLens {
    /// @notice One participant's state as the snapshot reads it.
    /// @param collateral capacity-token wei in the vault (`ICollateralVault.collateralOf`)
    /// @param restricted restricted after a seizure (`IWeeklySettlement.isRestricted`)
    /// @param minNonce orders with a lower nonce are cancelled (`IOrderRegistry.minNonce`)
    struct ParticipantState {
        uint256 collateral;
        bool restricted;
        uint256 minNonce;
    }

    /// @notice A page holds at most `maxPage` participants, so that one call stays far
    /// below the gas cap nodes put on `eth_call`.
    error LensPageTooLarge(uint256 size, uint256 maxPage);

    /// @notice The most participants one `participantStates` call accepts.
    function MAX_PAGE() external view returns (uint256);

    /// @notice The state of each of `participants`, in the same order (duplicates allowed).
    function participantStates(address[] calldata participants)
        external
        view
        returns (ParticipantState[] memory states);

    /// @notice The collateral vault, settlement contract and order registry read.
    function sources() external view returns (address vault, address settlement, address registry);
}
