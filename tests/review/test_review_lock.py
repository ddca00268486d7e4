"""The review screen and the workspace lock: a decision is never held up by a command holding
the lock (the screen commits each decision on its own), and waits for a write under way in
another process (SQLite's BEGIN IMMEDIATE) instead of failing."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from review_helpers import NAMES, RECORDS, settle

from curate.review.tui.app import create_app
from curate.store import Store

pytestmark = pytest.mark.anyio

HOLD_LOCK = (
    "import sys; from curate.workspace import open_workspace; "
    "lock = open_workspace(sys.argv[1]).lock('curate approve --all').acquire(); "
    "print('held', flush=True); sys.stdin.readline()"
)
HOLD_WRITE = (
    "import sqlite3, sys, time; "
    "db = sqlite3.connect(sys.argv[1], isolation_level=None); db.execute('BEGIN IMMEDIATE'); "
    "print('held', flush=True); time.sleep(float(sys.argv[2])); db.execute('COMMIT')"
)


@contextlib.contextmanager
def helper(code: str, *args: str) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        with contextlib.suppress(OSError):
            proc.communicate("\n", timeout=30)


def state(ws_path: Path, name: str) -> str:
    with Store(ws_path / ".curate" / "curate.db") as store:
        return store.review_state(RECORDS[name].id)


async def test_a_decision_goes_through_while_a_command_holds_the_workspace_lock(
    ws_path: Path,
) -> None:
    app = create_app(ws_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = NAMES[app.last_shown or ""]
        with helper(HOLD_LOCK, str(ws_path)):
            await pilot.press("a")
            await settle(pilot)
            assert state(ws_path, first) == "approved"  # committed while the lock is held


async def test_a_decision_waits_for_another_process_write_then_is_recorded(
    ws_path: Path,
) -> None:
    app = create_app(ws_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = NAMES[app.last_shown or ""]
        with helper(HOLD_WRITE, str(ws_path / ".curate" / "curate.db"), "1.5"):
            start = time.monotonic()
            await pilot.press("a")
            await settle(pilot)
            waited = time.monotonic() - start
        assert state(ws_path, first) == "approved"
        assert waited >= 1.0  # it waited for the other write to commit, then recorded
        assert not app._notifications  # nothing went wrong, so nothing to tell
