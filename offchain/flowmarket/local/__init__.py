"""A live local market to trade in by hand (`flowmarket local up|down|status`).

One supervisor process runs it: a Hardhat node it starts in the background, the market
deployed with the demo's cast (`demo.setup`), the participation API and the web app
(served by uvicorn in a thread), the clearing oracle on short wall-clock hours and,
with agents, the demo's traders for liquidity. Its state is the state folder: the
node's pid file, the deployment, the SQLite database, participants' keystores, and
`local/` (the supervisor's record, the cast's keys, logs).
"""
