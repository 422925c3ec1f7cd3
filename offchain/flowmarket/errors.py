"""The exception tree: one root, and each subclass also inherits the builtin it refines.

Callers can catch `MarketError` for everything flowmarket raises on purpose, or the
builtin (`ValueError`, `RuntimeError`, ...) when they do not care whose error it is.
The CLI turns any `MarketError` into a one-line message and exit code 2 (bad input)
or 1 (operational failure), never a traceback.
"""


class MarketError(Exception):
    """Root of every error flowmarket raises on purpose."""

    exit_code = 1


class InvalidInput(MarketError, ValueError):
    """Input (a file, a request, an argument) is malformed; the message names the field."""

    exit_code = 2


class InvalidOrder(InvalidInput):
    """An order cannot be accepted: the message names the order and the reason."""


class ClearingFailed(MarketError, RuntimeError):
    """The clearing solver did not reach its certificate tolerance."""


class BuildFailed(MarketError, RuntimeError):
    """Contract compilation failed; the message carries the compiler's file:line errors."""


class ToolchainMissing(MarketError, RuntimeError):
    """A required external tool (node, npm packages) is not installed."""


class ChainError(MarketError, RuntimeError):
    """The local node or a contract call failed."""


class ChainUnavailable(ChainError, ConnectionError):
    """No JSON-RPC node answers at the configured URL."""


class DeploymentMissing(ChainError, FileNotFoundError):
    """No deployment file: run `flowmarket deploy` first."""


class TransactionReverted(ChainError):
    """A transaction reverted; the message names the decoded custom error when known."""
