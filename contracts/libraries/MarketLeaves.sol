// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title MarketLeaves
/// @notice The Solidity encoder of every Merkle leaf; its Python twin is
/// `flowmarket.chain.leaves`, and tests check both produce identical bytes. Leaves are
/// double-hashed like OpenZeppelin's StandardMerkleTree (`keccak256(bytes.concat(
/// keccak256(abi.encode(...))))`), so a leaf can never be confused with an inner node.
library MarketLeaves {
    /// @notice Price leaf `(bytes32 productId, int256 price)`, price in wei per GB.
    function priceLeaf(bytes32 productId, int256 price) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(productId, price))));
    }

    /// @notice Entry leaf `(address participant, int256 cash, uint256 fee, bytes32 tradesHash)`.
    function entryLeaf(address participant, int256 cash, uint256 fee, bytes32 tradesHash)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(bytes.concat(keccak256(abi.encode(participant, cash, fee, tradesHash))));
    }

    /// @notice Order leaf `(bytes32 orderKey, int256 quantity)`.
    function orderLeaf(bytes32 orderKey, int256 quantity) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(orderKey, quantity))));
    }

    /// @notice Settlement leaf `(uint64 week, address participant, int256 amount)`.
    function settlementLeaf(uint64 week, address participant, int256 amount) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(week, participant, amount))));
    }

    /// @notice tradesHash of an entry: keccak256(abi.encode(bytes32[] productIds, int256[] quantities)).
    function hashTrades(bytes32[] memory productIds, int256[] memory quantities) internal pure returns (bytes32) {
        return keccak256(abi.encode(productIds, quantities));
    }
}
