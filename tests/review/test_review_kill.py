"""Kill the review app mid-session (SIGKILL, in a real pseudo-terminal): no decision it showed
as made is lost, and reopening resumes where the reviewer stopped."""

from __future__ import annotations

import asyncio
from pathlib import Path

from review_helpers import NAMES, REVIEWER, ids, settle
from terminal import PtyApp, events, wait_until

from curate.review.queue import ReviewQueue
from curate.review.tui.app import create_app
from curate.store import Store


def test_sigkill_mid_session_keeps_every_committed_decision(ws_path: Path) -> None:
    db = ws_path / ".curate" / "curate.db"
    app = PtyApp(ws_path)
    try:
        app.wait_for_text(ids("syn_fail")[0])

        def decide(keys: str, count: int, then: str) -> None:
            app.send(keys)
            wait_until(lambda: len(events(db)) == count, what=f"decision {count} in the database")
            app.wait_for_text(then)  # the next record is on screen only after the commit

        decide("a", 1, ids("real_fail")[0])
        app.send("r")
        app.wait_for_text("Why?")
        decide("1", 2, ids("syn_ok")[0])
        decide("s", 3, ids("real_ok")[0])
        decide("a", 4, ids("pref")[0])
        app.send("a")  # and the terminal dies at once, maybe before this one is saved
    finally:
        app.kill()

    with Store(db) as store:
        assert store.db.read_one("PRAGMA integrity_check")[0] == "ok"
    log = events(db)
    assert log[:4] == [
        (ids("syn_fail")[0], "approve", "pending", "approved", None, REVIEWER),
        (
            ids("real_fail")[0],
            "reject",
            "pending",
            "rejected",
            "inaccurate or wrong answer",
            REVIEWER,
        ),
        (ids("syn_ok")[0], "skip", "pending", "pending", None, REVIEWER),
        (ids("real_ok")[0], "approve", "pending", "approved", None, REVIEWER),
    ]
    assert len(log) in (4, 5)  # at most the decision in flight is lost
    if len(log) == 5:
        assert log[4] == (ids("pref")[0], "approve", "pending", "approved", None, REVIEWER)
    with Store(db) as store:  # the current state is the replay of the log
        for record_id, action, _, after, _, _ in log:
            if action != "skip":
                assert store.review_state(record_id) == after
        queue = [NAMES[i] for i in ReviewQueue(store).ids()]
    resume = "pref" if len(log) == 4 else "dup"
    assert queue[0] == resume and queue[-1] == "syn_ok"  # skipped records come last

    async def reopen() -> str | None:
        reopened = create_app(ws_path)
        async with reopened.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            return reopened.last_shown

    assert asyncio.run(reopen()) == ids(resume)[0]
