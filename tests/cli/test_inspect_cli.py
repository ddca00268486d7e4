"""`curate inspect` through the real entry points."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import orjson
from typer.testing import CliRunner

from curate.cli.main import app

CURATE = str(Path(sys.executable).parent / "curate")
runner = CliRunner()

CHAT = orjson.dumps(
    {
        "messages": [
            {"role": "user", "content": "What is the difference between a Kafka topic and a partition?"},
            {"role": "assistant", "content": "A topic is a named stream; partitions split it for parallel reads."},
        ]
    }
)


def data_file(tmp_path: Path, lines: list[bytes], name: str = "in.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_inspect_json_has_every_statistic_and_exit_0(tmp_path: Path) -> None:
    result = runner.invoke(app, ["inspect", str(data_file(tmp_path, [CHAT] * 3)), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["detected_format"] == "openai-jsonl" and data["confidence"] == 1.0
    assert (data["read"], data["records"], data["rejected"]) == (3, 3, 0)
    assert data["kinds"] == {"sft": 3} and data["roles"] == {"user": 3, "assistant": 3}
    assert data["turns"]["median"] == 2
    for key in ("chars", "tokens", "tools", "languages", "rejects", "reject_examples"):
        assert key in data
    assert data["languages"] == {"en": 3}


def test_inspect_reports_the_rejects_a_conversion_would_produce_exit_1(tmp_path: Path) -> None:
    lines = [CHAT, b"{nope", orjson.dumps({"messages": [{"role": "user", "content": "alone"}]})]
    result = runner.invoke(app, ["inspect", str(data_file(tmp_path, lines))])
    assert result.exit_code == 1
    out = result.stdout
    assert "format openai-jsonl" in out and "rows read 3: records 1, rejected 2" in out
    assert "invalid_json" in out and "example_missing_assistant_message" in out
    assert "line 2" in out and "line 3" in out


def test_inspect_with_from_and_to(tmp_path: Path) -> None:
    alpaca = orjson.dumps({"instruction": "Explain a dbt snapshot.", "input": "", "output": "It records changes."})
    src = data_file(tmp_path, [alpaca])
    result = runner.invoke(app, ["inspect", str(src), "--from", "alpaca", "--to", "trl-preference", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["format"] == "alpaca" and data["target"] == "trl-preference"
    assert data["rejects"] == {"unsupported_in_target": 1}


def test_inspect_to_a_target_keeps_read_and_conversion_counts_apart() -> None:
    sample = Path(__file__).resolve().parents[2] / "samples" / "openai_chat.jsonl"
    result = runner.invoke(app, ["inspect", str(sample), "--to", "alpaca"])
    assert result.exit_code == 1  # rows alpaca cannot hold are findings
    out = result.stdout
    assert "rows read 14: records 14, rejected 0" in out
    assert "to alpaca: 8 would convert, 6 would be rejected" in out
    data = json.loads(runner.invoke(app, ["inspect", str(sample), "--to", "alpaca", "--json"]).stdout)
    assert (data["read"], data["records"], data["rejected"]) == (14, 14, 0)
    assert (data["would_convert"], data["would_reject"], data["target_rejected"]) == (8, 6, 6)


def test_inspect_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["inspect", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    src = data_file(tmp_path, [CHAT])
    bad_tok = runner.invoke(app, ["inspect", str(src), "--tokenizer", str(tmp_path / "t.json")])
    assert bad_tok.exit_code == 2 and "tokenizer file" in bad_tok.stderr
    neg = runner.invoke(app, ["inspect", str(src), "--language-sample", "-1"])
    assert neg.exit_code == 2
    for result in (missing, bad_tok, neg):
        assert "Traceback" not in result.output


def test_inspect_empty_file(tmp_path: Path) -> None:
    src = tmp_path / "e.jsonl"
    src.write_bytes(b"")
    result = runner.invoke(app, ["inspect", str(src)])
    assert result.exit_code == 0 and "empty" in result.stderr


def test_inspect_help_has_examples() -> None:
    result = runner.invoke(app, ["inspect", "--help"])
    assert result.exit_code == 0 and "curate inspect chats.jsonl" in result.stdout


def test_console_script_inspect_json(tmp_path: Path) -> None:
    src = data_file(tmp_path, [CHAT, b"oops"], name="data.jsonl")
    done = subprocess.run(
        [CURATE, "inspect", str(src), "--json"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["rejects"] == {"invalid_json": 1}
    assert data["reject_examples"][0]["raw"] == "oops"
