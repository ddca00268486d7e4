"""`curate undo` through the real entry point: it says what it reverts, reverts exactly the
last command's decisions, and lists them with --json."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curate.cli.main import app
from curate.cli.review_cmds import command_line

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from importer_helpers import write_chat_file  # noqa: E402


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, " ".join((result.stdout + result.stderr).split())


def run_json(*args: str) -> dict:
    code, out = run(*args, "--json")
    assert code == 0, out
    return json.loads(out)


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("USER", "tester")
    assert CliRunner().invoke(app, ["init"]).exit_code == 0
    write_chat_file(tmp_path / "chat.jsonl", 12)
    assert CliRunner().invoke(app, ["import", "chat.jsonl"]).exit_code == 0
    return tmp_path


def pending() -> int:
    return run_json("status")["by_review_state"]["pending"]


def test_undo_reverts_exactly_the_last_command_and_says_which(ws: Path) -> None:
    first = run_json("approve", "--where", "tag:category=spark")
    second = run_json("reject", "--all", "--reason", "bulk")
    assert first["session"] != second["session"]
    assert (first["changed"], second["changed"]) == (3, 12)  # the 3 approved too

    dry = run_json("undo", "--dry-run")
    assert dry["undone"] is False and dry["dry_run"] is True
    assert dry["target"]["command"] == "curate reject --all"
    assert dry["target"]["session"] == second["session"] and dry["target"]["records"] == 12
    assert sorted(dry["would_revert"]) == sorted(second["ids"])
    assert pending() == 0  # a dry run changes nothing

    code, text = run("undo")
    assert code == 0
    assert "Undoing reject of 12 records by curate reject --all (tester," in text
    assert f"session {second['session']})." in text
    assert "Undid reject of 12 records as tester." in text
    assert pending() == 9 and run_json("status")["by_review_state"]["approved"] == 3

    undo = run_json("undo")
    assert undo["target"]["command"] == "curate approve --where tag:category=spark"
    assert sorted(undo["restored"]) == sorted(first["ids"]) and undo["kept"] == []
    assert undo["latest_elsewhere"] is None
    assert pending() == 12

    code, text = run("undo")
    assert code == 0 and "Nothing to undo for tester." in text
    code, text = run("undo", "--session", "tui-00000000")
    assert code == 0 and "Nothing to undo for session tui-00000000." in text


def test_undo_names_a_later_decision_made_by_someone_else(ws: Path) -> None:
    mine = run_json("approve", "--where", "tag:category=spark")
    theirs = run_json("reject", "--where", "tag:category=sql", "--reviewer", "ann")
    code, text = run("undo", "--dry-run")
    assert "Would undo approve of 3 records by curate approve --where tag:category=spark" in text
    assert "The latest decision in this workspace, reject of 3 records by curate reject" in text
    assert f"`curate undo --session {theirs['session']}` reverts it." in text
    data = run_json("undo")
    assert sorted(data["restored"]) == sorted(mine["ids"])
    assert data["latest_elsewhere"]["reviewer"] == "ann"
    assert run_json("status")["by_review_state"]["rejected"] == 3


def test_command_line_names_the_command_and_its_arguments() -> None:
    assert command_line("approve", ["x"], False, []) == "curate approve x"
