// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title SortedTree
/// @notice Every Merkle tree the market commits to is a *sorted, indexed* tree: its `count`
/// leaves are `(index, key, value)` with keys strictly increasing in index, index running
/// from 0 to count − 1. The tree itself is an OpenZeppelin StandardMerkleTree (sorted-pair
/// hashing) over the leaf hashes
///
///     leaf = keccak256(bytes.concat(keccak256(abi.encode(uint256 index, bytes key, bytes value))))
///
/// (double-hashed, so a leaf is never mistaken for an inner node). Because keys are sorted
/// and indexed, a tree proves *absence* as well as membership: a key is absent when two
/// adjacent leaves (index i and i + 1) bracket it, or it lies before leaf 0 or after leaf
/// count − 1, or the tree is empty. A tree that breaks the rules (two leaves with one index,
/// an index ≥ count, adjacent keys out of order) is itself proof of a faulty commitment.
/// The Python twin is `flowmarket.chain.sorted_tree`.
library SortedTree {
    /// @notice One leaf with its Merkle proof. `key` and `value` are the ABI bytes the
    /// tree's documentation defines (see {MarketLeaves}).
    struct Item {
        uint256 index;
        bytes key;
        bytes value;
        bytes32[] proof;
    }

    /// @notice The leaf hash of `(index, key, value)`.
    function leafHash(uint256 index, bytes memory key, bytes memory value) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(index, key, value))));
    }

    /// @notice True when `item` is a leaf of `root` (whatever its index).
    function proves(bytes32 root, Item calldata item) internal pure returns (bool) {
        return MerkleProof.verifyCalldata(item.proof, root, leafHash(item.index, item.key, item.value));
    }

    /// @notice True when `item` is a leaf of `root` with an index below `count`.
    function isMember(bytes32 root, uint256 count, Item calldata item) internal pure returns (bool) {
        return item.index < count && proves(root, item);
    }

    /// @notice True when `bracket` proves that `key` is not a key of the tree: no leaves and
    /// count 0; one leaf, index 0 with a greater key or index count − 1 with a smaller one;
    /// or two leaves of adjacent indices whose keys enclose `key` strictly.
    function isAbsent(bytes32 root, uint256 count, bytes memory key, Item[] calldata bracket)
        internal
        pure
        returns (bool)
    {
        if (bracket.length == 0) {
            return count == 0;
        }
        if (bracket.length == 1) {
            Item calldata only = bracket[0];
            if (!isMember(root, count, only)) {
                return false;
            }
            int256 side = compare(key, only.key);
            return (only.index == 0 && side < 0) || (only.index == count - 1 && side > 0);
        }
        if (bracket.length == 2) {
            Item calldata low = bracket[0];
            Item calldata high = bracket[1];
            return high.index == low.index + 1 && compare(low.key, key) < 0 && compare(key, high.key) < 0
                && isMember(root, count, low) && isMember(root, count, high);
        }
        return false;
    }

    /// @notice True when `a` and `b` are two different leaves of `root` with the same index.
    function isDuplicateIndex(bytes32 root, Item calldata a, Item calldata b) internal pure returns (bool) {
        return a.index == b.index && leafHash(a.index, a.key, a.value) != leafHash(b.index, b.key, b.value)
            && proves(root, a) && proves(root, b);
    }

    /// @notice True when `item` is a leaf of `root` whose index is not below `count`.
    function isOutOfRange(bytes32 root, uint256 count, Item calldata item) internal pure returns (bool) {
        return item.index >= count && proves(root, item);
    }

    /// @notice True when `low` and `high` are adjacent leaves of `root` (indices i, i + 1)
    /// whose keys are not strictly increasing.
    function isUnsorted(bytes32 root, uint256 count, Item calldata low, Item calldata high)
        internal
        pure
        returns (bool)
    {
        return high.index == low.index + 1 && compare(low.key, high.key) >= 0 && isMember(root, count, low)
            && isMember(root, count, high);
    }

    /// @notice True when `low` and `high` are members with adjacent indices (i, i + 1).
    function areAdjacent(bytes32 root, uint256 count, Item calldata low, Item calldata high)
        internal
        pure
        returns (bool)
    {
        return high.index == low.index + 1 && isMember(root, count, low) && isMember(root, count, high);
    }

    /// @notice Lexicographic byte order: −1, 0 or 1 as `a` is below, equal to or above `b`
    /// (a proper prefix is below). Keys of one tree all have the same length, so this is
    /// their numeric order as big-endian integers.
    function compare(bytes memory a, bytes memory b) internal pure returns (int256) {
        uint256 n = a.length < b.length ? a.length : b.length;
        for (uint256 i = 0; i < n; ++i) {
            if (a[i] != b[i]) {
                return uint8(a[i]) < uint8(b[i]) ? int256(-1) : int256(1);
            }
        }
        if (a.length == b.length) {
            return 0;
        }
        return a.length < b.length ? int256(-1) : int256(1);
    }
}
