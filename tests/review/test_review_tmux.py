"""One end-to-end review in a real terminal: `curate review` in a tmux pane, keys sent, screen read."""

from __future__ import annotations

from pathlib import Path

import pytest
from review_helpers import REVIEWER, ids
from terminal import REVIEW, TMUX, Tmux, events, wait_until

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")


def test_review_session_in_tmux(ws_path: Path, tmp_path: Path) -> None:
    db = ws_path / ".curate" / "curate.db"
    tmux = Tmux(tmp_path / "tmux.sock", ws_path, REVIEW, cols=120, rows=40)
    try:
        tmux.wait_for(ids("syn_fail")[0])
        screen = tmux.wait_for("reviewed 0/7")
        assert "too_long" in screen and "a Approve" in screen

        tmux.keys("a")
        tmux.wait_for(ids("real_fail")[0])
        screen = tmux.wait_for("approved 1")
        assert "pii_email" in screen

        tmux.keys("r")
        tmux.wait_for("Why?")
        tmux.keys("not our data", "Enter")  # typing goes to the reason box
        tmux.wait_for(ids("syn_ok")[0])
        tmux.wait_for("rejected 1")

        tmux.keys("u")  # undo the reject: real_fail is back
        tmux.wait_for(ids("real_fail")[0] + "  sft  pending")

        tmux.keys("/")
        tmux.wait_for("Search the text")
        tmux.keys("idempotent", "Enter")
        screen = tmux.wait_for("Explain idempotent writes")
        assert "chosen" in screen and 'search="idempotent"' in screen

        tmux.keys("d")
        screen = tmux.wait_for("Turn text length")
        assert "Dashboard" in screen and "Review state" in screen and "too_long" in screen
        tmux.keys("Escape")
        tmux.wait_for("a Approve")

        tmux.keys("?")
        tmux.wait_for("Review keys")
        tmux.keys("Escape")  # (a key sent right after Escape would read as Alt+key)
        wait_until(lambda: "Review keys" not in tmux.screen(), what="the help to close")
        tmux.keys("q")
        wait_until(lambda: not tmux.alive(), what="the app to quit")
    finally:
        tmux.close()

    log = [(record_id, action, reason) for record_id, action, _, _, reason, _ in events(db)]
    assert log == [
        (ids("syn_fail")[0], "approve", None),
        (ids("real_fail")[0], "reject", "not our data"),
        (ids("real_fail")[0], "undo", None),
    ]
    assert all(e[5] == REVIEWER for e in events(db))
