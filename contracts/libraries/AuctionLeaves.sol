// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title AuctionLeaves
/// @notice The Solidity encoder of the primary auctions' Merkle leaves; its Python twin is
/// `flowmarket.chain.auction_leaves`, and tests check both produce identical bytes. Leaves are
/// double-hashed like OpenZeppelin's StandardMerkleTree.
library AuctionLeaves {
    /// @notice Award leaf `(bytes32 auctionId, address bidder, uint256 payment, bytes32 awardsHash)`.
    function awardLeaf(bytes32 auctionId, address bidder, uint256 payment, bytes32 awardsHash)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(bytes.concat(keccak256(abi.encode(auctionId, bidder, payment, awardsHash))));
    }

    /// @notice Bid leaf `(bytes32 bidDigest)`.
    function bidLeaf(bytes32 bidDigest) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(bidDigest))));
    }
}
