// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IClearingLedger} from "../interfaces/IClearingLedger.sol";

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

    /// @notice Terms of an order as cleared: keccak256(abi.encode(bytes32[] products, int256[]
    /// weights, int256[] curveQuantities, int256[] curvePrices, int256 windowLow, int256
    /// windowHigh)); products are product ids in ascending order of name, weights and curve
    /// points 18-decimal fixed point as signed, [windowLow, windowHigh] the quantities the
    /// collateral rule left the order (the whole curve when it did not cut it).
    function termsHash(
        bytes32[] calldata products,
        int256[] calldata weights,
        int256[] calldata curveQuantities,
        int256[] calldata curvePrices,
        int256 windowLow,
        int256 windowHigh
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(products, weights, curveQuantities, curvePrices, windowLow, windowHigh));
    }

    /// @notice The signature part of a fill leaf: keccak256(abi.encode(uint256 nonce, uint64
    /// fromHour, uint64 untilHour, bytes32 replaces, bytes32 keccak256(signature), bytes32
    /// keccak256(abi.encodePacked(batchOrders)), bytes32 batchCancels)).
    function signedHash(IClearingLedger.OrderSignature calldata s) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                s.nonce,
                s.fromHour,
                s.untilHour,
                s.replaces,
                keccak256(s.signature),
                keccak256(abi.encodePacked(s.batchOrders)),
                s.batchCancels
            )
        );
    }

    /// @notice Key of a participant's leaf in the weekly settlement and requirements trees:
    /// its 20 address bytes (`abi.encodePacked(participant)`).
    function participantKey(address participant) internal pure returns (bytes memory) {
        return abi.encodePacked(participant);
    }

    /// @notice Value of a requirements leaf: `abi.encode(uint256 requirement)`, wei.
    function requirementValue(uint256 requirement) internal pure returns (bytes memory) {
        return abi.encode(requirement);
    }

    /// @notice Value of a weekly settlement leaf: `abi.encode(int256 amount, uint256 hours,
    /// uint256 creditsBefore, uint256 debitsBefore)`. amount: wei, negative = the participant
    /// pays; hours: bit h set when the participant has an entry in hour genesis + 168·week + h
    /// (h < 168); creditsBefore / debitsBefore: the sums of the positive amounts and of the
    /// magnitudes of the negative amounts of all leaves with a smaller index (running sums
    /// that make the week's totals provable leaf by leaf).
    function settlementValue(int256 amount, uint256 hours_, uint256 creditsBefore, uint256 debitsBefore)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encode(amount, hours_, creditsBefore, debitsBefore);
    }

    /// @notice tradesHash of an entry: keccak256(abi.encode(bytes32[] productIds, int256[] quantities)).
    function hashTrades(bytes32[] memory productIds, int256[] memory quantities) internal pure returns (bytes32) {
        return keccak256(abi.encode(productIds, quantities));
    }
}
