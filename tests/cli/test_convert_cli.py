"""`curate convert` through the real entry points (typer app in-process and the console script)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from rich.console import Console
from typer.testing import CliRunner

from curate.cli import convert as convert_cli
from curate.cli.main import app
from curate.convert import ConvertSummary

CURATE = str(Path(sys.executable).parent / "curate")
runner = CliRunner()


def chat(q: object, a: object = "It depends on the partition count.") -> bytes:
    return orjson.dumps({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]})


GOOD = chat("How many consumers can read one Kafka partition in a group?")
BAD_LINES = {
    b"{not json": "invalid_json",
    b'{"messages": [{"role": "user", "content": "\xff\xfe"}]}': "invalid_encoding",
    rb'{"messages": [{"role": "user", "content": "\udfff"}]}': "invalid_encoding",
    chat(3.14): "data_type",
    chat(None): "missing_content",
    chat(""): "missing_content",
    orjson.dumps({"messages": [{"role": "wizard", "content": "x"}, {"role": "assistant", "content": "y"}]}): "unrecognized_role",
    orjson.dumps({"messages": [{"role": "user", "content": "x"}]}): "example_missing_assistant_message",
    orjson.dumps({"messages": [{"role": "user", "content": "x", "lang": "en"}, {"role": "assistant", "content": "y"}]}): "message_unrecognized_key",
}


def data_file(tmp_path: Path, lines: list[bytes], name: str = "in.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_all_rows_converted_exits_0_with_json_summary(tmp_path: Path) -> None:
    src = data_file(tmp_path, [GOOD, GOOD])
    code, out, _ = invoke("convert", str(src), "--to", "sharegpt", "-o", str(tmp_path / "o.json"), "--json")
    assert code == 0
    data = json.loads(out)
    assert {k: data[k] for k in ("detected_format", "read", "written", "rejected", "rejects_path", "reasons")} == {
        "detected_format": "openai-jsonl",
        "read": 2,
        "written": 2,
        "rejected": 0,
        "rejects_path": None,
        "reasons": {},
    }
    assert (tmp_path / "o.json").exists() and not (tmp_path / "o.json.rejects.jsonl").exists()


def test_every_bad_input_is_rejected_with_its_code_and_exit_1(tmp_path: Path) -> None:
    lines = [GOOD, *BAD_LINES, GOOD, b'{"messages": [']
    src = data_file(tmp_path, lines)
    src.write_bytes(b"\xef\xbb\xbf" + src.read_bytes().rstrip(b"\n"))  # BOM, no final newline
    out = tmp_path / "o.jsonl"
    code, stdout, _ = invoke("convert", str(src), "--to", "openai-jsonl", "-o", str(out), "--json")
    assert code == 1
    data = json.loads(stdout)
    assert data["read"] == len(lines) == data["written"] + data["rejected"]
    assert data["written"] == 2
    expected: dict[str, int] = {"truncated_row": 1}
    for reason in BAD_LINES.values():
        expected[reason] = expected.get(reason, 0) + 1
    assert data["reasons"] == expected
    assert data["rejects_path"] == f"{out}.rejects.jsonl"
    rejects = [json.loads(x) for x in Path(data["rejects_path"]).read_text().splitlines()]
    assert [r["line"] for r in rejects] == list(range(2, len(lines) - 1)) + [len(lines)]


def test_plain_summary_states_read_equals_written_plus_rejected(tmp_path: Path) -> None:
    src = data_file(tmp_path, [GOOD, b"nope"])
    code, out, _ = invoke("convert", str(src), "--to", "alpaca", "-o", str(tmp_path / "o.csv"))
    assert code == 1
    assert "read 2 = written 1 + rejected 1" in out
    assert "invalid_json: 1" in out and "o.csv.rejects.jsonl" in out


def test_terminal_summary_is_a_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    term = Console(force_terminal=True, width=100, record=True)
    monkeypatch.setattr(convert_cli, "console", term)
    summary = ConvertSummary(
        input="in.jsonl", output="o.jsonl", to="alpaca", from_format="openai-jsonl",
        read=5, written=3, rejected=2, rejects_path="o.jsonl.rejects.jsonl",
        reasons={"invalid_json": 2},
    )
    convert_cli.show_summary(summary)
    text = term.export_text()
    for part in ("read", "written", "rejected", "│    5 │ = │       3 │ + │        2 │", "invalid_json"):
        assert part in text


def test_rejects_option_and_from_option(tmp_path: Path) -> None:
    alpaca = orjson.dumps({"instruction": "Explain Airflow pools.", "input": "", "output": "They cap concurrency."})
    src = data_file(tmp_path, [alpaca, b"[]"])
    rejects = tmp_path / "r.jsonl"
    code, out, _ = invoke(
        "convert", str(src), "--from", "alpaca", "--to", "openai-jsonl",
        "-o", str(tmp_path / "o.jsonl"), "--rejects", str(rejects), "--json",
    )
    assert code == 1
    data = json.loads(out)
    assert data["rejects_path"] == str(rejects) and data["reasons"] == {"not_an_object": 1}
    assert data["from_format"] == "alpaca"


def test_empty_input_exits_0_and_says_so(tmp_path: Path) -> None:
    src = tmp_path / "empty.jsonl"
    src.write_bytes(b"")
    code, out, err = invoke("convert", str(src), "--to", "alpaca", "-o", str(tmp_path / "o.json"))
    assert code == 0
    assert "read 0 = written 0 + rejected 0" in out and "empty" in err


def test_a_huge_line_is_rejected_row_too_large(tmp_path: Path) -> None:
    huge = chat("x" * (65 * 1024 * 1024))
    src = data_file(tmp_path, [GOOD, huge, GOOD])
    del huge
    code, out, _ = invoke("convert", str(src), "--to", "openai-jsonl", "-o", str(tmp_path / "o.jsonl"), "--json")
    assert code == 1
    assert json.loads(out)["reasons"] == {"row_too_large": 1}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.jsonl", "--to", "alpaca", "-o", "o.json"], "does not exist"),
        (["in.jsonl", "--to", "klingon", "-o", "o.json"], "Unknown format 'klingon'"),
        (["in.jsonl", "--to", "alpaca", "-o", "o.txt"], "Cannot tell which file type"),
        (["in.jsonl", "--to", "alpaca", "-o", "in.jsonl"], "output is the input"),
        (["in.jsonl", "--to", "alpaca", "-o", "nowhere/o.json"], "does not exist"),
    ],
)
def test_usage_and_unreadable_errors_exit_2_with_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    data_file(tmp_path, [GOOD])
    code, out, err = invoke("convert", *args)
    assert code == 2
    assert message in err and err.startswith("Error: ") and len(err.strip().splitlines()) == 1
    assert "Traceback" not in out + err


def test_missing_option_is_a_usage_error_exit_2(tmp_path: Path) -> None:
    code, _, err = invoke("convert", str(data_file(tmp_path, [GOOD])), "-o", "o.json")
    assert code == 2 and "--to" in err


def test_help_has_examples() -> None:
    code, out, _ = invoke("convert", "--help")
    assert code == 0
    assert "Examples" in out and "curate convert chats.jsonl --to alpaca -o train.json" in out


# through the installed console script ------------------------------------------------------------
def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CURATE, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_console_script_converts_with_rejects_exit_1(tmp_path: Path) -> None:
    data_file(tmp_path, [GOOD, b"{oops", GOOD])
    done = run_cli("convert", "in.jsonl", "--to", "sharegpt", "-o", "o.jsonl", "--json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert (data["read"], data["written"], data["rejected"]) == (3, 2, 1)
    assert data["reasons"] == {"invalid_json": 1}
    assert (tmp_path / "o.jsonl.rejects.jsonl").exists()
    assert done.stderr == ""  # no progress bar or colour when stderr is not a terminal


def test_console_script_unreadable_input_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('[{"messages": [}]')
    done = run_cli("convert", "bad.json", "--to", "alpaca", "-o", "o.json", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("Error: The file 'bad.json' is not a valid JSON array")
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "o.json").exists()


def test_console_script_lists_the_commands() -> None:
    done = subprocess.run([CURATE, "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert "convert" in done.stdout and "inspect" in done.stdout
    bare = subprocess.run([CURATE, "convert"], capture_output=True, text=True, timeout=120)
    assert bare.returncode == 2 and "Usage" in bare.stdout + bare.stderr
