"""Review decisions: events with who/when/what/previous state, undo as a new event, edits."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import make

from curate.errors import UsageError
from curate.records import Message, Record
from curate.store import Store


def replay(store: Store) -> dict[str, str]:
    """The review state each record should have, from the event log alone."""
    states = dict.fromkeys(store.select_ids(), "pending")
    for event in store.history():
        states[event.record_id] = event.state_after
    return states


def current(store: Store) -> dict[str, str]:
    return {rid: store.review_state(rid) for rid in store.select_ids()}


@pytest.fixture
def ids(store: Store, record: Callable[..., Record]) -> list[str]:
    rs = [record(i) for i in range(4)]
    store.add_records(rs)
    return [r.id for r in rs]


def test_a_decision_is_an_event_with_who_when_and_previous_state(
    store: Store, ids: list[str]
) -> None:
    d = store.record_decision(ids[:2], "approve", "alice")
    assert d.changed == ids[:2] and d.unchanged == [] and d.batch is not None
    r = store.record_decision(ids[1:3], "reject", "bob", reason="off topic")
    assert r.changed == ids[1:3]
    [event] = store.history(ids[1])[-1:]
    assert (event.action, event.state_before, event.state_after) == (
        "reject",
        "approved",
        "rejected",
    )
    assert (event.reviewer, event.reason) == ("bob", "off topic")
    assert event.at.endswith("+00:00")
    assert [store.review_state(i) for i in ids] == ["approved", "rejected", "rejected", "pending"]
    assert replay(store) == current(store)


def test_repeating_a_decision_changes_nothing(store: Store, ids: list[str]) -> None:
    store.record_decision(ids[:1], "approve", "alice")
    again = store.record_decision(ids[:1], "approve", "alice")
    assert again.changed == [] and again.unchanged == ids[:1] and again.batch is None
    assert len(store.history(ids[0])) == 1


def test_skip_is_logged_without_changing_state(store: Store, ids: list[str]) -> None:
    d = store.record_decision(ids[:1], "skip", "alice")
    assert d.changed == ids[:1]
    assert store.review_state(ids[0]) == "pending"
    assert [e.action for e in store.history(ids[0])] == ["skip"]


def test_unknown_ids_record_nothing(store: Store, ids: list[str]) -> None:
    with pytest.raises(UsageError, match="No record with id 'nope'"):
        store.record_decision([ids[0], "nope"], "approve", "alice")
    assert store.history() == []
    assert store.review_state(ids[0]) == "pending"


def test_bad_action_or_missing_reviewer(store: Store, ids: list[str]) -> None:
    with pytest.raises(UsageError, match="Unknown review action"):
        store.record_decision(ids, "delete", "alice")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="reviewer"):
        store.record_decision(ids, "approve", "")


def test_undo_restores_the_previous_state_with_a_new_event(store: Store, ids: list[str]) -> None:
    store.record_decision(ids[:2], "approve", "alice")
    store.record_decision(ids[:1], "reject", "alice", reason="wrong")
    first = store.undo_last("alice")
    assert first is not None and first.action == "reject" and first.restored == ids[:1]
    assert store.review_state(ids[0]) == "approved"
    second = store.undo_last("alice")
    assert (
        second is not None and second.action == "approve" and set(second.restored) == set(ids[:2])
    )
    assert [store.review_state(i) for i in ids[:2]] == ["pending", "pending"]
    assert store.undo_last("alice") is None
    actions = [e.action for e in store.history(ids[0])]
    assert actions == ["approve", "reject", "undo", "undo"]  # nothing is deleted
    assert replay(store) == current(store)


def test_undo_is_per_reviewer_and_keeps_a_later_decision(store: Store, ids: list[str]) -> None:
    store.record_decision(ids[:1], "approve", "alice")
    store.record_decision(ids[:1], "reject", "bob")
    assert store.undo_last("carol") is None
    undo = store.undo_last("alice")
    assert undo is not None and undo.kept == ids[:1] and undo.restored == []
    assert store.review_state(ids[0]) == "rejected"  # bob's later decision stands
    assert store.history(ids[0])[-1].reason == "a later decision stands"
    assert store.undo_last("alice") is None


def test_an_edit_is_a_new_version_and_the_original_stays(store: Store, ids: list[str]) -> None:
    original = store.get(ids[0])
    edited = original.model_copy(deep=True)
    edited.messages[-1] = Message(role="assistant", content="A better answer.")
    child = store.add_version(original, edited, "alice", reason="typo")
    assert child.id not in ids and child.parent_id == original.id
    assert store.get(original.id) == original
    assert store.get(child.id).messages[-1].content == "A better answer."
    assert store.review_state(original.id) == "edited"
    assert store.review_state(child.id) == "pending"
    assert store.children(original.id) == [child.id]
    [event] = store.history(original.id)
    assert (event.action, event.version_id, event.reviewer) == ("edit", child.id, "alice")
    with pytest.raises(UsageError, match="replaced by an edit"):
        store.record_decision([original.id], "approve", "alice")
    with pytest.raises(UsageError, match="already replaced"):
        store.add_version(original, edited, "alice")
    assert store.count("state=pending") == 4  # three untouched plus the new version


def test_an_edit_that_changes_nothing_is_refused(store: Store, ids: list[str]) -> None:
    original = store.get(ids[0])
    with pytest.raises(UsageError, match="changes nothing"):
        store.add_version(original, original.model_copy(update={"tags": {"x": "y"}}), "alice")


def test_undoing_an_edit_restores_the_original_and_rejects_the_version(
    store: Store, ids: list[str]
) -> None:
    original = store.get(ids[0])
    store.record_decision([original.id], "approve", "alice")
    edited = original.model_copy(deep=True)
    edited.messages[0] = Message(role="user", content="A clearer question?")
    child = store.add_version(original.id, edited, "alice")
    undo = store.undo_last("alice")
    assert undo is not None and undo.action == "edit"
    assert store.review_state(original.id) == "approved"
    assert store.review_state(child.id) == "rejected"
    assert store.has(child.id)
    assert replay(store) == current(store)


ACTIONS = st.sampled_from(["approve", "reject", "skip", "undo"])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            ACTIONS, st.sampled_from(["alice", "bob"]), st.sets(st.integers(0, 5), max_size=3)
        ),
        max_size=15,
    )
)
def test_state_always_equals_the_replay_of_events(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, str, set[int]]]
) -> None:
    store = Store(tmp_path_factory.mktemp("r") / "s.db")
    records = [make(i) for i in range(6)]
    store.add_records(records)
    for action, who, picks in steps:
        if action == "undo":
            store.undo_last(who)
        else:
            store.record_decision([records[i].id for i in sorted(picks)], action, who)  # type: ignore[arg-type]
        assert replay(store) == current(store)
    store.close()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["approve", "reject", "skip"]), st.sets(st.integers(0, 5), max_size=3)
        ),
        max_size=12,
    )
)
def test_one_reviewer_undoing_everything_gets_back_to_pending(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, set[int]]]
) -> None:
    store = Store(tmp_path_factory.mktemp("u") / "s.db")
    records = [make(i) for i in range(6)]
    store.add_records(records)
    batches = 0
    for action, picks in steps:
        d = store.record_decision([records[i].id for i in sorted(picks)], action, "alice")  # type: ignore[arg-type]
        batches += d.batch is not None
    undone = 0
    while (u := store.undo_last("alice")) is not None:
        assert u.kept == []
        undone += 1
    assert undone == batches
    assert set(current(store).values()) <= {"pending"}
    assert replay(store) == current(store)
    store.close()
