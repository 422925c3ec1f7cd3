"""An error raised in one of the demo's child processes (the oracle's, the report's),
carried back to the parent as plain data and raised there again.

A `MarketError` whose class can be rebuilt from its message alone comes back as that
class (the CLI then prints it as one line, as it would have in one process); anything
else comes back as `ChildProcessFailed` naming it, and the child prints its traceback on
its standard error, which is the demo's. Exceptions are not pickled: a class whose
constructor takes other arguments (`FieldError`) would not survive the trip.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from flowmarket import errors
from flowmarket.errors import ChildProcessFailed, MarketError


@dataclass(frozen=True)
class Failed:
    """What the child raised: the class name and the message."""

    kind: str
    message: str


def failure_of(exc: Exception) -> Failed:
    """`exc` as data (in the child); prints the traceback of anything but a market error."""
    if not isinstance(exc, MarketError):
        traceback.print_exc()
    return Failed(type(exc).__name__, str(exc))


def raise_failure(failed: Failed) -> None:
    """Raise what the child raised (in the parent): its `MarketError` class when it can
    be rebuilt from the message alone, else `ChildProcessFailed` naming it."""
    cls = getattr(errors, failed.kind, None)
    if isinstance(cls, type) and issubclass(cls, MarketError):
        try:
            error = cls(failed.message)
        except TypeError:
            error = ChildProcessFailed(f"{failed.kind}: {failed.message}")
        raise error
    raise ChildProcessFailed(f"a child process failed: {failed.kind}: {failed.message}")
