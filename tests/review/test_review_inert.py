"""Escape sequences in a record, its tags, its file name and a search never reach the terminal.

The review app shows them in their visible form (``\\x1b``, ``\\x9b``, ``\\u202e``): checked on
the rendered screen through Textual's pilot, and in a real tmux pane, whose title must not
change and whose screen must not be cleared.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from review_helpers import REVIEWER, screen_text, settle
from terminal import REVIEW, TMUX, Tmux, wait_until

from curate.inert import inert
from curate.records import Message, Provenance, Record
from curate.review.tui.app import create_app
from curate.store import CheckResult
from curate.workspace import init_workspace

TITLE = "\x1b]2;PWNED\x1b\\"
CLEAR = "\x1b[2J"
CSI = "\x9b"
BIDI = "\u202e"
QUESTION = f"Rotate the logs{TITLE} now{CLEAR} keeping {CSI}every line {BIDI}written?"
RECORD = Record(
    messages=[
        Message(role="user", content=QUESTION),
        Message(role="assistant", content=f"Use copytruncate{CLEAR}.", name=f"ops{BIDI}bot"),
    ],
    tags={"category": f"ops{TITLE}", "difficulty": f"easy{CSI}"},
    provenance=Provenance(
        origin="real",
        source_file=f"data/evil{CLEAR}.jsonl",
        source_line=3,
        source_format="openai-jsonl",
        importer="curate",
    ),
)
RAW = ("\x1b", CSI, BIDI)


@pytest.fixture
def evil_ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    with init_workspace(root) as ws:
        ws.store.add_records([RECORD])
        run_id = ws.store.start_run("checks", {"rubric": "default"})
        ws.store.put_check_results(
            run_id, [CheckResult(RECORD.id, "pii_email", False, None, f"found{TITLE} here")]
        )
        ws.store.finish_run(run_id, {"scores": {}, "overall": 0.0})
    toml = root / "curate.toml"
    toml.write_text(toml.read_text().replace('# reviewer = "alice"', f'reviewer = "{REVIEWER}"'))
    return root


@pytest.mark.anyio
async def test_review_screen_shows_control_characters_visibly(evil_ws: Path) -> None:
    app = create_app(evil_ws, search="Rotate")
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await settle(pilot)
        app.notify(f"saved {TITLE}{CLEAR}")
        await settle(pilot)
        text = screen_text(app)
        for raw in RAW:
            assert raw not in text
        for shown in (
            inert("ops\x1b]2;PWNED"),  # the tag, in the record bar and provenance
            "\\x1b[2J",  # the file name and the answer
            "\\x9b",
            "\\u202e",
            "found\\x1b]2;PWNED",  # the check's detail
        ):
            assert shown in text, shown
        assert "saved \\x1b]2;PWNED" in text  # the notification
        bar = app.screen.query_one("#record-bar")
        rendered = str(bar.render())
        assert "\\x1b]2;PWNED" in rendered and "\x1b" not in rendered


@pytest.mark.anyio
async def test_dashboard_tags_are_inert(evil_ws: Path) -> None:
    app = create_app(evil_ws)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        wait_until(lambda: "Dashboard ·" in screen_text(app), what="the dashboard")
        text = screen_text(app)
        assert "ops\\x1b]2;PWNED" in text and "\x1b" not in text


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
def test_tmux_pane_keeps_its_title_and_screen(evil_ws: Path, tmp_path: Path) -> None:
    tmux = Tmux(tmp_path / "tmux.sock", evil_ws, REVIEW, cols=160, rows=45)
    try:
        screen = tmux.wait_for("reviewed 0/1")
        screen = tmux.wait_for("found\\x1b]2;PWNED")
        assert "\\x1b]2;PWNED" in screen and "\\x1b[2J" in screen and "\\u202e" in screen
        # a cleared screen would have lost the header, the record and the footer
        assert "curate review" in screen and "Rotate the logs" in screen and "Approve" in screen
        title = tmux.run("display-message", "-p", "-t", "review", "#{pane_title}")
        assert "PWNED" not in title
        tmux.keys("q")
        wait_until(lambda: not tmux.alive(), what="the app to quit")
    finally:
        tmux.close()


@pytest.mark.anyio
async def test_the_editor_does_not_open_a_record_holding_control_characters(evil_ws: Path) -> None:
    from curate.review.tui.screens.edit import EditScreen

    app = create_app(evil_ws)
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert not isinstance(app.screen, EditScreen)
        text = screen_text(app)
        assert "not opened for editing" in text and "\x1b" not in text
