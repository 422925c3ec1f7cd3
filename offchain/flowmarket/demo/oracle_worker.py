"""The demo's oracle in a process of its own, as `flowmarket oracle run` runs beside
`flowmarket serve` in a real market.

In one process the agents, the API and the oracle took turns on one interpreter lock
and one of the machine's cores, whatever the machine had. Here the oracle's hourly cycle
(`Oracle.tick`) runs in a child process on the same database and node, and reports
each hour twice: once it is cleared (its prices and trades stored: what the agents
read before they bid again) and once the tick is over (committed on chain, published,
a complete week's settlement advanced). The demo's loop lets the agents bid for the
next hour between the two (`market_loop`), so the commit and publish steps run beside
the bidding instead of before it, and what the agents see is what they saw before:
the prices and trades of every hour up to the one just cleared.

The parent sends commands (`tick`, `settle`, `stop`) through a pipe and waits for the
answers; a failure in the child comes back as the `MarketError` it raised (its class
and message) and anything else as `ChildProcessFailed` with the child's traceback on its
standard error. The child ignores Ctrl-C (the demo stops it on the way out) and exits
when the pipe closes, so a parent that dies takes it along. It logs to the parent's
log file (`oracle.log`), one JSON line per record, as the in-process oracle did.
"""

from __future__ import annotations

import logging
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType
from typing import Any

from flowmarket.config import Settings
from flowmarket.demo.child_errors import Failed, failure_of, raise_failure
from flowmarket.demo.child_process import end, spawn
from flowmarket.errors import ChildProcessFailed
from flowmarket.states import WeekStatus

START_TIMEOUT_S = 120.0  # imports (web3, numba, scipy) and the first chain reads, loaded
STOP_TIMEOUT_S = 10.0
POLL_S = 0.5


@dataclass(frozen=True)
class HourCleared:
    """Hour `hour`'s results are stored; `seconds` since the tick began."""

    hour: int
    seconds: float


@dataclass(frozen=True)
class TickDone:
    """A tick is over: `published` hours taken to the end, the oracle's next hour."""

    published: int
    next_hour: int
    seconds: float


@dataclass(frozen=True)
class Settled:
    weeks: dict[int, WeekStatus]


@dataclass(frozen=True)
class Ready:
    pass


@dataclass(frozen=True)
class LogTarget:
    """Where and how the parent's `flowmarket` logger writes (the CLI's `oracle.log`, one
    JSON line per record): the child writes there the same way."""

    path: Path
    formatter: logging.Formatter | None


def _log_target() -> LogTarget | None:
    for handler in logging.getLogger("flowmarket").handlers:
        if isinstance(handler, logging.FileHandler):
            return LogTarget(Path(handler.baseFilename), handler.formatter)
    return None


def _configure_logging(target: LogTarget | None) -> None:
    root = logging.getLogger("flowmarket")
    if target is None:
        root.handlers[:] = [logging.NullHandler()]
    else:
        handler = logging.FileHandler(target.path, encoding="utf-8")
        handler.setFormatter(target.formatter)
        root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False


