"""Undo belongs to its session: the review screen's u never reverts a concurrent
``curate approve --all``, and ``curate undo`` reverts exactly the last command."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from review_helpers import NAMES, ORDER, RECORDS, REVIEWER, settle

from curate.review.tui.app import create_app
from curate.store import Store

pytestmark = pytest.mark.anyio
CURATE = shutil.which("curate", path=str(Path(sys.executable).parent)) or "curate"


def curate(ws_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in its own process, as another shell would run it."""
    proc = subprocess.run([CURATE, *args], cwd=ws_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc


def states(ws_path: Path) -> dict[str, str]:
    with Store(ws_path / ".curate" / "curate.db") as store:
        return {name: store.review_state(RECORDS[name].id) for name in ORDER}


async def test_u_after_another_shells_approve_all_reverts_only_this_sessions_decision(
    ws_path: Path,
) -> None:
    app = create_app(ws_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = NAMES[app.last_shown or ""]
        await pilot.press("a")  # this session approves one record
        await settle(pilot)
        bulk = json.loads(curate(ws_path, "approve", "--all", "--json").stdout)
        assert bulk["changed"] == len(ORDER) - 1 and bulk["session"].startswith("cli-")
        await pilot.press("u")
        await settle(pilot)
        after = states(ws_path)
        assert after[first] == "pending"  # this session's own approval is undone
        assert all(after[n] == "approved" for n in ORDER if n != first)  # the bulk stands
        await pilot.press("u")  # nothing more of this session: the bulk is not its to undo
        await settle(pilot)
        assert states(ws_path) == after
    with Store(ws_path / ".curate" / "curate.db") as store:
        events = store.history()
    tui = {e.session for e in events if e.session and e.session.startswith("tui-")}
    assert len(tui) == 1  # the decision and its undo, under the one screen session
    assert [e.action for e in events if e.session in tui] == ["approve", "undo"]
    assert {e.session for e in events if e.action == "approve"} == tui | {bulk["session"]}
    log = [
        json.loads(x) for x in curate(ws_path, "review", "--json-decisions").stdout.split("\n") if x
    ]
    assert {(e["session_kind"], e["command"]) for e in log} == {
        ("tui", "curate review"),
        ("cli", "curate approve --all"),
    }


async def test_u_with_no_decision_of_its_own_undoes_nothing(ws_path: Path) -> None:
    app = create_app(ws_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        curate(ws_path, "approve", "--all")
        await pilot.press("u")
        await settle(pilot)
        assert set(states(ws_path).values()) == {"approved"}
    text = curate(ws_path, "undo", "--dry-run").stdout
    assert "Would undo approve of 7 records by curate approve --all" in " ".join(text.split())
    assert set(states(ws_path).values()) == {"approved"}  # a dry run changes nothing


async def test_curate_undo_reverts_the_last_command_and_names_a_later_screen_decision(
    ws_path: Path,
) -> None:
    curate(ws_path, "reject", RECORDS["dup"].id)  # an earlier command: not undone
    bulk = json.loads(curate(ws_path, "approve", "--where", "origin=synthetic", "--json").stdout)
    app = create_app(ws_path, reviewer="bob")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = NAMES[app.last_shown or ""]
        await pilot.press("a")  # the latest decision in the workspace is the screen's
        await settle(pilot)
        screen = app.screen.session.tag.id  # type: ignore[attr-defined]
    data = json.loads(curate(ws_path, "undo", "--json").stdout)
    assert data["undone"] is True and data["reviewer"] == REVIEWER
    assert data["target"]["command"] == "curate approve --where origin=synthetic"
    assert data["target"]["records"] == bulk["changed"] and data["target"]["kind"] == "cli"
    assert sorted(data["restored"]) == sorted(bulk["ids"]) and data["kept"] == []
    assert data["latest_elsewhere"]["session"] == screen
    assert data["latest_elsewhere"]["kind"] == "tui" and data["latest_elsewhere"]["records"] == 1
    after = states(ws_path)
    assert after["dup"] == "rejected" and after[shown] == "approved"
    assert all(after[n] == "pending" for n in ORDER if n not in ("dup", shown))
    text = " ".join(curate(ws_path, "undo", "--session", screen).stdout.split())
    assert f"Undoing approve of 1 record by review screen session {screen}" in text
    assert states(ws_path)[shown] == "pending"
    text = " ".join(curate(ws_path, "undo").stdout.split())  # next: the earlier reject
    assert "Undoing reject of 1 record by curate reject" in text
    assert set(states(ws_path).values()) == {"pending"}
