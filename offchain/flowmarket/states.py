"""Every state a flowmarket record can be in, one enum per lifecycle.

The database stores these as their string values (and the contract's leaf status as
its integer), so `JournalStep(row.step)` reads a stored value back and an unknown
value fails loudly. Each enum names the module that moves records between its states.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class JournalStep(StrEnum):
    """An hour's step in the oracle's journal (`oracle.journal`), in order."""

    SNAPSHOTTED = "snapshotted"  # orders at the close, after the collateral rules
    CLEARED = "cleared"  # clearing result, positions and exact amounts stored
    SENT = "sent"  # commit transaction signed and journaled, maybe broadcast
    COMMITTED = "committed"  # the ledger holds the hour's commitment
    PUBLISHED = "published"  # proofs, publication file and requirements out


# The transitions `oracle.journal.advance` allows. SENT → SENT re-signs a transaction
# that never landed; CLEARED → COMMITTED records an hour the ledger already holds with
# exactly the journaled commitment (nothing was sent by this run).
JOURNAL_NEXT: dict[JournalStep, tuple[JournalStep, ...]] = {
    JournalStep.SNAPSHOTTED: (JournalStep.CLEARED,),
    JournalStep.CLEARED: (JournalStep.SENT, JournalStep.COMMITTED),
    JournalStep.SENT: (JournalStep.SENT, JournalStep.COMMITTED),
    JournalStep.COMMITTED: (JournalStep.PUBLISHED,),
    JournalStep.PUBLISHED: (),
}


class WeekStatus(StrEnum):
    """A week's settlement as the oracle records it (`oracle.settlement`)."""

    OPEN = "open"  # tree built from the exact amounts, nothing on chain yet
    POSTED = "posted"  # root posted, challenge window running
    CHALLENGE = "challenge"  # still inside the challenge window
    EXECUTING = "executing"  # leaves being settled (debits first, then credits)
    DONE = "done"  # every leaf settled and the fees forwarded
    ERROR = "error"  # this tick failed (reported as an alert; retried next tick)


class LeafStatus(IntEnum):
    """`IWeeklySettlement.LeafStatus`: one participant's leaf of a week, on chain."""

    UNSETTLED = 0
    DEFAULTED = 1  # the pull failed: grace period, then seizure
    SETTLED = 2
    CREDITING = 3  # a credit paid in part: the week is short so far


class CollateralStatus(StrEnum):
    """A participant's collateral against its requirement (`collateral.classify`)."""

    OK = "ok"
    WARNING = "warning"  # excess below the warning buffer: deposit more
    BELOW = "below"  # collateral below the requirement: orders are cut
    RESTRICTED = "restricted"  # seized after a default: orders are cut

    @property
    def cuts_orders(self) -> bool:
        return self in (CollateralStatus.BELOW, CollateralStatus.RESTRICTED)


class OrderCut(StrEnum):
    """What the collateral rule did to an order of a participant it cuts."""

    CLIPPED = "clipped"  # curve restricted to the trades towards balance
    REMOVED = "removed"  # no trade moves the participant towards balance


class OrderStatus(StrEnum):
    """A stored order as the API reports it (`backend.order_rows.order_status`)."""

    OPEN = "open"  # standing for its hours still open for bidding
    REPLACED = "replaced"  # a later order of the participant replaced it
    CANCELLED = "cancelled"  # cancelled by its participant
    INVALIDATED = "invalidated"  # its nonce is below the participant's on-chain floor
    EXPIRED = "expired"  # every hour it covers has closed


class ReceiptAction(StrEnum):
    """What the operator's signed receipt acknowledges."""

    ACCEPTED = "accepted"  # an order
    CANCELLED = "cancelled"  # an order's cancellation (or its replacement)
    EXPECTED_POSITIONS = "expected-positions"  # an expected-positions report
    AUCTION_BID = "auction-bid"  # a primary-auction bid (clock round or sealed package)
    AUTHORISED = "authorised"  # an authorisation (its cancellation: "cancelled")


class AuctionKind(StrEnum):
    """A primary capacity auction (`flowmarket.auctions`)."""

    CLOCK = "clock"  # simultaneous ascending clock: capacity releases
    EXPANSION = "expansion"  # sealed package bids on new capacity per network leg


class AuctionStatus(StrEnum):
    """An auction's life (`auctioneer`): scheduled → bidding → ended → committed."""

    SCHEDULED = "scheduled"  # created, not open for bids yet
    BIDDING = "bidding"  # clock rounds run / the sealed window is open
    ENDED = "ended"  # the result is computed and published
    COMMITTED = "committed"  # awards and bids roots on chain; winners pay


class Exclusion(StrEnum):
    """Why the oracle left a standing order out of an hour's clearing
    (`oracle.screen` at the snapshot, `oracle.quarantine` at the solve)."""

    ORDER_LIMITS = "order-limits"  # beyond the governed per-order rate or price
    PARTICIPANT_RATE = "participant-rate"  # the participant's orders beyond its total rate
    COLLATERAL = "collateral"  # the worst case the participant's collateral cannot back
    QUARANTINE = "quarantine"  # named by the certificate gate: the hour cannot clear with it


class ProposalState(IntEnum):
    """OpenZeppelin `IGovernor.ProposalState` of a governance proposal, on chain."""

    PENDING = 0
    ACTIVE = 1
    CANCELED = 2
    DEFEATED = 3
    SUCCEEDED = 4
    QUEUED = 5
    EXPIRED = 6
    EXECUTED = 7

    @property
    def label(self) -> str:
        """As the web pages show it: `Pending`, `Active`, ..."""
        return self.name.capitalize()


class VoteSupport(IntEnum):
    """OpenZeppelin `GovernorCountingSimple.VoteType`: the `support` of `castVote`."""

    AGAINST = 0
    FOR = 1
    ABSTAIN = 2