def _serve(settings: Settings, now: float, log: LogTarget | None, conn: Connection) -> None:
    """The child: open the oracle, then answer commands until `stop` or the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it on Ctrl-C
    _configure_logging(log)
    try:
        from flowmarket.backend.serve import open_database
        from flowmarket.collector import settle_for_serving
        from flowmarket.oracle.cycle import open_oracle

        engine = open_database(settings.effective_database_url)
        oracle = open_oracle(settings, engine, now=now)
        settle_for_serving()  # the oracle's memos live as long as the process
        conn.send(Ready())
    except Exception as exc:  # reported to the parent, which raises it
        conn.send(failure_of(exc))
        return
    started = time.perf_counter()
    oracle.on_cleared = lambda hour: conn.send(HourCleared(hour, time.perf_counter() - started))
    while True:
        try:
            command, argument = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if command == "stop":
            return
        started = time.perf_counter()
        try:
            if command == "tick":
                published = oracle.tick(now=float(argument), limit=1)
                conn.send(TickDone(published, oracle.next_hour(), time.perf_counter() - started))
            else:
                conn.send(Settled(oracle.settle_weeks()))
        except Exception as exc:  # reported to the parent, which raises it
            conn.send(failure_of(exc))


class OracleWorker:
    """The child process and its pipe; a context manager that stops it on exit. One
    command at a time: `tick` then `cleared` (optional) and `done`; `settle_weeks`."""

    def __init__(self, settings: Settings, *, now: float) -> None:
        self.settings = settings
        self.now = now
        self._conn: Connection | None = None
        self._process: BaseProcess | None = None
        self._ticking = False
        self._ready = False
        self._cleared: HourCleared | None = None
        self._done: TickDone | None = None  # a tick that ended while `cleared` waited

    def start(self) -> OracleWorker:
        """Start the child and return at once; the first command waits until it is ready."""
        self._process, self._conn = spawn(
            _serve, (self.settings, self.now, _log_target()), name="demo-oracle", duplex=True
        )
        return self

    def _await_ready(self) -> None:
        if not self._ready:
            answer = self._receive(timeout_s=START_TIMEOUT_S)
            if not isinstance(answer, Ready):
                raise ChildProcessFailed(f"the demo's oracle did not start: {answer!r}")
            self._ready = True

    def stop(self) -> None:
        conn, process = self._conn, self._process
        self._conn = self._process = None
        end(process, conn, farewell=("stop", None), grace_s=STOP_TIMEOUT_S)

    def __enter__(self) -> OracleWorker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def process(self) -> BaseProcess | None:
        return self._process

    def tick(self, now: float) -> None:
        """Start a tick at `now` (at most one hour); the answers come with `cleared`
        and `done`."""
        if self._ticking:
            raise ChildProcessFailed("the demo's oracle is still ticking")
        self._await_ready()
        self._send(("tick", now))
        self._ticking, self._cleared, self._done = True, None, None

    def cleared(self) -> HourCleared | None:
        """Wait until the ticking hour is cleared: its `HourCleared`, or None when the
        tick ended without clearing one (`done` then says why)."""
        while self._ticking and self._cleared is None and self._done is None:
            self._take(self._receive())
        return self._cleared

    def done(self) -> TickDone:
        """Wait for the tick to end."""
        if not self._ticking:
            raise ChildProcessFailed("the demo's oracle is not ticking")
        while self._done is None:
            self._take(self._receive())
        done, self._done, self._ticking = self._done, None, False
        return done

    def settle_weeks(self) -> dict[int, WeekStatus]:
        """`Oracle.settle_weeks` in the child (not while a tick runs)."""
        if self._ticking:
            raise ChildProcessFailed("the demo's oracle is still ticking")
        self._await_ready()
        self._send(("settle", None))
        answer = self._receive()
        if not isinstance(answer, Settled):
            raise ChildProcessFailed(f"the demo's oracle answered {answer!r} to settle")
        return answer.weeks

    def _take(self, answer: Any) -> None:
        if isinstance(answer, HourCleared):
            self._cleared = answer
        elif isinstance(answer, TickDone):
            self._done = answer
        else:
            raise ChildProcessFailed(f"the demo's oracle answered {answer!r} during a tick")

    def _send(self, command: tuple[str, Any]) -> None:
        if self._conn is None or self._process is None:
            raise ChildProcessFailed("the demo's oracle is not running")
        try:
            self._conn.send(command)
        except OSError:  # a broken pipe: the child is gone
            self._process.join(STOP_TIMEOUT_S)
            raise ChildProcessFailed(
                f"the demo's oracle exited with code {self._process.exitcode}"
            ) from None

    def _receive(self, timeout_s: float | None = None) -> Any:
        """The child's next answer; a `Failed` is raised (the tick is over then)."""
        conn, process = self._conn, self._process
        if conn is None or process is None:
            raise ChildProcessFailed("the demo's oracle is not running")
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while not conn.poll(POLL_S):
            if not process.is_alive():
                raise ChildProcessFailed(f"the demo's oracle exited with code {process.exitcode}")
            if deadline is not None and time.monotonic() > deadline:
                raise ChildProcessFailed(f"the demo's oracle did not answer in {timeout_s:.0f} s")
        try:
            answer = conn.recv()
        except (EOFError, OSError):
            raise ChildProcessFailed(
                f"the demo's oracle exited with code {process.exitcode}"
            ) from None
        if isinstance(answer, Failed):
            self._ticking = False
            raise_failure(answer)
        return answer
