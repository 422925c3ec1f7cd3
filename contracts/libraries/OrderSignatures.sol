// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IClearingLedger} from "../interfaces/IClearingLedger.sol";

/// @title OrderSignatures
/// @notice The EIP-712 check of a committed fill's order: the Solidity twin of
/// `flowmarket.signing` (`typed_data`, `order_batch`) and `flowmarket.chain.fill_signature`;
/// tests check both give the same digests. An order's struct hash is computed from the fill's
/// fields (the participant, the signed rest, the products, weights and curve), so the only
/// order a signature can back is the one the fill was cleared under.
library OrderSignatures {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant ORDER_TYPEHASH = keccak256(
        "Order(address participant,uint256 nonce,uint64 fromHour,uint64 untilHour,bytes32 replaces,"
        "bytes32[] products,int256[] weights,int256[] curveQuantities,int256[] curvePrices)"
    );
    /// @dev EIP-712 appends the referenced `Order` type to the batch's own.
    bytes32 internal constant BATCH_TYPEHASH = keccak256(
        "OrderBatch(address participant,Order[] orders,bytes32[] cancels)"
        "Order(address participant,uint256 nonce,uint64 fromHour,uint64 untilHour,bytes32 replaces,"
        "bytes32[] products,int256[] weights,int256[] curveQuantities,int256[] curvePrices)"
    );
    bytes32 internal constant NAME_HASH = keccak256("flowmarket");
    bytes32 internal constant VERSION_HASH = keccak256("1");
    /// @dev Half the order of secp256k1: a larger s is the malleable twin of a valid signature.
    uint256 internal constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    function domainSeparator(uint256 chainId, address verifyingContract) internal pure returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, chainId, verifyingContract));
    }

    /// @notice `hashStruct(Order)` of the fill's order.
    function orderStructHash(IClearingLedger.OrderFill calldata fill) internal pure returns (bytes32) {
        IClearingLedger.OrderSignature calldata s = fill.signed;
        return keccak256(
            bytes.concat(
                abi.encode(ORDER_TYPEHASH, fill.participant, s.nonce, s.fromHour, s.untilHour, s.replaces),
                abi.encode(
                    keccak256(abi.encodePacked(fill.products)),
                    keccak256(abi.encodePacked(fill.weights)),
                    keccak256(abi.encodePacked(fill.curveQuantities)),
                    keccak256(abi.encodePacked(fill.curvePrices))
                )
            )
        );
    }

    /// @notice `hashStruct(OrderBatch)` from its orders' struct hashes and cancels hash (an array
    /// of structs hashes as keccak256 of its members' concatenated struct hashes).
    function batchStructHash(address participant, bytes32[] calldata orders, bytes32 cancels)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(BATCH_TYPEHASH, participant, keccak256(abi.encodePacked(orders)), cancels));
    }

    /// @notice The message a signature of the fill's order signs: the order's struct hash, or
    /// its batch's when it was signed in one. ok false: the batch does not list the order.
    function signedStruct(IClearingLedger.OrderFill calldata fill) internal pure returns (bool ok, bytes32 structHash) {
        bytes32 order = orderStructHash(fill);
        bytes32[] calldata batch = fill.signed.batchOrders;
        if (batch.length == 0) return (true, order);
        for (uint256 k = 0; k < batch.length; ++k) {
            if (batch[k] == order) {
                return (true, batchStructHash(fill.participant, batch, fill.signed.batchCancels));
            }
        }
        return (false, bytes32(0));
    }

    /// @notice The address that produced `signature` (65 bytes r ‖ s ‖ v) over `digest`, or
    /// zero when none did: another length, v not 27 or 28, s above half the curve order, r or
    /// s zero, or no key recovers.
    function signer(bytes32 digest, bytes calldata signature) internal pure returns (address) {
        if (signature.length != 65) return address(0);
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (v != 27 && v != 28) return address(0);
        if (uint256(s) > HALF_N || r == 0 || s == 0) return address(0);
        return ecrecover(digest, v, r, s);
    }

    /// @notice True when the fill's participant signed its order for `hour`: the hour is in
    /// [fromHour, untilHour], the batch (if any) lists the order, and the signature over the
    /// EIP-712 digest under `separator` recovers the participant (never the zero address).
    function isSignedBy(bytes32 separator, uint64 hour, IClearingLedger.OrderFill calldata fill)
        internal
        pure
        returns (bool)
    {
        IClearingLedger.OrderSignature calldata s = fill.signed;
        if (hour < s.fromHour || hour > s.untilHour) return false;
        (bool ok, bytes32 structHash) = signedStruct(fill);
        if (!ok) return false;
        bytes32 digest = keccak256(abi.encodePacked(hex"1901", separator, structHash));
        address recovered = signer(digest, s.signature);
        return recovered != address(0) && recovered == fill.participant;
    }
}
