"""Review sessions: every event names its session, and an undo reverts only its own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import make

from curate.errors import UsageError
from curate.records import Record
from curate.store import SessionTag, Store
from curate.store.db import Database
from curate.store.migrations import migrate


@pytest.fixture
def ids(store: Store, record: Callable[..., Record]) -> list[str]:
    rs = [record(i) for i in range(6)]
    store.add_records(rs)
    return [r.id for r in rs]


def test_events_name_their_session_and_library_calls_get_one_each(
    store: Store, ids: list[str]
) -> None:
    tui = SessionTag.new("tui", "alice", "curate review")
    store.record_decision(ids[:1], "approve", "alice", session=tui)
    store.record_decision(ids[1:3], "reject", "alice")
    store.record_decision(ids[3:4], "reject", "alice")
    events = store.history()
    assert events[0].session == tui.id
    api = [e.session for e in events[1:]]
    assert api[0] == api[1] and api[0] != api[2]  # one library call, one session
    assert all(s and s.startswith("api-") for s in api)
    rows = store.db.read("SELECT id, kind, command, reviewer FROM review_sessions ORDER BY id")
    assert (tui.id, "tui", "curate review", "alice") in [tuple(r) for r in rows]


def test_a_screen_session_undoes_only_its_own_decision(store: Store, ids: list[str]) -> None:
    tui = SessionTag.new("tui", "alice", "curate review")
    cli = SessionTag.new("cli", "alice", "curate approve --all")
    store.record_decision(ids[:1], "reject", "alice", session=tui)
    bulk = store.record_decision(ids, "approve", "alice", session=cli)  # later, elsewhere
    undo = store.undo_last("alice", session=tui.id, by=tui)
    assert undo is not None and undo.reverted is not None
    assert undo.reverted.session == tui.id and undo.reverted.kind == "tui"
    assert undo.kept == ids[:1] and undo.restored == []  # the later approval stands
    assert all(store.review_state(i) == "approved" for i in ids)
    assert store.undo_last("alice", session=tui.id, by=tui) is None
    latest = store.last_decision()
    assert latest is not None and latest.batch == bulk.batch and latest.count == len(ids)
    assert latest.describe() == "curate approve --all"


def test_the_command_undo_passes_over_screen_sessions(store: Store, ids: list[str]) -> None:
    cli = SessionTag.new("cli", "alice", "curate approve (2 ids)")
    tui = SessionTag.new("tui", "alice", "curate review")
    store.record_decision(ids[:2], "approve", "alice", session=cli)
    store.record_decision(ids[2:3], "reject", "alice", session=tui)
    target = store.last_decision(reviewer="alice", commands=True)
    assert target is not None and target.session == cli.id and target.count == 2
    assert store.batch_ids(target.batch) == ids[:2]
    store.record_decision(ids[4:5], "approve", "alice")  # a library call comes in between
    with pytest.raises(UsageError, match="Another decision was recorded"):
        store.undo_last("alice", expect=target.batch)
    assert store.review_state(ids[4]) == "approved"
    store.undo_last("alice")  # the library call
    undo = store.undo_last("alice", expect=target.batch)
    assert undo is not None and sorted(undo.restored) == sorted(ids[:2])
    assert store.review_state(ids[2]) == "rejected"  # the screen's decision stands
    assert store.undo_last("alice") is None


def test_decisions_logged_before_sessions_are_undone_by_the_command_undo_only(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v3.db"
    db = Database(path)
    assert migrate(db, target=3) == 3
    rec = make(1)
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO records (rid, id, kind, origin, created_at, data)"
            " VALUES (1, ?, 'sft', 'real', 't', ?)",
            (rec.id, orjson.dumps(rec.model_dump(mode="json"))),
        )
        conn.execute(
            "INSERT INTO review_events (seq, batch, rid, action, state_before, state_after,"
            " reviewer, at) VALUES (1, 1, 1, 'approve', 'pending', 'approved', 'alice', 't')"
        )
        conn.execute("INSERT INTO review_state VALUES (1, 'approved', 1)")
    db.close()
    store = Store(path)
    try:
        old = store.last_decision(reviewer="alice", commands=True)
        assert old is not None and old.session is None and old.kind is None
        assert old.describe() == "an earlier command"
        tui = SessionTag.new("tui", "alice")
        assert store.undo_last("alice", session=tui.id, by=tui) is None
        undo = store.undo_last("alice")
        assert undo is not None and undo.restored == [rec.id]
        assert store.review_state(rec.id) == "pending"
    finally:
        store.close()


SESSIONS = st.sampled_from(["a", "b", "c"])
OPS = st.lists(
    st.tuples(SESSIONS, st.sampled_from(["approve", "reject", "undo"]), st.integers(0, 5)),
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(ops=OPS)
def test_an_undo_only_ever_reverts_its_own_sessions_events(tmp_path_factory, ops) -> None:  # noqa: ANN001
    store = Store(tmp_path_factory.mktemp("s") / "store.db")
    try:
        records = [make(i) for i in range(6)]
        store.add_records(records)
        tags = {
            name: SessionTag.new(kind, "alice")
            for name, kind in (("a", "tui"), ("b", "tui"), ("c", "cli"))
        }
        for name, action, i in ops:
            tag = tags[name]
            if action == "undo":
                store.undo_last("alice", session=tag.id, by=tag)
            else:
                store.record_decision([records[i].id], action, "alice", session=tag)
        events = {e.seq: e for e in store.history()}
        for e in events.values():
            if e.undoes is not None:
                assert events[e.undoes].session == e.session
        states = {r.id: "pending" for r in records}
        for e in sorted(events.values(), key=lambda e: e.seq):
            states[e.record_id] = e.state_after
        assert states == {r.id: store.review_state(r.id) for r in records}
    finally:
        store.close()
