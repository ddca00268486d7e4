"""`curate init`, `import`, `status`, `approve`, `reject` and `undo` through the real entry points."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curate.cli.main import app

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from importer_helpers import write_chat_file  # noqa: E402

CURATE = shutil.which("curate", path=str(Path(sys.executable).parent)) or "curate"


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("USER", "tester")
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: str) -> dict:
    code, out, err = run(*args, "--json")
    assert code in (0, 1), err
    return json.loads(out)


def test_init_twice_is_refused_with_exit_2(ws: Path) -> None:
    assert (ws / "curate.toml").is_file() and (ws / ".curate" / "curate.db").is_file()
    code, _, err = run("init")
    assert code == 2 and "already a workspace" in err and "Traceback" not in err
    code, out, _ = run("init", "other", "--json")
    assert code == 0 and json.loads(out)["schema_version"] >= 1


def test_commands_outside_a_workspace_say_run_init(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for args in (["status"], ["import", "x.jsonl"], ["approve", "--all"], ["undo"]):
        code, _, err = run(*args)
        assert code == 2 and "No workspace here. Run `curate init` first." in err


def test_import_status_and_reimport(ws: Path) -> None:
    good, bad = write_chat_file(ws / "chat.jsonl", 30, bad_every=10)
    code, out, _ = run("import", "chat.jsonl", "--tag", "batch=b1", "--json")
    summary = json.loads(out)
    assert code == 1  # rows were rejected
    assert (summary["read"], summary["added"], summary["rejected"]) == (30, len(good), len(bad))
    assert summary["files"][0]["path"] == "chat.jsonl"
    assert summary["reasons"] == {"example_missing_assistant_message": 2, "invalid_json": 1}

    code, out, _ = run("import", "chat.jsonl")
    assert code == 1
    assert (
        f"read 30 = added 0 + duplicate rows in the files 0 + already in the workspace {len(good)}"
        f" + rejected {len(bad)}"
    ) in " ".join(out.split())
    assert "Nothing new" in out

    status = run_json("status")
    assert status["records"] == len(good)
    assert status["by_origin"] == {"real": len(good), "synthetic": 0}
    assert status["by_review_state"]["pending"] == len(good)
    assert status["rejects"]["total"] == len(bad)
    assert status["synthetic_share"] == 0.0 and status["max_synthetic_share"] == 0.3
    assert status["tags"]["batch"] == {"b1": len(good)}
    for key in ("by_kind", "checks", "duplicates"):
        assert key in status
    code, out, _ = run("status")
    assert code == 0 and f"{len(good)} records" in out and "invalid_json" in out


def test_import_usage_errors_are_one_sentence(ws: Path) -> None:
    write_chat_file(ws / "chat.jsonl", 3)
    for args, message in (
        (["import", "missing.jsonl"], "does not exist"),
        (["import", "chat.jsonl", "--origin", "fake"], "Unknown origin"),
        (["import", "chat.jsonl", "--tag", "oops"], "is not KEY=VALUE"),
        (["import", "chat.jsonl", "--from", "nope"], "Unknown format"),
    ):
        code, _, err = run(*args)
        assert code == 2 and message in err and "Traceback" not in err


def test_synthetic_share_against_the_limit(ws: Path) -> None:
    write_chat_file(ws / "real.jsonl", 4)
    (ws / "gen").mkdir()
    write_chat_file(ws / "gen" / "synth.jsonl", 10)  # rows 5-10 are new
    run("import", "real.jsonl")
    run("import", "gen/synth.jsonl", "--origin", "synthetic")
    status = run_json("status")
    assert status["by_origin"] == {"real": 4, "synthetic": 6}
    assert status["synthetic_share"] == 0.6 and status["synthetic_over_limit"] is True
    _, _, err = run("status")
    assert "over the 30% limit" in err
    decided = run_json("reject", "--where", "origin=synthetic", "--where", "source=gen/synth.jsonl")
    assert decided["changed"] == 6  # source= matches every row read from the file
    assert run_json("status")["synthetic_share"] == 0.0


def test_scripted_review_records_who_and_why(ws: Path) -> None:
    write_chat_file(ws / "chat.jsonl", 12)
    run("import", "chat.jsonl")
    ids = run_json("status")["records"]
    assert ids == 12

    out = run_json("approve", "--where", "tag:category=spark")
    assert (out["changed"], out["reviewer"]) == (3, "tester")
    out = run_json(
        "reject", "--where", "tag:category=sql", "--reason", "off topic", "--reviewer", "ann"
    )
    assert out["changed"] == 3 and out["reason"] == "off topic"
    first_sql = out["ids"][0]
    code, text, _ = run("approve", "--all")
    assert code == 0 and "Approved 9 records (3 already approved) as tester." in text
    assert run_json("status")["by_review_state"] == {
        "pending": 0,
        "approved": 12,
        "rejected": 0,
        "edited": 0,
    }

    code, text, _ = run("undo")
    assert code == 0 and "Undid approve of 9 records as tester." in text
    after_undo = run_json("status")["by_review_state"]
    assert (after_undo["pending"], after_undo["rejected"]) == (6, 3)
    undo = run_json("undo", "--reviewer", "ann")
    assert undo["action"] == "reject" and first_sql in undo["restored"]
    assert run_json("status")["by_review_state"]["pending"] == 9
    assert run_json("undo", "--reviewer", "nobody")["undone"] is False

    out = run_json("approve", first_sql)
    assert out["ids"] == [first_sql]


def test_review_usage_errors(ws: Path) -> None:
    write_chat_file(ws / "chat.jsonl", 3)
    run("import", "chat.jsonl")
    for args, message in (
        (["approve"], "Say which records"),
        (["approve", "--all", "--where", "origin=real"], "exactly one of them"),
        (["reject", "deadbeef"], "No record with id 'deadbeef'"),
        (["approve", "--where", "colour=red"], "Unknown filter field 'colour'"),
        (["approve", "--where", "state=finished"], "Unknown review state"),
    ):
        code, _, err = run(*args)
        assert code == 2 and message in err and "Traceback" not in err
    assert run_json("status")["by_review_state"]["pending"] == 3
    code, out, _ = run("approve", "--where", "check=too_long")
    assert code == 0 and "No records matched" in out


def _stored(db: Path) -> int:
    conn = sqlite3.connect(db, timeout=10)
    try:
        return conn.execute(
            "SELECT (SELECT count(*) FROM occurrences) + (SELECT count(*) FROM rejects)"
        ).fetchone()[0]
    finally:
        conn.close()


def test_a_killed_curate_import_reruns_to_completion_while_approving(ws: Path) -> None:
    rows = 3000
    good, bad = write_chat_file(ws / "big.jsonl", rows, bad_every=31)
    db = ws / ".curate" / "curate.db"
    proc = subprocess.Popen([CURATE, "import", "big.jsonl"], cwd=ws, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline and _stored(db) < rows // 4:
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < _stored(db) < rows

    importer = subprocess.Popen(
        [CURATE, "import", "big.jsonl", "--json"],
        cwd=ws,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    approvals = []
    while importer.poll() is None:  # one writer at a time: approvals queue behind the import
        approvals.append(
            subprocess.run(
                [CURATE, "approve", "--where", "state=pending", "--json", "--wait", "120"],
                cwd=ws,
                capture_output=True,
                text=True,
                timeout=150,
            )
        )
    out, err = importer.communicate(timeout=60)
    assert importer.returncode == 1, err  # 1: some rows were rejected
    assert all(a.returncode == 0 for a in approvals), [a.stderr for a in approvals]
    assert not any("locked" in a.stderr for a in approvals) and "locked" not in err
    summary = json.loads(out)
    assert summary["read"] == rows and summary["added"] + summary["existing"] == len(good)
    status = run_json("status")
    assert status["records"] == len(good) and status["rejects"]["total"] == len(bad)
    assert status["imports"]["unfinished"] == 0
