"""`curate validate` and `curate rubric` through the real entry points (typer app and script)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from curate.cli.main import app

CURATE = str(Path(sys.executable).parent / "curate")
QUALITY = Path(__file__).parents[2] / "samples/quality"
runner = CliRunner()
PROSE = "A consumer group shares the partitions of a topic among its members, so each partition is read by one consumer."


def write_chats(path: Path, n: int = 12, bad: bool = False) -> Path:
    lines = [
        orjson.dumps({"messages": [{"role": "user", "content": f"What is case {i} about?"}, {"role": "assistant", "content": f"{PROSE} Case {i}."}]})
        for i in range(n)
    ]
    if bad:
        lines.append(b"{not json")
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_a_clean_file_passes_with_exit_0(tmp_path) -> None:
    result = runner.invoke(app, ["validate", str(write_chats(tmp_path / "d.jsonl")), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["verdict"] == "pass"
    assert set(data["scores"]) == {"accuracy", "consistency", "diversity", "completeness", "format"}
    assert data["scores"]["accuracy"] is None
    assert len(data["records"]) == 12 and data["checks"] == {}


def test_rejected_rows_fail_the_format_pillar(tmp_path) -> None:
    path = write_chats(tmp_path / "d.jsonl", bad=True)
    result = runner.invoke(app, ["validate", str(path), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["checks"] == {"invalid_json": 1}
    assert data["records"][f"{path}:13"] == ["invalid_json"]
    assert data["verdict"] == "fail" and data["scores"]["format"] < 95


def test_the_planted_sample_fails_and_writes_a_report(tmp_path) -> None:
    report = tmp_path / "report.md"
    args = ["validate", str(QUALITY / "quality.jsonl"), "--rubric", str(QUALITY / "rubric.yaml"), "--report", str(report)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "FAIL" in result.stdout and "style_outlier" in result.stdout
    text = report.read_text()
    assert text.startswith("# Validation report") and "`secret_in_text`" in text
    assert "4fT9qL2xW8mZ3vR7kP1nB6yH0cJ5dA" not in text + result.stdout  # the planted key stays masked


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--rubric", "{tmp}/bad.yaml"], "is not valid YAML"),
        (["--target", "gpt-9"], "Unknown target 'gpt-9'"),
        (["--where", "origin=real"], "--where filters workspace records"),
    ],
)
def test_usage_errors_exit_2_with_one_sentence(tmp_path, args: list[str], words: str) -> None:
    (tmp_path / "bad.yaml").write_text("checks: [1, 2")
    data = write_chats(tmp_path / "d.jsonl")
    result = runner.invoke(app, ["validate", str(data), *[a.format(tmp=tmp_path) for a in args]])
    assert result.exit_code == 2
    assert words in result.stderr and "Traceback" not in result.stderr


def test_a_missing_file_exits_2(tmp_path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_target_changes_the_token_limit(tmp_path) -> None:
    path = tmp_path / "long.jsonl"
    long = " ".join(f"word{i}" for i in range(9000))
    path.write_bytes(orjson.dumps({"messages": [{"role": "user", "content": "Tell me."}, {"role": "assistant", "content": long}]}) + b"\n")
    openai = json.loads(runner.invoke(app, ["validate", str(path), "--json"]).stdout)
    llama = json.loads(runner.invoke(app, ["validate", str(path), "--json", "--target", "llama3-8k"]).stdout)
    assert openai["checks"].get("too_long") is None and openai["target"] == "openai"
    assert llama["checks"]["too_long"] == 1 and llama["target"] == "llama3-8k"


def test_workspace_validation_stores_annotations(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["init"]).exit_code == 0
    data = write_chats(tmp_path / "d.jsonl")
    with data.open("ab") as fh:
        fh.write(orjson.dumps({"messages": [{"role": "user", "content": "Explain in detail how offsets work."}, {"role": "assistant", "content": "They are numbers."}]}) + b"\n")
    assert runner.invoke(app, ["import", str(data)]).exit_code == 0
    result = runner.invoke(app, ["validate", "--json"])
    assert result.exit_code in (0, 1), result.output
    assert json.loads(result.stdout)["checks"] == {"answer_too_short": 1}
    status = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert status["checks"]["failed"] == {"answer_too_short": 1}
    assert status["checks"]["records_checked"] == 13


def test_rubric_show_and_copy(tmp_path) -> None:
    shown = runner.invoke(app, ["rubric", "show"])
    assert shown.exit_code == 0 and "default_target: openai" in shown.stdout
    dest = tmp_path / "mine.yaml"
    assert runner.invoke(app, ["rubric", "copy", str(dest)]).exit_code == 0
    assert dest.read_text() == shown.stdout
    again = runner.invoke(app, ["rubric", "copy", str(dest)])
    assert again.exit_code == 2 and "already exists" in again.stderr
    assert runner.invoke(app, ["validate", str(write_chats(tmp_path / "d.jsonl")), "--rubric", str(dest)]).exit_code == 0


def test_the_console_script(tmp_path) -> None:
    done = subprocess.run(
        [CURATE, "validate", str(QUALITY / "quality.jsonl"), "--rubric", str(QUALITY / "rubric.yaml"), "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["verdict"] == "fail" and data["checks"]["secret_in_text"] == 1
