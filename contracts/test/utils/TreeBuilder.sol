// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {SortedTree} from "../../libraries/SortedTree.sol";

/// @notice Test-only builder of sorted, indexed trees (see {SortedTree}) with the layout of
/// OpenZeppelin's StandardMerkleTree: leaf hashes sorted ascending, stored from the end of a
/// 2n − 1 node array, node i = commutative hash of nodes 2i + 1 and 2i + 2.
library TreeBuilder {
    struct Tree {
        bytes32[] nodes;
        bytes32[] leaves;
        SortedTree.Item[] items;
    }

    /// @notice Build from keys (already strictly increasing) and values; items get indices.
    function build(bytes[] memory keys, bytes[] memory values) internal pure returns (Tree memory t) {
        uint256 n = keys.length;
        t.items = new SortedTree.Item[](n);
        t.leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            t.leaves[i] = SortedTree.leafHash(i, keys[i], values[i]);
            t.items[i] = SortedTree.Item(i, keys[i], values[i], new bytes32[](0));
        }
        t.nodes = _nodes(t.leaves);
        for (uint256 i = 0; i < n; ++i) {
            t.items[i].proof = proofOf(t, t.leaves[i]);
        }
    }

    /// @notice Build from raw items whose indices and leaves a test chose (possibly malformed).
    function buildRaw(SortedTree.Item[] memory items) internal pure returns (Tree memory t) {
        uint256 n = items.length;
        t.items = items;
        t.leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            t.leaves[i] = SortedTree.leafHash(items[i].index, items[i].key, items[i].value);
        }
        t.nodes = _nodes(t.leaves);
        for (uint256 i = 0; i < n; ++i) {
            t.items[i].proof = proofOf(t, t.leaves[i]);
        }
    }

    function root(Tree memory t) internal pure returns (bytes32) {
        return t.nodes.length == 0 ? bytes32(0) : t.nodes[0];
    }

    function proofOf(Tree memory t, bytes32 leaf) internal pure returns (bytes32[] memory proof) {
        uint256 size = t.nodes.length;
        uint256 index = type(uint256).max;
        for (uint256 i = 0; i < size; ++i) {
            if (t.nodes[i] == leaf && 2 * i + 1 >= size) index = i;
        }
        require(index != type(uint256).max, "not a leaf");
        uint256 depth = 0;
        for (uint256 k = index; k > 0; k = (k - 1) / 2) ++depth;
        proof = new bytes32[](depth);
        uint256 d = 0;
        while (index > 0) {
            proof[d++] = t.nodes[index % 2 == 1 ? index + 1 : index - 1];
            index = (index - 1) / 2;
        }
    }

    function _nodes(bytes32[] memory leaves) private pure returns (bytes32[] memory nodes) {
        uint256 n = leaves.length;
        if (n == 0) return new bytes32[](0);
        bytes32[] memory sorted = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) sorted[i] = leaves[i];
        for (uint256 i = 1; i < n; ++i) {
            bytes32 x = sorted[i];
            uint256 j = i;
            while (j > 0 && sorted[j - 1] > x) {
                sorted[j] = sorted[j - 1];
                --j;
            }
            sorted[j] = x;
        }
        nodes = new bytes32[](2 * n - 1);
        uint256 size = nodes.length;
        for (uint256 i = 0; i < n; ++i) nodes[size - 1 - i] = sorted[i];
        for (uint256 i = size - n; i > 0; --i) {
            nodes[i - 1] = Hashes.commutativeKeccak256(nodes[2 * i - 1], nodes[2 * i]);
        }
    }
}
