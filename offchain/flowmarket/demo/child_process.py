"""Start one of the demo's child processes (the oracle's, the report's) with a pipe to
it, and end it on the way out.

Children are spawned, never forked: the parent runs threads (the API's, the HTTP
client's), and a forked child would inherit their locks mid-use. A child is a daemon,
so a parent that dies takes it along; `end` kills one that has not exited within its
grace period, so a hung child never holds up the demo's exit.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

KILL_WAIT_S = 10.0  # a SIGKILLed process is gone in milliseconds; never wait forever


def spawn(
    target: Callable[..., None], args: tuple[Any, ...], *, name: str, duplex: bool
) -> tuple[BaseProcess, Connection]:
    """Start `target(*args, child_end)` in a new process; returns it and the parent's end
    of the pipe (the parent only reads when not `duplex`). `target` and `args` must be
    picklable: a module-level function and plain data."""
    context = multiprocessing.get_context("spawn")
    parent_end, child_end = context.Pipe(duplex=duplex)
    process = context.Process(target=target, args=(*args, child_end), name=name, daemon=True)
    process.start()
    child_end.close()
    return process, parent_end


def end(
    process: BaseProcess | None,
    conn: Connection | None,
    *,
    farewell: object = None,
    grace_s: float = 0.0,
) -> None:
    """Send `farewell` (when not None) if the child still listens, close the pipe, wait up
    to `grace_s` for the child to exit, and kill it if it has not."""
    if conn is not None:
        if farewell is not None:
            with contextlib.suppress(OSError):  # the child is already gone
                conn.send(farewell)
        conn.close()
    if process is not None:
        process.join(grace_s)
        if process.is_alive():
            process.kill()
            process.join(KILL_WAIT_S)
