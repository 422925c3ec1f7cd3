// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SortedTree} from "./SortedTree.sol";

/// @title FillsTree
/// @notice The leaves of an hour's fills tree (docs/settlement.md, "Backing of a trade line"):
/// a {SortedTree} keyed by the source of every trade line, sorted by key, two kinds of leaf:
///
///     fill:     key = orderKey                                  (32 bytes)
///               value = abi.encode(address participant, int256 quantity, bytes32 terms,
///                                  bytes32 signed)                (128 bytes)
///     unbacked: key = keccak256(abi.encodePacked("unbacked:", participant))   (32 bytes)
///               value = abi.encode(address participant)          (32 bytes)
///
/// A fill is an order's committed trade with the terms it was cleared under ({MarketLeaves.termsHash})
/// and its participant's signature ({MarketLeaves.signedHash}); an unbacked leaf names the
/// participant whose unbacked line (trades no fill backs) has that source. Keys strictly
/// increase, so one order has at most one fill, and a line whose source is no key is provably
/// backed by nothing. The Python twin is `flowmarket.oracle.fills_tree`.
library FillsTree {
    uint256 internal constant KEY_BYTES = 32;
    uint256 internal constant FILL_VALUE_BYTES = 128;
    uint256 internal constant UNBACKED_VALUE_BYTES = 32;

    /// @notice The value of a fill leaf.
    function fillValue(address participant, int256 quantity, bytes32 terms, bytes32 signed)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encode(participant, quantity, terms, signed);
    }

    /// @notice The source (line and fills-tree key) of a participant's unbacked trades.
    function unbackedSource(address participant) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("unbacked:", participant));
    }

    /// @notice True when a leaf has neither shape: a key that is not 32 bytes, a value of
    /// another length, an address word with high bits set, or an unbacked leaf whose key is
    /// not its participant's unbacked source.
    function isMalformed(SortedTree.Item calldata item) internal pure returns (bool) {
        if (item.key.length != KEY_BYTES) return true;
        uint256 length = item.value.length;
        if (length != FILL_VALUE_BYTES && length != UNBACKED_VALUE_BYTES) return true;
        // Decoded as a word, not an address: a dirty address word must answer, not revert.
        uint256 word = abi.decode(item.value[:32], (uint256));
        if (word >> 160 != 0) return true;
        return length == UNBACKED_VALUE_BYTES && bytes32(item.key) != unbackedSource(address(uint160(word)));
    }
}
