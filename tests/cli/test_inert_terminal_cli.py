"""Escape sequences in data, tags and file names never reach the terminal; --json keeps them.

Every command runs for real (the installed ``curate`` entry point) on a workspace whose rows
retitle the window (OSC 2), clear the screen (CSI 2J), hold a one-byte C1 CSI and a bidi
override, imported from a file whose name holds an escape sequence too. Each command runs
twice: with stdout a pipe (plain lines) and with rich told the output is a terminal (tables).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from curate.inert import inert

CURATE = shutil.which("curate", path=str(Path(sys.executable).parent)) or "curate"
TITLE = "\x1b]2;PWNED\x1b\\"
CLEAR = "\x1b[2J"
CSI = "\x9b"
BIDI = "\u202e"
PAYLOADS = (TITLE, CLEAR, CSI, BIDI)
RAW = [p.encode() for p in PAYLOADS] + [b"\x1b]", b"\x1b[2J"]
EVIL_NAME = f"evil{CLEAR}name.jsonl"
QUESTION = (
    f"How do I rotate the logs of a service{TITLE} without losing the lines written during "
    f"the rotation? {CLEAR}It writes about {CSI}two gigabytes a day to one file {BIDI}now."
)
ANSWER = (
    "Use copytruncate in logrotate, or better, have the service reopen its log file on "
    "SIGHUP and let logrotate send the signal after moving the file away."
)


def chat(question: str, answer: str, category: str | None = None) -> bytes:
    row: dict = {
        "messages": [
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer},
        ]
    }
    if category is not None:
        row["category"] = category
    return orjson.dumps(row) + b"\n"


def curate(*args: str, cwd: Path, terminal: bool = False) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "USER": "tester", "COLUMNS": "160"}
    env.pop("FORCE_COLOR", None)
    env.pop("NO_COLOR", None)
    if terminal:
        env["TTY_COMPATIBLE"] = "1"  # rich writes its terminal output (tables, colours) to the pipe
    return subprocess.run([CURATE, *args], cwd=cwd, env=env, capture_output=True, timeout=120)


def assert_inert(result: subprocess.CompletedProcess[bytes], terminal: bool) -> None:
    for stream in (result.stdout, result.stderr):
        for raw in RAW:
            assert raw not in stream, (raw, stream.decode(errors="replace")[-2000:])
        if not terminal:  # plain output holds no escape at all
            assert b"\x1b" not in stream


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("inert")
    assert curate("init", cwd=root).returncode == 0
    data = root / EVIL_NAME
    data.write_bytes(
        chat(QUESTION, ANSWER, category=f"ops{TITLE}")
        + chat(QUESTION.replace("two gigabytes", "three gigabytes"), ANSWER, category=f"ops{BIDI}")
        + b'{"messages": "not a list", "note": "' + CLEAR.encode().replace(b"\x1b", b"\\u001b")
        + b'"}\n'
    )
    result = curate("import", EVIL_NAME, cwd=root)
    assert result.returncode in (0, 1), result.stderr.decode(errors="replace")
    return root


@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "terminal"])
@pytest.mark.parametrize(
    "args",
    [
        ("status",),
        ("dedupe", "--show"),
        ("validate",),
        ("inspect", EVIL_NAME),
        ("validate", EVIL_NAME),
        ("convert", EVIL_NAME, "-o", "out.json", "--to", "alpaca"),
        ("split", "--stratify", "category"),
        ("export", "--format", "openai-jsonl", "--out", "exported"),
    ],
    ids=[
        "status", "dedupe-show", "validate", "inspect", "validate-file", "convert", "split",
        "export",
    ],
)
def test_commands_show_control_characters_visibly(
    ws: Path, args: tuple[str, ...], terminal: bool
) -> None:
    result = curate(*args, cwd=ws, terminal=terminal)
    assert result.returncode in (0, 1), result.stderr.decode(errors="replace")
    assert_inert(result, terminal)


def test_dedupe_show_names_the_question_visibly(ws: Path) -> None:
    out = curate("dedupe", "--show", cwd=ws).stdout.decode()
    assert "\\x1b]2;PWNED\\x1b" in out and "\\x9b" in out and "\\u202e" in out


@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "terminal"])
def test_import_table_and_tags(tmp_path: Path, terminal: bool) -> None:
    assert curate("init", cwd=tmp_path).returncode == 0
    (tmp_path / EVIL_NAME).write_bytes(chat(QUESTION, ANSWER, category=f"ops{TITLE}"))
    result = curate("import", EVIL_NAME, "--tag", f"batch=b{CSI}1", cwd=tmp_path, terminal=terminal)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert_inert(result, terminal)
    assert inert(EVIL_NAME).encode() in result.stdout.replace(b"\n", b"")
    status = curate("status", cwd=tmp_path, terminal=terminal)
    assert_inert(status, terminal)


@pytest.mark.parametrize(
    "args",
    [
        ("import", f"missing{TITLE}.jsonl"),
        ("inspect", f"missing{CLEAR}.jsonl"),
        ("convert", f"missing{CSI}.jsonl", "-o", "out.json", "--to", "alpaca"),
        ("convert", EVIL_NAME, "-o", f"out{BIDI}.unknown", "--to", "alpaca"),
        ("validate", f"missing{TITLE}.jsonl"),
    ],
    ids=["import", "inspect", "convert-input", "convert-output", "validate"],
)
def test_errors_naming_files_are_inert(ws: Path, args: tuple[str, ...]) -> None:
    result = curate(*args, cwd=ws)
    assert result.returncode == 2
    assert_inert(result, terminal=False)
    assert b"\\x" in result.stderr or b"\\u" in result.stderr  # the name is shown, escaped


def strings(value: object) -> str:
    """Every string (keys and values) of a parsed JSON document, joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return " ".join(strings(k) + " " + strings(v) for k, v in value.items())
    if isinstance(value, list):
        return " ".join(strings(v) for v in value)
    return ""


def test_json_keeps_the_exact_text(ws: Path) -> None:
    status = strings(json.loads(curate("status", "--json", cwd=ws).stdout))
    assert f"ops{TITLE}" in status and f"ops{BIDI}" in status  # the tags, exactly
    validate = strings(json.loads(curate("validate", "--json", cwd=ws).stdout))
    assert TITLE in validate or CLEAR in validate
    inspect = strings(json.loads(curate("inspect", EVIL_NAME, "--json", cwd=ws).stdout))
    assert EVIL_NAME in inspect


def test_import_json_keeps_the_file_name(tmp_path: Path) -> None:
    assert curate("init", cwd=tmp_path).returncode == 0
    (tmp_path / EVIL_NAME).write_bytes(chat(QUESTION, ANSWER, category=f"ops{TITLE}"))
    result = curate("import", EVIL_NAME, "--json", cwd=tmp_path)
    assert result.returncode == 0
    assert json.loads(result.stdout)["files"][0]["path"] == EVIL_NAME
