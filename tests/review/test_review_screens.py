"""Search, filters, dashboard and help screens; other commands writing while the app is open."""

from __future__ import annotations

from pathlib import Path

import pytest
from review_helpers import NAMES, RECORDS, ids, screen_text, settle
from test_review_keys import current, store_of

from curate.review.tui.app import create_app
from curate.store import Store

pytestmark = pytest.mark.anyio


async def test_search_narrows_the_queue_and_an_empty_search_clears_it(ws_path: Path) -> None:
    app = create_app(ws_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"polars", "enter")
        await settle(pilot)
        assert current(app) == "real_ok"
        assert 'search="polars"' in screen_text(app) and "reviewed 0/2" in screen_text(app)
        await pilot.press("a")
        await settle(pilot)
        assert current(app) == "dup"
        await pilot.press("slash", "escape")  # cancelled: the search stays
        await settle(pilot)
        assert current(app) == "dup"
        await pilot.press("slash", *["backspace"] * 6, "enter")
        await settle(pilot)
        assert current(app) == "syn_fail" and "search=" not in screen_text(app)
    with store_of(ws_path) as store:
        assert [NAMES[e.record_id] for e in store.history()] == ["real_ok"]


async def test_filters_by_origin_check_tag_cluster_and_state(ws_path: Path) -> None:
    from textual.widgets import Input, Select

    app = create_app(ws_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)

        async def apply(**values: str) -> None:
            await pilot.press("f")
            await pilot.pause()
            for name, value in values.items():
                widget = app.screen.query_one(f"#{name}")
                if isinstance(widget, Select):
                    widget.value = value
                else:
                    assert isinstance(widget, Input)
                    widget.value = value
            await pilot.press("ctrl+s")
            await settle(pilot)

        await apply(origin="real", check="*")
        assert current(app) == "real_fail"
        text = screen_text(app)
        assert "origin=real" in text and "check=*" in text and "reviewed 0/1" in text
        await apply(origin="any", check="", tags="category=python")
        assert current(app) == "real_ok"
        await apply(tags="", cluster="c0001")
        assert current(app) == "real_ok"
        await pilot.press("a")
        await settle(pilot)
        assert current(app) == "dup"
        await apply(cluster="", state="approved")
        assert current(app) == "real_ok"
        await apply(state="pending", tags="category")  # not KEY=VALUE: the dialog says so
        assert "is not KEY=VALUE" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert current(app) == "real_ok"
        await pilot.press("f")
        await pilot.pause()
        await pilot.click("#clear")
        await settle(pilot)
        assert current(app) == "syn_fail"


async def test_dashboard_shows_counts_scores_and_lengths(ws_path: Path) -> None:
    app = create_app(ws_path)
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        await pilot.press("a", "d")
        await settle(pilot)
        text = screen_text(app)
        assert "7 records" in text and "2 failing a check" in text
        for expected in (
            "Review state",
            "Scores (0-100), overall 78.3",
            "Turn text length",
            "Failed checks by code",
        ):
            assert expected in text
        assert "synthetic share 28.6% (limit 30%)" in text
        assert "1 duplicate in 1 cluster" in text and "this queue: 1 of 7 reviewed" in text
        assert "preference" in text and "tag category" in text
        await pilot.press("a")  # review keys do nothing here
        await pilot.press("escape")
        await settle(pilot)
        assert current(app) == "real_fail"
    with store_of(ws_path) as store:
        assert len(store.history()) == 1


async def test_help_lists_every_key(ws_path: Path) -> None:
    app = create_app(ws_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        for label in (
            "Approve",
            "Reject",
            "Edit",
            "Skip",
            "Undo",
            "Next",
            "Prev",
            "Search",
            "Filters",
            "Swap",
            "Dashboard",
            "Help",
            "Quit",
        ):
            assert label in text
        assert "curate.toml" in text
        await pilot.press("escape")
        await pilot.pause()
        assert "Review keys" not in screen_text(app)


async def test_other_writers_and_checkpoints_proceed_while_the_app_is_open(ws_path: Path) -> None:
    """The app holds no read transaction open; records decided elsewhere are passed over."""
    app = create_app(ws_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        with Store(ws_path / ".curate" / "curate.db") as other:
            other.record_decision(ids("real_fail"), "reject", "bob", "decided elsewhere")
            busy, _, _ = other.db.read_one("PRAGMA wal_checkpoint(TRUNCATE)")
            assert busy == 0  # no reader holds an old snapshot
        await pilot.press("a")
        await settle(pilot)
        assert current(app) == "syn_ok"  # real_fail was rejected by bob meanwhile
    with store_of(ws_path) as store:
        assert store.review_state(RECORDS["real_fail"].id) == "rejected"
        assert store.review_state(RECORDS["syn_fail"].id) == "approved"
