"""The demo's HTML report in a process of its own: its line comes back, what the writer
raises comes back as the same market error (or named in `ChildProcessFailed`), and a
writer that dies or hangs never hangs the demo."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from flowmarket.demo.background_report import BackgroundReport
from flowmarket.errors import ChildProcessFailed, JournalError


def write_pid(state_dir: Path) -> str:
    (state_dir / "report.html").write_text("<html></html>")
    return f"report by {os.getpid()}"


def write_fails(state_dir: Path) -> str:
    raise JournalError(f"hour 3 of {state_dir.name}: not in the journal")


def write_crashes(state_dir: Path) -> str:
    del state_dir
    os._exit(7)


def write_hangs(state_dir: Path) -> str:
    time.sleep(600)
    return str(state_dir)


def test_the_report_is_written_by_another_process_while_the_parent_goes_on(
    tmp_path: Path,
) -> None:
    with BackgroundReport(tmp_path, write_pid) as html:
        html.start()
        line = html.line()
    assert line.startswith("report by ") and line != f"report by {os.getpid()}"
    assert (tmp_path / "report.html").read_text() == "<html></html>"


def test_a_report_never_started_is_written_in_this_process(tmp_path: Path) -> None:
    with BackgroundReport(tmp_path, write_pid) as html:
        assert html.line() == f"report by {os.getpid()}"


def test_what_the_writer_raises_comes_back_as_the_same_error(tmp_path: Path) -> None:
    with BackgroundReport(tmp_path, write_fails) as html:
        html.start()
        with pytest.raises(JournalError, match=f"hour 3 of {tmp_path.name}: not in the journal"):
            html.line()


def test_a_writer_that_dies_is_reported_with_its_exit_code(tmp_path: Path) -> None:
    with BackgroundReport(tmp_path, write_crashes) as html:
        html.start()
        with pytest.raises(ChildProcessFailed, match="exited with code 7"):
            html.line()


def test_leaving_early_kills_an_unfinished_report(tmp_path: Path) -> None:
    started = time.monotonic()
    with BackgroundReport(tmp_path, write_hangs) as html:
        html.start()
        process = html._process
        assert process is not None
    assert not process.is_alive() and time.monotonic() - started < 60
