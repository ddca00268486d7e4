"""Every key of the review screen, driven by Textual's pilot, with the store checked after each."""

from __future__ import annotations

from pathlib import Path

import pytest
from review_helpers import (
    NAMES,
    RECORDS,
    REVIEWER,
    ids,
    make_workspace,
    screen_text,
    settle,
    wait_for,
)

from curate.review.tui.app import create_app
from curate.store import Store

pytestmark = pytest.mark.anyio


def store_of(ws_path: Path) -> Store:
    return Store(ws_path / ".curate" / "curate.db")


def current(app) -> str | None:  # noqa: ANN001
    return NAMES.get(app.last_shown or "")


async def test_first_record_is_failing_and_synthetic(ws_path: Path) -> None:
    app = create_app(ws_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert current(app) == "syn_fail"
        text = screen_text(app)
        assert RECORDS["syn_fail"].id in text and "too_long" in text
        assert "reviewed 0/7" in text and "synthetic 28.6% / limit 30%" in text


async def test_approve_is_committed_before_the_next_record_shows(ws_path: Path) -> None:
    app = create_app(ws_path)
    seen: list[tuple[str | None, str]] = []
    with store_of(ws_path) as other:
        # what another connection reads at the moment each record appears on screen
        app.shown_hooks.append(
            lambda rid, _: seen.append((rid, other.review_state(RECORDS["syn_fail"].id)))
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("a")
            await settle(pilot)
            assert current(app) == "real_fail"
            assert "reviewed 1/7" in screen_text(app) and "approved 1" in screen_text(app)
        assert seen[-1] == (RECORDS["real_fail"].id, "approved")
        [event] = other.history(RECORDS["syn_fail"].id)
        assert (event.action, event.state_before, event.state_after, event.reviewer) == (
            "approve",
            "pending",
            "approved",
            REVIEWER,
        )


async def test_reject_with_a_picked_reason_a_typed_one_or_none(ws_path: Path) -> None:
    app = create_app(ws_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        assert "Why?" in screen_text(app)
        await pilot.press("2")  # second reason of the list
        await settle(pilot)
        await pilot.press("r", "escape")  # cancelled: nothing recorded, the record stays
        await settle(pilot)
        assert current(app) == "real_fail"
        await pilot.press("r", "tab", *"stale answer", "enter")
        await settle(pilot)
        await pilot.press("r", "enter")  # the highlighted first option: no reason
        await settle(pilot)
        assert current(app) == "real_ok"
    with store_of(ws_path) as store:
        reasons = {NAMES[e.record_id]: e.reason for e in store.history()}
        assert reasons == {
            "syn_fail": "low-quality or unhelpful answer",
            "real_fail": "stale answer",
            "syn_ok": None,
        }
        assert store.count_by("state")["rejected"] == 3


async def test_skip_logs_an_event_and_moves_the_record_after_the_rest(ws_path: Path) -> None:
    app = create_app(ws_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert current(app) == "real_fail"
        for _ in range(6):
            await pilot.press("a")
            await settle(pilot)
        assert current(app) == "syn_fail"  # the skipped record comes back last
        assert "skipped before" in screen_text(app)
    with store_of(ws_path) as store:
        assert store.review_state(RECORDS["syn_fail"].id) == "pending"
        assert [e.action for e in store.history(RECORDS["syn_fail"].id)] == ["skip"]


async def test_undo_restores_the_state_with_a_new_event_and_shows_the_record(ws_path: Path) -> None:
    app = create_app(ws_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert current(app) == "syn_fail"
        assert "reviewed 0/7" in screen_text(app)
        await pilot.press("u")  # nothing left to undo
        await settle(pilot)
    with store_of(ws_path) as store:
        events = store.history(RECORDS["syn_fail"].id)
        assert [(e.action, e.state_after) for e in events] == [
            ("approve", "approved"),
            ("undo", "pending"),
        ]
        assert events[1].undoes == events[0].seq
        assert store.review_state(RECORDS["syn_fail"].id) == "pending"


async def test_next_and_previous_browse_without_deciding(ws_path: Path) -> None:
    app = create_app(ws_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n", "n")
        await settle(pilot)
        assert current(app) == "syn_ok"
        await pilot.press("p")
        await settle(pilot)
        assert current(app) == "real_fail"
        await pilot.press("p", "p")  # already at the first record of the session
        await settle(pilot)
        assert current(app) == "syn_fail"
        await pilot.press("a")  # after a decision: on to the next record still pending
        await settle(pilot)
        assert current(app) == "real_fail"
    with store_of(ws_path) as store:
        assert [NAMES[e.record_id] for e in store.history()] == ["syn_fail"]


async def test_edit_saves_a_new_version_and_keeps_the_original(ws_path: Path) -> None:
    from textual.widgets import TextArea

    original = RECORDS["syn_fail"]
    app = create_app(ws_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen.query_one(TextArea)
        assert editor.text.startswith("### system\n")
        editor.text = "no role line here"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "starts before its first '### role' line" in screen_text(app)
        editor.text = editor.text.replace(
            "no role line here", "### user\nWhy?\n\n### assistant\nBecause."
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        shown = app.last_shown
        assert shown not in (None, original.id)
    with store_of(ws_path) as store:
        version = store.get(shown)
        assert version.parent_id == original.id
        assert [(m.role, m.content) for m in version.messages] == [
            ("user", "Why?"),
            ("assistant", "Because."),
        ]
        assert version.tags == original.tags and version.provenance == original.provenance
        assert store.get(original.id) == original  # the original is stored unchanged
        assert store.review_state(original.id) == "edited"
        assert store.review_state(shown) == "pending"
        [event] = store.history(original.id)
        assert (event.action, event.version_id, event.reviewer) == ("edit", shown, REVIEWER)


async def test_edit_cancelled_or_unchanged_records_nothing(ws_path: Path) -> None:
    app = create_app(ws_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e", "x", "escape")
        await pilot.press("e", "ctrl+s")
        await settle(pilot)
        assert current(app) == "syn_fail"
    with store_of(ws_path) as store:
        assert store.history() == [] and store.count() == len(RECORDS)


async def test_swap_exchanges_chosen_and_rejected_in_a_new_version(ws_path: Path) -> None:
    pair = RECORDS["pref"]
    app = create_app(ws_path, search="idempotent")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert current(app) == "pref"
        [titles] = [ln for ln in screen_text(app).splitlines() if " chosen " in ln]
        assert titles.index("chosen") < titles.index("rejected")  # side by side
        [answers] = [ln for ln in screen_text(app).splitlines() if "Writes are fast." in ln]
        assert answers.index("A write is idempotent") < answers.index("Writes are fast.")
        await pilot.press("w")
        await settle(pilot)
        swapped_id = app.last_shown
        [answers] = [ln for ln in screen_text(app).splitlines() if "Writes are fast." in ln]
        assert answers.index("Writes are fast.") < answers.index("A write is idempotent")
        await pilot.press("u")  # the swap is undone like any edit
        await settle(pilot)
        assert current(app) == "pref"
    with store_of(ws_path) as store:
        swapped = store.get(swapped_id)
        assert (swapped.chosen, swapped.rejected) == (pair.rejected, pair.chosen)
        assert swapped.parent_id == pair.id
        assert store.review_state(pair.id) == "pending"
        assert store.review_state(swapped_id) == "rejected"


async def test_swap_on_a_chat_changes_nothing(ws_path: Path) -> None:
    app = create_app(ws_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert current(app) == "syn_fail"
    with store_of(ws_path) as store:
        assert store.history() == [] and store.count() == len(RECORDS)


async def test_keys_are_rebound_from_curate_toml(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", keys={"approve": "y", "skip": "a"})
    app = create_app(root)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "y Approve" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        await pilot.press("a")  # now skip
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert "y    Approve" in screen_text(app)
    with store_of(root) as store:
        assert [(NAMES[e.record_id], e.action) for e in store.history()] == [
            ("syn_fail", "approve"),
            ("real_fail", "skip"),
        ]


async def test_quit_leaves_with_everything_saved(ws_path: Path) -> None:
    app = create_app(ws_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a", "q")
        await wait_for(pilot, lambda: not app.is_running)
    with store_of(ws_path) as store:
        assert store.review_state(ids("syn_fail")[0]) == "approved"


async def test_the_end_of_the_queue_says_so(ws_path: Path) -> None:
    app = create_app(ws_path, origin="synthetic")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert app.last_shown is None
        text = screen_text(app)
        assert "Nothing left to review" in text and "reviewed 2/2" in text
        await pilot.press("a")  # no record on screen: nothing happens
        await settle(pilot)
    with store_of(ws_path) as store:
        assert store.count_by("state")["approved"] == 2
