"""Progress reports from the demo to whoever renders them (the CLI draws a progress line)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoEvent:
    """One step of the run. phase: setup | market | settlement | governance | summary;
    done/total: steps of the phase (total 0 when it has no count); message: one line."""

    phase: str
    done: int
    total: int
    message: str


EventSink = Callable[[DemoEvent], None]


def ignore(event: DemoEvent) -> None:
    """An event sink that drops every event."""
    del event
