// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {MarketLeaves} from "../libraries/MarketLeaves.sol";
import {SortedTree} from "../libraries/SortedTree.sol";

/// @title LeavesHarness
/// @notice Test-only: exposes {MarketLeaves} and OpenZeppelin's MerkleProof so the Python
/// twin (`flowmarket.chain.leaves`, `flowmarket.merkle`) can be checked byte for byte.
/// Never deployed by `flowmarket deploy`.
contract LeavesHarness {
    function priceLeaf(bytes32 productId, int256 price) external pure returns (bytes32) {
        return MarketLeaves.priceLeaf(productId, price);
    }

    function entryLeaf(address participant, int256 cash, uint256 fee, bytes32 trades)
        external
        pure
        returns (bytes32)
    {
        return MarketLeaves.entryLeaf(participant, cash, fee, trades);
    }

    function orderLeaf(bytes32 orderKey, int256 quantity) external pure returns (bytes32) {
        return MarketLeaves.orderLeaf(orderKey, quantity);
    }

    function sortedLeaf(uint256 index, bytes calldata key, bytes calldata value) external pure returns (bytes32) {
        return SortedTree.leafHash(index, key, value);
    }

    function compareKeys(bytes calldata a, bytes calldata b) external pure returns (int256) {
        return SortedTree.compare(a, b);
    }

    function participantKey(address participant) external pure returns (bytes memory) {
        return MarketLeaves.participantKey(participant);
    }

    function requirementValue(uint256 requirement) external pure returns (bytes memory) {
        return MarketLeaves.requirementValue(requirement);
    }

    function settlementValue(int256 amount, uint256 hours_, uint256 creditsBefore, uint256 debitsBefore)
        external
        pure
        returns (bytes memory)
    {
        return MarketLeaves.settlementValue(amount, hours_, creditsBefore, debitsBefore);
    }

    function hashTrades(bytes32[] calldata productIds, int256[] calldata quantities) external pure returns (bytes32) {
        return MarketLeaves.hashTrades(productIds, quantities);
    }

    function processProof(bytes32[] calldata proof, bytes32 leaf) external pure returns (bytes32) {
        return MerkleProof.processProofCalldata(proof, leaf);
    }
}
