"""Auction bids' EIP-712 encoding: documented type strings, the generic encoder, signing."""

from __future__ import annotations

from eth_account import Account
from eth_account._utils.encode_typed_data.encoding_and_hashing import encode_type
from hypothesis import given, settings
from hypothesis import strategies as st

from flowmarket.signing import AuctionBidMessage, Domain, PackageBidMessage, digest, recover, sign
from flowmarket.signing.auction_bids import AUCTION_BID_TYPE_STRING, PACKAGE_BID_TYPE_STRING
from flowmarket.signing.typed_data import reference_digest, typed_data

DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
KEY = "0x" + "42" * 32
ALICE = Account.from_key(KEY).address
BID = AuctionBidMessage(
    bidder=ALICE,
    auction="release-2027-q1",
    round=3,
    revision=1,
    demand={"B": ((10.0, 4.0), (11.5, 1.0)), "A": ((11.0, 6.0),)},
)
PACKAGE = PackageBidMessage(ALICE, "y-2027", 0, 1562.5, {"C": 10.0, "A": 30.0, "B": 20.0})


def test_type_strings_are_what_the_generic_encoder_derives_from_the_fields() -> None:
    for message, type_string in (
        (BID, AUCTION_BID_TYPE_STRING),
        (PACKAGE, PACKAGE_BID_TYPE_STRING),
    ):
        document = typed_data(DOMAIN, message)
        assert encode_type(document["primaryType"], document["types"]) == type_string


def test_products_are_listed_by_name_with_their_points_in_bid_order() -> None:
    struct = BID.struct()
    assert struct["counts"] == [1, 2]
    assert struct["prices"] == [11 * 10**18, 10 * 10**18, 115 * 10**17]
    assert struct["quantities"] == [6 * 10**18, 4 * 10**18, 10**18]
    assert PACKAGE.struct()["capacities"] == [30 * 10**18, 20 * 10**18, 10 * 10**18]


def test_signed_bids_recover_to_the_bidder() -> None:
    for message in (BID, PACKAGE):
        signature = sign(DOMAIN, message, KEY)
        assert recover(DOMAIN, message, bytes.fromhex(signature[2:])) == ALICE


quantity = st.integers(0, 10**6).map(lambda v: v / 4)


@settings(max_examples=40, deadline=None)
@given(
    demand=st.dictionaries(
        st.text("abc:-", min_size=1, max_size=6),
        st.lists(st.tuples(quantity, quantity), min_size=1, max_size=4).map(tuple),
        min_size=0,
        max_size=4,
    ),
    round_=st.integers(1, 2**40),
    revision=st.integers(0, 2**40),
)
def test_byte_packing_matches_eth_accounts_encoder(
    demand: dict[str, tuple[tuple[float, float], ...]], round_: int, revision: int
) -> None:
    bid = AuctionBidMessage(ALICE, "a", round_, revision, demand)
    assert digest(DOMAIN, bid) == reference_digest(DOMAIN, bid)
    package = PackageBidMessage(
        ALICE, "b", revision, 1.25, {name: 1.0 + k for k, name in enumerate(demand)}
    )
    assert digest(DOMAIN, package) == reference_digest(DOMAIN, package)
