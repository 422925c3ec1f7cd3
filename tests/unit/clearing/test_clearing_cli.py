"""`flowmarket clear` as a user runs it: files in, JSON or a summary out, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from flowmarket.cli.main import main

DATA = Path(__file__).parents[2] / "data" / "clearing"
FLOWMARKET = Path(sys.executable).parent / "flowmarket"


def orders_file(tmp_path: Path, case: str) -> Path:
    """The ORDERS.json part of a known-answer case (without its expected answer)."""
    doc = json.loads((DATA / f"{case}.json").read_text(encoding="utf-8"))
    path = tmp_path / f"{case}.orders.json"
    path.write_text(json.dumps({k: doc[k] for k in ("products", "orders") if k in doc}))
    return path


def test_prints_the_result_json_without_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["clear", str(orders_file(tmp_path, "two_products"))]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"prices", "orders", "participants", "products", "welfare", "certificate"}
    assert result["certificate"]["max_imbalance"] <= 1e-8


def test_writes_result_and_prints_a_summary_with_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "result.json"
    prior = tmp_path / "prior.json"
    prior.write_text(json.dumps({"prices": {"premium": 6.0, "regular": 7.0}}), encoding="utf-8")
    orders = orders_file(tmp_path, "two_products")
    code = main(["clear", str(orders), "--prior", str(prior), "--out", str(out)])
    assert code == 0
    summary = capsys.readouterr().out
    assert "certificate: max imbalance" in summary
    assert str(out) in summary
    assert json.loads(out.read_text(encoding="utf-8"))["prices"]["regular"] == pytest.approx(6.0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{", "not valid JSON (line 1"),
        ("[]", "expected a JSON object"),
        (
            '{"orders": [{"id": "x-1", "participant": "x", "portfolio": {"p": 1},'
            ' "curve": [[0, 1], [1, 2]]}]}',
            "order 'x-1': curve: price must not increase",
        ),
        ('{"orders": [], "expected": {}}', "orders file: unknown key 'expected'"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "orders.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    run = subprocess.run(
        [str(FLOWMARKET), "clear", str(path)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 2
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("flowmarket clear: error: ")
    assert message in lines[0]


def test_backend_cuda_without_a_gpu_exits_2_naming_the_option_and_cpu_clears(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_clearing_device import HAS_GPU

    if HAS_GPU:
        pytest.skip("this machine has a GPU")
    orders = str(orders_file(tmp_path, "two_products"))
    assert main(["clear", orders, "--backend", "cuda"]) == 2
    err = capsys.readouterr().err
    assert "backend: 'cuda' needs CuPy and an NVIDIA GPU" in err
    assert "Traceback" not in err
    assert main(["clear", orders, "--backend", "gpu"]) == 2
    assert "backend: expected one of ['cpu', 'cuda'], got 'gpu'" in capsys.readouterr().err
    assert main(["clear", orders, "--backend", "cpu"]) == 0
    prices = json.loads(capsys.readouterr().out)["prices"]
    assert prices == pytest.approx({"premium": 52 / 7, "regular": 4.0})  # by hand, the case's
