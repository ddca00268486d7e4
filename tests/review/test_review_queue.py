"""The review queue: order, filters, keyset paging, counts; the session's navigation."""

from __future__ import annotations

from pathlib import Path

import pytest
from review_helpers import NAMES, ORDER, RECORDS, REVIEWER, ids

from curate.errors import UsageError
from curate.review.filters import QueueFilters
from curate.review.item import load_item
from curate.review.queue import ReviewQueue
from curate.review.session import ReviewSession
from curate.review.stats import header_stats, length_histogram
from curate.store import Store
from curate.store.records import search_text


@pytest.fixture
def store(ws_path: Path):
    with Store(ws_path / ".curate" / "curate.db") as s:
        yield s


def names(queue: ReviewQueue) -> list[str]:
    return [NAMES[i] for i in queue.ids()]


def test_pending_records_failing_and_synthetic_first(store: Store) -> None:
    assert names(ReviewQueue(store)) == ORDER


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"origin": "synthetic"}, ["syn_fail", "syn_ok"]),
        ({"origin": "real", "check": "*"}, ["real_fail"]),
        ({"check": "too_long"}, ["syn_fail"]),
        ({"tag": ["category=python", "difficulty=easy"]}, ["real_ok", "dup"]),
        ({"cluster": "c0001"}, ["real_ok", "dup"]),
        ({"search": "PARQUET"}, ["real_ok", "dup"]),
        ({"search": "100%_"}, []),
        ({"state": "approved"}, []),
    ],
)
def test_filters_choose_the_records(store: Store, filters: dict, expected: list[str]) -> None:
    assert names(ReviewQueue(store, QueueFilters.build(**filters))) == expected


def test_bad_filters_are_one_sentence_usage_errors() -> None:
    for bad in ({"origin": "robot"}, {"state": "done"}, {"tag": "category"}):
        with pytest.raises(UsageError) as err:
            QueueFilters.build(**bad)
        assert "\n" not in str(err.value)


def test_decided_and_edited_records_leave_the_queue_skipped_ones_go_last(store: Store) -> None:
    store.record_decision(ids("real_fail"), "approve", REVIEWER)
    store.record_decision(ids("syn_fail"), "skip", REVIEWER)
    version = store.add_version(
        RECORDS["syn_ok"],
        RECORDS["syn_ok"].model_copy(update={"messages": RECORDS["syn_ok"].messages[::-1]}),
        REVIEWER,
    )
    order = ReviewQueue(store).ids()
    assert order[-1] == RECORDS["syn_fail"].id
    assert RECORDS["real_fail"].id not in order and RECORDS["syn_ok"].id not in order
    assert order[0] == version.id  # the synthetic version keeps its place in line
    everything = ReviewQueue(store, QueueFilters.build(state="all")).ids()
    assert everything[-1] == RECORDS["real_fail"].id and len(everything) == len(RECORDS)
    store.undo_last(REVIEWER)  # the edit
    store.undo_last(REVIEWER)  # the skip: the record is back in its place
    assert ReviewQueue(store).ids()[0] == RECORDS["syn_fail"].id


def test_keyset_pages_neither_repeat_nor_skip_while_decisions_happen(store: Store) -> None:
    queue = ReviewQueue(store, page_size=2)
    first = queue.page()
    assert [NAMES[i.record_id] for i in first] == ORDER[:2]
    store.record_decision([first[0].record_id], "approve", REVIEWER)  # between two pages
    second = queue.page(first[-1].key)
    assert [NAMES[i.record_id] for i in second] == ORDER[2:4]
    assert len(queue.page(second[-1].key, limit=100)) == 3


def test_counts_follow_the_filters_not_their_state(store: Store) -> None:
    store.record_decision(ids("syn_fail"), "approve", REVIEWER)
    store.record_decision(ids("syn_ok"), "reject", REVIEWER)
    counts = ReviewQueue(store, QueueFilters.build(origin="synthetic")).counts()
    assert (counts.pending, counts.approved, counts.rejected, counts.reviewed, counts.total) == (
        0,
        1,
        1,
        2,
        2,
    )
    stats = header_stats(ReviewQueue(store), 0.3)
    assert stats.synthetic_share == pytest.approx(1 / 6) and not stats.over_limit


def test_length_histogram_counts_every_record(store: Store) -> None:
    buckets, measured = length_histogram(store)
    assert measured == len(RECORDS) == sum(n for _, n in buckets)
    lengths = [len(search_text(r)) for r in RECORDS.values()]
    assert dict(buckets)["<250"] == sum(n < 250 for n in lengths)
    assert dict(buckets)["<500"] == sum(250 <= n < 500 for n in lengths)
    assert [label for label, _ in buckets][-2:] == ["<16k", "16k+"]


def test_item_carries_checks_cluster_and_last_event(store: Store) -> None:
    item = load_item(store, RECORDS["dup"].id)
    assert item.cluster is not None and item.cluster.size == 2 and not item.cluster.representative
    assert [m[0] for m in item.cluster.members] == ids("real_ok", "dup")
    assert [c.code for c in item.checks or []] == ["checklist"]
    store.record_decision(ids("dup"), "reject", REVIEWER, "duplicate")
    last = load_item(store, RECORDS["dup"].id).last
    assert last is not None and (last.action, last.reviewer, last.reason) == (
        "reject",
        REVIEWER,
        "duplicate",
    )
    with pytest.raises(UsageError, match="No record"):
        load_item(store, "nope")


def session_over(store: Store, page_size: int = 3) -> ReviewSession:
    session = ReviewSession(store, REVIEWER, page_size=page_size)
    session.counts = ReviewQueue(store).counts()
    feed(session)
    return session


def feed(session: ReviewSession) -> None:
    """Serve page requests synchronously, as the app's background reader does."""
    while (request := session.page_request()) is not None:
        queue = ReviewQueue(session.store, request.filters, request.limit)
        session.add_page(request, queue.page(request.after, request.limit))
        if session.waiting:
            session.advance()


def test_session_walks_the_whole_queue_page_by_page(store: Store) -> None:
    session = session_over(store)
    seen = []
    while session.item is not None:
        seen.append(NAMES[session.item.id])
        session.decide("approve")
        session.advance(after_decision=True)
        feed(session)
    assert seen == ORDER and session.final
    assert (session.counts.pending, session.counts.approved) == (0, len(ORDER))
    assert session.counts == ReviewQueue(store).counts()


def test_session_previous_then_decide_skips_decided_records(store: Store) -> None:
    session = session_over(store)
    session.decide("approve")  # syn_fail
    session.advance(after_decision=True)
    session.decide("reject", "wrong")  # real_fail
    session.advance(after_decision=True)
    assert session.previous() and session.previous()
    assert NAMES[session.item.id] == "syn_fail" and session.item.state == "approved"
    assert not session.previous()
    session.decide("reject")  # change the mind: a new event
    session.advance(after_decision=True)
    assert NAMES[session.item.id] == "syn_ok"  # real_fail is decided: passed over
    assert [e.action for e in store.history(RECORDS["syn_fail"].id)] == ["approve", "reject"]


def test_session_refuses_a_decision_on_a_replaced_record(store: Store) -> None:
    session = session_over(store)
    original = session.item
    edited = original.record.model_copy(update={"messages": original.record.messages[1:]})
    version = session.save_version(edited, "edited")
    assert session.item.id == version.id and session.item.state == "pending"
    session.item = load_item(store, original.id)  # the original, shown again
    with pytest.raises(UsageError, match="replaced by an edit"):
        session.decide("approve")
    assert [e.action for e in store.history(original.id)] == ["edit"]
