// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ICapacityToken
/// @notice One token is one GB of system-wide network capacity and the market's currency
/// (market.md §2). 18 decimals. Only holders of `SUPPLIER_ROLE` mint; the timelock, as
/// the only admin, grants and revokes that role.
interface ICapacityToken {
    /// @notice Minting to the zero address or of zero tokens.
    error CapacityInvalidMint(address to, uint256 amount);

    /// @notice `supplier` minted `amount` wei of capacity to `to`.
    event CapacityMinted(address indexed supplier, address indexed to, uint256 amount);

    /// @notice keccak256("SUPPLIER_ROLE").
    function SUPPLIER_ROLE() external view returns (bytes32);

    /// @notice Mint `amount` (wei, 18 decimals) of capacity to `to`. Supplier role; not while paused.
    function mint(address to, uint256 amount) external;
}
