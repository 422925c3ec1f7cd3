"""Ctrl-C and SIGTERM as a KeyboardInterrupt that cannot be lost.

Python runs a signal handler between two bytecodes of the main thread, wherever that thread
is. When it is inside a finaliser the garbage collector called (a `weakref.finalize`, a
`__del__`), the KeyboardInterrupt the handler raises is printed as "Exception ignored" and
the run goes on as if nothing had happened. So the handler also remembers the signal, and
the long-running commands call `check()` at every progress event, which raises it again,
or watch `received`, an event set by every signal.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType


class Interrupts:
    """Installed for SIGINT and SIGTERM by `install`; `check()` re-raises a lost one."""

    def __init__(self) -> None:
        self.pending: int | None = None
        self.received = threading.Event()

    def install(self, *signums: int) -> Interrupts:
        for signum in signums or (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self.handle)
        return self

    def handle(self, signum: int, frame: FrameType | None) -> None:
        del frame
        self.pending = signum
        self.received.set()
        raise KeyboardInterrupt

    def check(self) -> None:
        """Raise the interrupt a finaliser swallowed; once per signal."""
        if self.pending is not None:
            self.pending = None
            raise KeyboardInterrupt
