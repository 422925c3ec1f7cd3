// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IClearingLedger} from "../interfaces/IClearingLedger.sol";
import {OrderSignatures} from "./OrderSignatures.sol";

/// @title PortfolioOrders
/// @notice The fill leaf and the EIP-712 check of a portfolio order (docs/portfolios.md: one
/// curve over several named portfolios): the Solidity twin of
/// `flowmarket.signing.portfolio_order` and `flowmarket.chain.portfolio_fill`; tests check
/// both give the same digests as a wallet's. The order's struct hash is computed from the
/// fill's fields, so the only order a signature can back is the one the fill commits.
library PortfolioOrders {
    bytes32 internal constant PORTFOLIO_TYPEHASH =
        keccak256("Portfolio(string name,int256 weight,bytes32[] products,int256[] weights)");
    /// @dev EIP-712 appends the referenced `Portfolio` type to the order's own.
    bytes32 internal constant PORTFOLIO_ORDER_TYPEHASH = keccak256(
        "PortfolioOrder(address participant,uint256 nonce,uint64 fromHour,uint64 untilHour,"
        "bytes32 replaces,Portfolio[] portfolios,int256[] curveQuantities,int256[] curvePrices)"
        "Portfolio(string name,int256 weight,bytes32[] products,int256[] weights)"
    );
    /// @dev First word of a portfolio fill leaf: no plain fill leaf (five words) or order leaf
    /// (two) has six words, and this one names its kind.
    bytes32 internal constant LEAF_TAG = keccak256("flowmarket.PortfolioFill");

    /// @notice `hashStruct` of the order's `Portfolio[]`: keccak256 of its members' struct
    /// hashes concatenated, in signed order.
    function portfoliosHash(IClearingLedger.Portfolio[] calldata portfolios) internal pure returns (bytes32) {
        bytes32[] memory members = new bytes32[](portfolios.length);
        for (uint256 k = 0; k < portfolios.length; ++k) {
            IClearingLedger.Portfolio calldata p = portfolios[k];
            members[k] = keccak256(
                abi.encode(
                    PORTFOLIO_TYPEHASH,
                    keccak256(bytes(p.name)),
                    p.weight,
                    keccak256(abi.encodePacked(p.products)),
                    keccak256(abi.encodePacked(p.weights))
                )
            );
        }
        return keccak256(abi.encodePacked(members));
    }

    /// @notice `hashStruct(PortfolioOrder)` of the fill's order, given its portfolios' hash.
    function structHash(IClearingLedger.PortfolioFill calldata fill, bytes32 portfolios)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            bytes.concat(
                abi.encode(
                    PORTFOLIO_ORDER_TYPEHASH, fill.participant, fill.nonce, fill.fromHour, fill.untilHour, fill.replaces
                ),
                abi.encode(
                    portfolios, keccak256(abi.encodePacked(fill.curveQuantities)), keccak256(abi.encodePacked(fill.curvePrices))
                )
            )
        );
    }

    /// @notice The fill leaf of a portfolio order: keccak256(bytes.concat(keccak256(abi.encode(
    /// LEAF_TAG, orderKey, participant, quantity, terms, signed)))) with terms =
    /// keccak256(abi.encode(bytes32 portfoliosHash, int256[] rates, int256[] curveQuantities,
    /// int256[] curvePrices)) and signed = keccak256(abi.encode(uint256 nonce, uint64 fromHour,
    /// uint64 untilHour, bytes32 replaces, bytes32 keccak256(signature))).
    function leaf(IClearingLedger.PortfolioFill calldata fill, bytes32 portfolios) internal pure returns (bytes32) {
        bytes32 terms = keccak256(abi.encode(portfolios, fill.rates, fill.curveQuantities, fill.curvePrices));
        bytes32 signed =
            keccak256(abi.encode(fill.nonce, fill.fromHour, fill.untilHour, fill.replaces, keccak256(fill.signature)));
        return keccak256(
            bytes.concat(keccak256(abi.encode(LEAF_TAG, fill.orderKey, fill.participant, fill.quantity, terms, signed)))
        );
    }

    /// @notice True when the fill's participant signed its order for `hour`: the hour is in
    /// [fromHour, untilHour] and the signature over the EIP-712 digest under `separator`
    /// recovers the participant (never the zero address; see {OrderSignatures.signer}).
    function isSignedBy(bytes32 separator, uint64 hour, IClearingLedger.PortfolioFill calldata fill, bytes32 portfolios)
        internal
        pure
        returns (bool)
    {
        if (hour < fill.fromHour || hour > fill.untilHour) return false;
        bytes32 digest = keccak256(abi.encodePacked(hex"1901", separator, structHash(fill, portfolios)));
        address recovered = OrderSignatures.signer(digest, fill.signature);
        return recovered != address(0) && recovered == fill.participant;
    }
}
