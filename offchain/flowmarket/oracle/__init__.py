"""The clearing oracle: the hourly cycle that ties the engine, the database and the contracts.

One concept per module: `clock` (when each hour's bidding window closes), `journal`
(the durable per-hour step record, the crash-safety backbone), `chain_state` (what
the cycle reads from the contracts), `transactions` (journaled sends), `solve` (clear
a journaled snapshot and store it), `commit` (send or recover hour h's commitment),
`publish` (fill the API's read side), `settlement` (the weekly cycle), `retry` (RPC
back-off), `faults` (the crash-test hook) and `cycle` (the step pipeline). The
collateral rule it applies is `flowmarket.collateral` (pure, shared with the
participant page).
"""
