"""`curate review` through the real entry point: the decision log export and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from review_helpers import REVIEWER, ids
from typer.testing import CliRunner

from curate.cli.main import app
from curate.store import Store


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def decided(ws_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(ws_path)
    with Store(ws_path / ".curate" / "curate.db") as store:
        store.record_decision(ids("syn_fail", "real_fail"), "approve", REVIEWER)
        store.record_decision(ids("syn_ok"), "reject", "bob", "too vague")
        store.undo_last(REVIEWER)
    return ws_path


def test_json_decisions_prints_every_event_as_a_json_line(decided: Path) -> None:
    code, out, _ = run("review", "--json-decisions")
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    assert [(e["action"], e["reviewer"]) for e in events] == [
        ("approve", REVIEWER),
        ("approve", REVIEWER),
        ("reject", "bob"),
        ("undo", REVIEWER),
        ("undo", REVIEWER),
    ]
    assert events[2]["reason"] == "too vague" and events[2]["state_before"] == "pending"
    assert {events[3]["undoes"], events[4]["undoes"]} == {events[0]["seq"], events[1]["seq"]}
    assert all(e["at"] and e["record_id"] for e in events)


def test_json_decisions_into_a_file(decided: Path) -> None:
    code, out, _ = run("review", "--json-decisions", "audit.jsonl")
    assert code == 0 and "Wrote 5 review events to audit.jsonl." in out
    lines = (decided / "audit.jsonl").read_text().splitlines()
    assert len(lines) == 5 and json.loads(lines[0])["action"] == "approve"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["review"], "curate review needs a terminal."),
        (["review", "--origin", "robot"], "Unknown origin 'robot'."),
        (["review", "--tag", "category"], "is not KEY=VALUE"),
        (["review", "notes.txt"], "A file name goes only with --json-decisions."),
        (["review", "--cluster", "0b5f3c9e2a7d41e8c6f1"], "No duplicate cluster '0b5f3c9e2a7d41e8c6f1'"),
    ],
)
def test_usage_errors_are_one_sentence_and_exit_2(
    decided: Path, args: list[str], message: str
) -> None:
    code, _, err = run(*args)
    assert code == 2 and message in err and "Traceback" not in err


def test_help_shows_the_rebinding_section() -> None:
    code, out, _ = run("review", "--help")
    assert code == 0 and "[review.keys]" in out


def test_outside_a_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run("review", "--json-decisions")
    assert code == 2 and "No workspace here" in err
