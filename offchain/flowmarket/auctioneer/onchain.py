"""Auctions on chain: commit a finished auction, pay an award, credit paid awards.

- commit (auctioneer, the oracle key): the awards tree (one leaf per winner: payment
  and quantities) and the bids tree (every accepted signed bid's digest) go to
  `CapacityAuction.commitResults` with the seller, totals and a payment deadline. A
  rerun after a crash finds the results already on chain, checks they are the same
  roots, and only records them.
- pay (a winner's wallet): approve the payment, then `payAward` with its proof; the
  tokens move from the winner to the seller.
- credit (auctioneer): every clock award paid on chain and not yet credited moves its
  quantities from the seller's positions to the winner's, recorded once
  (`auction_credits`), so the next hour's clearing trades them like any position.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session
from web3 import Web3

from flowmarket.auctioneer.documents import awards_of, parse_spec
from flowmarket.chain.auction_leaves import AwardTree, award_tree, awards_hash, bid_tree
from flowmarket.chain.build import load_artifacts
from flowmarket.chain.deploy import load_deployment
from flowmarket.chain.market import Market
from flowmarket.chain.node import resolve_rpc_url
from flowmarket.config import Settings
from flowmarket.db import auction_repo
from flowmarket.db.auction_tables import Auction
from flowmarket.errors import CommitmentMismatch, Conflict
from flowmarket.money import from_wad
from flowmarket.signing.auction_bids import auction_id
from flowmarket.states import AuctionKind, AuctionStatus

KIND_ON_CHAIN = {AuctionKind.CLOCK: 0, AuctionKind.EXPANSION: 1}


def awards_tree(name: str, result: Mapping[str, Any]) -> AwardTree:
    return award_tree(auction_id(name), awards_of(result))


def commit_auction(
    market: Market, engine: Engine, name: str, *, pay_seconds: int, now: float
) -> Auction:
    """Commit auction `name`'s results (status ended → committed); idempotent."""
    contract = market.contract("CapacityAuction")
    with Session(engine, expire_on_commit=False) as session:
        auction = auction_repo.get_auction(session, name=name, lock=True)
        if auction.status == AuctionStatus.COMMITTED:
            return auction
        if auction.status != AuctionStatus.ENDED or auction.result is None:
            raise Conflict("status", f"auction {name} is {auction.status}, not ended")
        tree = awards_tree(name, auction.result)
        digests = [bytes.fromhex(b.bid_hash[2:]) for b in auction_repo.bids(session, auction=name)]
        bids_root = bid_tree(digests).root
        key = auction_id(name)
        if market.client.call(contract.functions.isCommitted(key)):
            record = market.client.call(contract.functions.auction(key))
            if (bytes(record[0][1]), bytes(record[0][2])) != (tree.root, bids_root):
                raise CommitmentMismatch(
                    f"auction {name}: the roots on chain are not this result's"
                )
            auction.pay_deadline = int(record[0][6])
        else:
            deadline = int(market.client.w3.eth.get_block("latest")["timestamp"]) + pay_seconds
            commitment = (
                KIND_ON_CHAIN[AuctionKind(auction.kind)],
                tree.root,
                bids_root,
                parse_spec(auction.spec).seller,
                int(auction.result["total_payments"]),
                len(tree.awards),
                deadline,
            )
            receipt = market.client.transact(
                contract.functions.commitResults(key, commitment), label="commitResults"
            )
            auction.commit_tx_hash = "0x" + bytes(receipt["transactionHash"]).hex()
            auction.pay_deadline = deadline
        auction.awards_root, auction.bids_root = "0x" + tree.root.hex(), "0x" + bids_root.hex()
        auction.status, auction.committed_at = AuctionStatus.COMMITTED.value, now
        session.add(auction)
        session.commit()
        return auction


def pay_award(market: Market, name: str, result: Mapping[str, Any]) -> int:
    """Pay `market`'s wallet's award in auction `name` (result: the published result
    document); returns the payment in wei. Checks the proof against the chain first."""
    bidder = market.client.address
    tree = awards_tree(name, result)
    if bidder not in tree.awards:
        raise Conflict("bidder", f"{bidder} has no award in auction {name}")
    contract = market.contract("CapacityAuction")
    key = auction_id(name)
    payment, quantities = tree.awards[bidder]
    proof = tree.proofs()[bidder]
    hashed = awards_hash(quantities)
    if not market.client.call(contract.functions.verifyAward(key, bidder, payment, hashed, proof)):
        raise CommitmentMismatch(f"auction {name}: the published award is not the committed one")
    token = market.contract("CapacityToken")
    market.client.transact(token.functions.approve(contract.address, payment), label="approve")
    market.client.transact(
        contract.functions.payAward(key, bidder, payment, hashed, proof), label="payAward"
    )
    return payment


def credit_paid_awards(
    market: Market, engine: Engine, name: str, *, hour: int, now: float
) -> list[str]:
    """Credit every paid, not yet credited clock award to positions after `hour`;
    returns the bidders credited now."""
    contract = market.contract("CapacityAuction")
    with Session(engine, expire_on_commit=False) as session:
        auction = auction_repo.get_auction(session, name=name, lock=True)
        if auction.kind != AuctionKind.CLOCK:
            raise Conflict("kind", f"auction {name} awards capacity on legs, not positions")
        if auction.status != AuctionStatus.COMMITTED or auction.result is None:
            raise Conflict("status", f"auction {name} is {auction.status}, not committed")
        done = auction_repo.credits(session, auction=name)
        seller = parse_spec(auction.spec).seller
        credited = []
        for bidder, (_, quantities) in sorted(awards_of(auction.result).items()):
            if bidder in done or not market.client.call(
                contract.functions.isPaid(auction_id(name), bidder)
            ):
                continue
            auction_repo.credit_award(
                session,
                auction=name,
                bidder=bidder,
                seller=seller,
                quantities={p: from_wad(q) for p, q in quantities.items()},
                hour=hour,
                now=now,
            )
            credited.append(bidder)
        session.commit()
        return credited


def roots_on_chain(settings: Settings, name: str) -> tuple[str, str] | None:
    """(awards root, bids root) that `CapacityAuction` holds for auction `name`, read
    without a key; None when nothing is committed for it."""
    deployment = load_deployment(settings)
    artifact = load_artifacts(settings)["CapacityAuction"]
    w3 = Web3(Web3.HTTPProvider(resolve_rpc_url(settings)))
    deployment.require_chain(int(w3.eth.chain_id))
    contract = w3.eth.contract(
        address=Web3.to_checksum_address(deployment.addresses["CapacityAuction"]),
        abi=artifact.abi,
    )
    key = auction_id(name)
    if not contract.functions.isCommitted(key).call():
        return None
    record = contract.functions.auction(key).call()
    return "0x" + bytes(record[0][1]).hex(), "0x" + bytes(record[0][2]).hex()
