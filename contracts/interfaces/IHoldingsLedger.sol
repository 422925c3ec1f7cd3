// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SortedTree} from "../libraries/SortedTree.sol";
import {IClearingLedger} from "./IClearingLedger.sol";

/// @title IHoldingsLedger
/// @notice The ledger's views that judge an hour's holdings tree ({Holdings}): each answers
/// true only when its evidence proves the committed hour wrong, and
/// `WeeklySettlement.challengeBalance` voids the hour on any of them (docs/settlement.md,
/// "Entries bound to the trade lines"). Leaves are proven against the hour's holdings,
/// trade-lines, orders, prices and entries roots.
interface IHoldingsLedger {
    /// @notice A participant's entry with its trades: tradesHash = keccak256(abi.encode(
    /// products, quantities)) and `proof` its leaf's proof in the entries tree.
    struct ProvenEntry {
        address participant;
        int256 cash;
        uint256 fee;
        bytes32[] products;
        int256[] quantities;
        bytes32[] proof;
    }

    /// @notice Hour `hour`'s holdings tree.
    event HoldingsCommitted(uint64 indexed hour, bytes32 holdingsRoot, uint256 holdingsCount);

    /// @notice True when the holdings' running sums are wrong: with `pair`, `b` does not
    /// continue `a` ({Holdings.continuesBadly}); without, `a` is leaf 0 with sums not 0, or
    /// a rounding line beyond its tolerance ({Holdings.roundsTooMuch}).
    function isHoldingsUnbalanced(uint64 hour, SortedTree.Item calldata a, SortedTree.Item calldata b, bool pair)
        external
        view
        returns (bool);

    /// @notice True when the holdings tree is malformed: with `pair`, two leaves share an
    /// index or adjacent keys do not increase; without, `a` lies at or above the count or
    /// is not a holding's shape ({Holdings.wellFormed}).
    function isHoldingsMalformed(uint64 hour, SortedTree.Item calldata a, SortedTree.Item calldata b, bool pair)
        external
        view
        returns (bool);

    /// @notice True when a holding's price is not its product's committed price (`price`
    /// with its proof in the prices tree), or an imbalance line's price is not −10^18.
    function isHoldingMispriced(uint64 hour, SortedTree.Item calldata holding, int256 price, bytes32[] calldata proof)
        external
        view
        returns (bool);

    /// @notice True when a holding and the trade line of its product and source differ in amount.
    function isHoldingOffLine(uint64 hour, SortedTree.Item calldata holding, SortedTree.Item calldata line)
        external
        view
        returns (bool);

    /// @notice True when a holding (not a rounding or imbalance line) has no trade line: `bracket`
    /// proves its (product, source) absent from the trade-lines tree.
    function isHoldingUnlined(uint64 hour, SortedTree.Item calldata holding, SortedTree.Item[] calldata bracket)
        external
        view
        returns (bool);

    /// @notice True when an unbacked trade line (source keccak256("unbacked:" ‖ owner)) has
    /// no holding of `owner`: `bracket` proves (owner, product, source) absent.
    function isLineUnheld(
        uint64 hour,
        SortedTree.Item calldata line,
        address owner,
        SortedTree.Item[] calldata bracket
    ) external view returns (bool);

    /// @notice True when a committed fill trades products[k] and its participant has no
    /// holding of it: `bracket` proves (participant, products[k], orderKey) absent.
    function isFillUnheld(
        uint64 hour,
        IClearingLedger.OrderFill calldata fill,
        uint256 k,
        SortedTree.Item[] calldata bracket
    ) external view returns (bool);

    /// @notice True when a holding's source is `owner`'s unbacked source and `owner` is not
    /// the holding's participant.
    function isHoldingMisowned(uint64 hour, SortedTree.Item calldata holding, address owner)
        external
        view
        returns (bool);

    /// @notice True when a holding's source is a committed fill's order key and the fill is
    /// not the holding's participant's.
    function isHoldingOffFill(uint64 hour, SortedTree.Item calldata holding, IClearingLedger.OrderFill calldata fill)
        external
        view
        returns (bool);

    /// @notice True when an entry is not what its holdings give. `last` is the entry's
    /// participant's last holding of a product (`next` is the leaf after it, of another
    /// product or participant, or empty when `last` is the tree's last leaf): the entry's
    /// quantity of that product (0 when it lists none) is not the position; and when `last`
    /// is the participant's last holding, in an hour cleared whole, cash + fee is not
    /// ⌊cash of the holdings / 10^18⌋ + 0 or 1 wei ({Holdings.isCashOff}).
    function isEntryOffHoldings(
        uint64 hour,
        ProvenEntry calldata entry,
        SortedTree.Item calldata last,
        SortedTree.Item[] calldata next
    ) external view returns (bool);

    /// @notice True when an entry has something no holding gives: `k` < products: a nonzero
    /// quantity of products[k] and `bracket` proves no holding of (participant, products[k]);
    /// `k` = products (an hour cleared whole): cash + fee is not 0 and `bracket` proves the
    /// participant has no holding at all.
    function isEntryUnheld(uint64 hour, ProvenEntry calldata entry, uint256 k, SortedTree.Item[] calldata bracket)
        external
        view
        returns (bool);
}
