// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SortedTree} from "./SortedTree.sol";

/// @title Holdings
/// @notice The leaves of an hour's holdings tree (docs/settlement.md, "Entries bound to
/// the trade lines"): the hour's trade lines again, keyed by their participant first, with
/// running sums per participant, so that an entry (positions and cash) that is not what
/// its participant's lines give at the hour's prices is provable. A {SortedTree} whose
/// leaves are one per trade line, sorted by participant, product id, source:
///
///     key   = abi.encodePacked(address participant, bytes32 productId, bytes32 source)   (84 bytes)
///     value = abi.encode(int256 amount, int256 price, int256 positionBefore, int256 cashBefore)  (128 bytes)
///
/// amount: the line's amount (10^-18 GB/h), the same as the trade-lines tree's line
/// (productId ‖ source); price: the product's committed price (wei per GB; 0 in an hour
/// cleared in intervals, whose prices are per interval); positionBefore: the sum of the
/// amounts of the participant's earlier lines of the same product; cashBefore: the sum of
/// −price × amount over all of the participant's earlier lines (10^-36 tokens). Two kinds
/// of holdings have no trade line: a participant's *rounding* line of a product (source
/// {ROUNDING}, so the last of the product), the entry's trade (money rule 2) less the
/// lines, at most 10^-6 · max(1 GB/h, |positionBefore|) ({roundsTooMuch}); and its real-time
/// imbalance (wei, docs/realtime.md), product {IMBALANCE}, source {ROUNDING}, price −10^18,
/// so that it adds exactly its wei to the cash. The Python twin is
/// `flowmarket.oracle.holdings`.
library Holdings {
    uint256 internal constant KEY_BYTES = 84;
    uint256 internal constant VALUE_BYTES = 128;
    /// @dev Largest magnitude of an amount or a price: their product fits 2^240.
    uint256 internal constant MAX_TERM = 2 ** 120;
    /// @dev Largest magnitude of a running sum: a sum plus a term never overflows.
    uint256 internal constant MAX_SUM = 2 ** 250;
    /// @notice Product id and source of a participant's imbalance line.
    bytes32 internal constant IMBALANCE = bytes32(type(uint256).max);
    /// @notice Source of a participant's rounding line of a product (and of its imbalance line).
    bytes32 internal constant ROUNDING = bytes32(type(uint256).max);
    uint256 private constant _TOLERANCE_DIVISOR = 1_000_000;
    int256 internal constant WAD = 1e18;

    struct Holding {
        address participant;
        bytes32 product;
        bytes32 source;
        int256 amount;
        int256 price;
        int256 positionBefore;
        int256 cashBefore;
    }

    /// @notice The key of `participant`'s line of `source` in `productId`.
    function key(address participant, bytes32 productId, bytes32 source) internal pure returns (bytes memory) {
        return abi.encodePacked(participant, productId, source);
    }

    /// @notice The source of a participant's unbacked line: keccak256("unbacked:" ‖ address).
    function unbackedSource(address participant) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("unbacked:", participant));
    }

    /// @notice True when the leaf has a holding's shape: an 84-byte key, a 128-byte value,
    /// a nonzero amount and amount and price within ±2^120, sums within ±2^250.
    function wellFormed(SortedTree.Item calldata item) internal pure returns (bool) {
        if (item.key.length != KEY_BYTES || item.value.length != VALUE_BYTES) return false;
        (int256 amount, int256 price, int256 position, int256 cash) =
            abi.decode(item.value, (int256, int256, int256, int256));
        return amount != 0 && _abs(amount) <= MAX_TERM && _abs(price) <= MAX_TERM && _abs(position) <= MAX_SUM
            && _abs(cash) <= MAX_SUM;
    }

    /// @notice The fields of a well-formed holding.
    function decode(SortedTree.Item calldata item) internal pure returns (Holding memory h) {
        h.participant = address(bytes20(item.key[0:20]));
        h.product = bytes32(item.key[20:52]);
        h.source = bytes32(item.key[52:84]);
        (h.amount, h.price, h.positionBefore, h.cashBefore) = abi.decode(item.value, (int256, int256, int256, int256));
    }

    /// @notice The participant's position in the holding's product after it.
    function positionAfter(Holding memory h) internal pure returns (int256) {
        return h.positionBefore + h.amount;
    }

    /// @notice The participant's exact cash after the holding, 10^-36 tokens.
    function cashAfter(Holding memory h) internal pure returns (int256) {
        return h.cashBefore - h.price * h.amount;
    }

    /// @notice True when `b`, the leaf after `a`, does not continue `a`'s sums: the same
    /// participant and product continue position and cash at one price; the same participant
    /// in a new product starts its position at 0 and continues the cash; a new participant
    /// starts both at 0.
    function continuesBadly(Holding memory a, Holding memory b) internal pure returns (bool) {
        if (a.participant != b.participant) return opensBadly(b);
        if (b.cashBefore != cashAfter(a)) return true;
        if (a.product != b.product) return b.positionBefore != 0;
        return b.price != a.price || b.positionBefore != positionAfter(a);
    }

    /// @notice True when `h` is a rounding line beyond 10^-6 · max(1 GB/h, |positionBefore|):
    /// money rule 2 moves an honest trade by about 10^-10 of the product's volume.
    function roundsTooMuch(Holding memory h) internal pure returns (bool) {
        if (h.source != ROUNDING || h.product == IMBALANCE) return false;
        uint256 scale = _abs(h.positionBefore) > uint256(WAD) ? _abs(h.positionBefore) : uint256(WAD);
        return _abs(h.amount) > scale / _TOLERANCE_DIVISOR;
    }

    /// @notice True when a participant's first holding does not start its sums at 0.
    function opensBadly(Holding memory h) internal pure returns (bool) {
        return h.positionBefore != 0 || h.cashBefore != 0;
    }

    /// @notice True when an entry's net cash and fee are not the cash its holdings give:
    /// cash + fee − ⌊exact / 10^18⌋ must be 0 or 1 wei (money rule 3 floors each
    /// participant's exact cash and gives the wei the floors lose, one each, to the largest
    /// remainders; the imbalance line adds its wei exactly).
    function isCashOff(int256 cash, uint256 fee, int256 exact) internal pure returns (bool) {
        if (fee > MAX_SUM || _abs(cash) > MAX_SUM) return true;
        int256 floored = exact / WAD;
        if (exact % WAD != 0 && exact < 0) floored -= 1;
        int256 over = cash + int256(fee) - floored;
        return over < 0 || over > 1;
    }

    /// @notice Compare the first `prefix.length` bytes of `k` with `prefix` (−1, 0, 1).
    function comparePrefix(bytes calldata k, bytes memory prefix) internal pure returns (int256) {
        return SortedTree.compare(k[0:prefix.length], prefix);
    }

    /// @notice True when `bracket` proves that no key of the tree starts with `prefix`: an
    /// empty tree; leaf 0 above the prefix or the last leaf below it; or two adjacent leaves,
    /// one below and one above it.
    function isPrefixAbsent(bytes32 root, uint256 count, bytes memory prefix, SortedTree.Item[] calldata bracket)
        internal
        pure
        returns (bool)
    {
        if (bracket.length == 0) return count == 0;
        for (uint256 i = 0; i < bracket.length; ++i) {
            if (bracket[i].key.length != KEY_BYTES) return false;
        }
        if (bracket.length == 1) {
            SortedTree.Item calldata only = bracket[0];
            if (!SortedTree.isMember(root, count, only)) return false;
            int256 side = comparePrefix(only.key, prefix);
            return (only.index == 0 && side > 0) || (only.index == count - 1 && side < 0);
        }
        if (bracket.length != 2) return false;
        return comparePrefix(bracket[0].key, prefix) < 0 && comparePrefix(bracket[1].key, prefix) > 0
            && SortedTree.areAdjacent(root, count, bracket[0], bracket[1]);
    }

    function _abs(int256 x) private pure returns (uint256) {
        return x < 0 ? uint256(-(x + 1)) + 1 : uint256(x);
    }
}
