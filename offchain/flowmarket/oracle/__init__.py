"""The clearing oracle: the hourly cycle that ties the engine, the database and the contracts.

One concept per module: `clock` (when each hour's bidding window closes), `journal`
(the durable per-hour step record, the crash-safety backbone), `collateral`
(requirements and order cutting, pure), `chain_state` (what the cycle reads from the
contracts), `transactions` (journaled sends), `solve` (clear a journaled snapshot and
store it), `commit` (send or recover hour h's commitment), `publish` (fill the API's
read side), `settlement` (the weekly cycle), `retry` (RPC back-off), `faults` (the
crash-test hook) and `cycle` (the step pipeline).
"""
