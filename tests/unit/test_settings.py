"""Settings from FLOWMARKET_* variables: parsed strictly, errors name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowmarket.cli.main import main
from flowmarket.config import load_settings
from flowmarket.errors import FieldError


def test_overrides_are_parsed_as_the_type_of_their_default(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "FLOWMARKET_API_PORT": "8123",
            "FLOWMARKET_TX_TIMEOUT_S": "2.5",
            "FLOWMARKET_STATE_DIR": str(tmp_path),
            "FLOWMARKET_RPC_URL": "http://127.0.0.1:9999",
            "FLOWMARKET_TEST_POSTGRES_URL": "postgresql://reserved-for-the-test-suite",
            "UNRELATED": "ignored",
        }
    )
    assert settings.api_port == 8123
    assert settings.tx_timeout_s == 2.5
    assert settings.state_dir == tmp_path.resolve()
    assert settings.rpc_url == "http://127.0.0.1:9999"


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("FLOWMARKET_API_PORT", "abc", "expected an integer, got 'abc'"),
        ("FLOWMARKET_API_PORT", "70000", "between 1 and 65535"),
        ("FLOWMARKET_TX_TIMEOUT_S", "nan", "expected a finite number"),
        ("FLOWMARKET_ORACLE_POLL_S", "-1", "must not be negative"),
        ("FLOWMARKET_API_MAX_BODY_BYTES", "-5", "must not be negative"),
        ("FLOWMARKET_ORACLE_NICE", "20", "a nice increment is between 0 and 19, got 20"),
        ("FLOWMARKET_ORACLE_MEMO_ORDERS", "-1", "a number of orders, 0 or more, got -1"),
        ("FLOWMARKET_ORACLE_MEMO_ORDERS", "1e6", "expected an integer, got '1e6'"),
        ("FLOWMARKET_ORACLE_ENGINE_THREADS", "0", "a number of threads between 1 and 64, got 0"),
        ("FLOWMARKET_ORACLE_ENGINE_THREADS", "two", "expected an integer, got 'two'"),
        ("FLOWMARKET_RPC_" + "ULR", "http://127.0.0.1:8545", "no such setting"),  # a typo
    ],
)
def test_a_bad_variable_is_a_field_error_naming_it(name: str, value: str, reason: str) -> None:
    with pytest.raises(FieldError, match=reason) as caught:
        load_settings({name: value})
    assert caught.value.field == name


def test_a_bad_variable_ends_the_command_with_exit_code_2_and_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("FLOWMARKET_API_PORT", "abc")
    assert main(["clear", str(tmp_path / "orders.json")]) == 2
    err = capsys.readouterr().err
    assert err == "flowmarket clear: error: FLOWMARKET_API_PORT: expected an integer, got 'abc'\n"


def test_every_flowmarket_variable_the_repository_names_is_a_setting_or_the_tests() -> None:
    # load_settings refuses an unknown FLOWMARKET_* variable, so a tool, script or doc
    # that tells people to set one must name a setting (or FLOWMARKET_TEST_*, the test
    # suite's own); a stem like FLOWMARKET_API_ must start at least one setting.
    import re

    from flowmarket.config import TEST_PREFIX, Settings, env_name

    root = Path(__file__).resolve().parents[2]
    names = {env_name(name) for name in Settings.__dataclass_fields__}
    files = [root / "README.md", root / ".ci" / "run"]
    for folder in ("docs", "scripts", "tests", "bench", "offchain"):
        files += [p for p in (root / folder).rglob("*") if p.suffix in {".md", ".py", ""}]
    offenders = set()
    for path in files:
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        for word in re.findall(r"FLOWMARKET_[A-Z0-9_]+", path.read_text(errors="replace")):
            if word in names or word.startswith(TEST_PREFIX):
                continue
            if word.endswith("_") and any(name.startswith(word) for name in names):
                continue
            offenders.add(f"{path.relative_to(root)}: {word}")
    assert sorted(offenders) == []
