"""The auctioneer: runs primary auctions over the database and commits them on chain.

`lifecycle` creates, opens and closes (round by round) over the database; `onchain`
commits finished auctions to `CapacityAuction`, and credits paid awards to positions;
`replay` re-derives an auction from its published signed bids. The computation itself
is `flowmarket.auctions` (pure).
"""
