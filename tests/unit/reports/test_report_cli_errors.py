"""`flowmarket report` refuses what it cannot report on with one line naming the option:
a missing folder or database, a database that is not flowmarket's, a market with no
cleared hour, a malformed hour range. Exit status 2, no traceback, nothing written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from flowmarket.backend.serve import open_database
from flowmarket.cli.main import main


def report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["report", *args])
    return code, capsys.readouterr().err


def test_a_missing_state_folder_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = report(capsys, "--state-dir", str(tmp_path / "nowhere"))

    assert code == 2
    assert err.startswith("flowmarket report: error: --state-dir:")
    assert "is not a folder" in err


def test_a_state_folder_without_a_database_is_named_and_left_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = report(capsys, "--state-dir", str(tmp_path), "--out", str(tmp_path / "r.html"))

    assert code == 2
    assert "--state-dir: no database at" in err and "run `flowmarket demo` first" in err
    assert list(tmp_path.iterdir()) == []  # no database created, no report written


def test_a_database_without_flowmarkets_tables_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")

    code, err = report(
        capsys, "--database-url", f"sqlite:///{path}", "--out", str(tmp_path / "r.html")
    )

    assert code == 2
    assert (
        "--database-url:" in err and "has no hour_results table: not a flowmarket database" in err
    )


def test_a_market_with_no_cleared_hour_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    open_database(url).dispose()

    code, err = report(capsys, "--database-url", url, "--out", str(tmp_path / "r.html"))

    assert code == 2
    assert "--database-url:" in err and "the market has no cleared hour yet" in err
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize(
    ("url", "reason"),
    [("not a url", "not a database URL"), ("nosuchdb://host/x", "no database driver for")],
)
def test_an_unusable_database_url_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, reason: str
) -> None:
    code, err = report(capsys, "--database-url", url, "--out", str(tmp_path / "r.html"))

    assert code == 2
    assert f"--database-url: {reason}" in err


@pytest.mark.parametrize(
    ("hours", "reason"),
    [("tomorrow", "expected A:B, A: or :B"), ("20:10", "ends before it starts")],
)
def test_a_malformed_hour_range_is_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], hours: str, reason: str
) -> None:
    code, err = report(capsys, "--state-dir", str(tmp_path), "--hours", hours)

    assert code == 2
    assert "--hours: " in err and reason in err


def test_state_dir_and_database_url_exclude_each_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["report", "--state-dir", str(tmp_path), "--database-url", "sqlite://"])

    assert caught.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
