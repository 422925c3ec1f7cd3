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


class CertificateFailed(ClearingFailed):
    """A book's certificate is out of tolerance (`clearing.gate`): `orders` names the
    orders that make the tolerance unreachable. Exit code 2: the input cannot be used as
    it is; without those orders it clears."""

    exit_code = 2

    def __init__(self, message: str, *, orders: tuple[str, ...]) -> None:
        super().__init__(message)
        self.orders = orders


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
    """A transaction reverted; the message names the decoded custom error when known.
    `error` is that error's name ("" when unknown), `args` its arguments by ABI name."""

    def __init__(
        self, message: str, *, error: str = "", args: dict[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.error = error
        self.error_args: dict[str, object] = dict(args or {})


class ActionRefused(ChainError):
    """What a participant asked cannot be done now (insufficient balance, a blocked
    withdrawal, a closed vote, a leaf that does not match its root); the message says why
    and what to do. Raised before anything is signed."""


class CommitmentMismatch(ChainError):
    """A committed root or proof on chain does not match what the record reproduces."""


class JournalError(MarketError, RuntimeError):
    """The oracle's journal is missing an hour, or was asked for a step transition that
    cannot happen (`oracle.journal.require`, `oracle.journal.advance`)."""


class ChildProcessFailed(MarketError, RuntimeError):
    """A child process of the demo (its oracle, its report) failed with something other
    than a `MarketError`, exited or stopped answering (`demo.child_errors`)."""


class FieldError(InvalidInput):
    """One named input field is invalid; `field` is its path (`order.curve[2]`)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class Conflict(FieldError):
    """The request contradicts stored state (a replayed nonce, a cancelled order)."""


class NotFound(MarketError, LookupError):
    """The requested record does not exist (yet); the message says which and why."""

    exit_code = 2


class AuthenticationFailed(MarketError, PermissionError):
    """A login message, a signature or an access token does not authenticate the caller."""

    exit_code = 2


class RateLimited(MarketError, RuntimeError):
    """Too many requests from one address; the message says when to retry."""


class ApiUnavailable(MarketError, ConnectionError):
    """The flowmarket API does not answer (or fails) at the configured URL."""
