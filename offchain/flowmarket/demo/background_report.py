"""The demo's HTML report (`<state>/report.html`), written by a process of its own while
the demo reads its summary back.

The report reads only the database, which is final once the last hour is published, so
it need not wait for the summary (chain events, every hour's amounts again): the two
take about as long each on the demo catalogue's week, and run on two cores instead of
one after the other. `start` is called when the hours are over; `line` waits for the
report and returns the line the CLI prints (or raises what the child raised,
`child_errors`); a report never started is written in this process. On the way out
(`close`, also on an error or Ctrl-C) an unfinished child is killed.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType

from flowmarket.demo.child_errors import Failed, failure_of, raise_failure
from flowmarket.demo.child_process import end, spawn
from flowmarket.errors import ChildProcessFailed

ReportWriter = Callable[[Path], str]  # writes the report of a state folder; its line


def _write(write: ReportWriter, state_dir: Path, conn: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it on Ctrl-C
    try:
        conn.send(write(state_dir))
    except Exception as exc:  # reported to the parent, which raises it
        conn.send(failure_of(exc))


class BackgroundReport:
    """write: a module-level function (the child imports it by name)."""

    def __init__(self, state_dir: Path, write: ReportWriter) -> None:
        self.state_dir = state_dir
        self.write = write
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None

    def start(self) -> None:
        self._process, self._conn = spawn(
            _write, (self.write, self.state_dir), name="demo-report", duplex=False
        )

    def line(self) -> str:
        """The report's line once it is written (in this process if never started)."""
        conn, process = self._conn, self._process
        if conn is None or process is None:
            return self.write(self.state_dir)
        try:
            answer = conn.recv()
        except (EOFError, OSError):
            process.join()
            raise ChildProcessFailed(
                f"the demo's report exited with code {process.exitcode}"
            ) from None
        finally:
            self.close()
        if isinstance(answer, Failed):
            raise_failure(answer)
        return str(answer)

    def close(self) -> None:
        conn, process = self._conn, self._process
        self._conn = self._process = None
        end(process, conn)

    def __enter__(self) -> BackgroundReport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
