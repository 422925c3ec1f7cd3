"""`flowmarket demo`: a week of the market on a private local chain, end to end.

`config` (what a run does, the catalogue it trades), `events` (progress reports for
the CLI), `wallets` (the cast's keys), `setup` (deploy, fund, collateral, governance
tokens), `api_server` (the participation API in a thread on a virtual clock),
`traders` (agents' wanted orders → EIP-712 signed API calls), `market_loop` (bid,
clear, commit, publish, settle), `governance` (a fee change through the governor and
the timelock), `gas` and `summary` (what the run measured) and `runner` (the whole
job, node started and stopped around it).
"""

from flowmarket.demo.config import DemoConfig, resolve_catalogue
from flowmarket.demo.events import DemoEvent, EventSink
from flowmarket.demo.runner import run_demo

__all__ = ["DemoConfig", "DemoEvent", "EventSink", "resolve_catalogue", "run_demo"]
