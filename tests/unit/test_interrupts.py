"""A Ctrl-C or SIGTERM that lands inside a finaliser is not lost (`flowmarket demo`, `local`)."""

from __future__ import annotations

import gc
import os
import signal
import weakref

import pytest

from flowmarket.cli.interrupts import Interrupts


class _Owner:
    """Something with a finaliser, like the connections and sessions the demo drops."""


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the point
def test_a_signal_swallowed_by_a_finaliser_is_raised_at_the_next_check() -> None:
    previous = signal.getsignal(signal.SIGTERM)
    interrupts = Interrupts().install(signal.SIGTERM)
    try:
        owner = _Owner()
        # The handler runs inside the finaliser: Python prints "Exception ignored" there.
        weakref.finalize(owner, os.kill, os.getpid(), signal.SIGTERM)
        del owner
        gc.collect()
        assert interrupts.received.is_set()
        with pytest.raises(KeyboardInterrupt):
            interrupts.check()
        interrupts.check()  # once per signal: the cleanup that follows is not interrupted
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_no_signal_no_interrupt() -> None:
    interrupts = Interrupts()
    interrupts.check()
    assert not interrupts.received.is_set()
