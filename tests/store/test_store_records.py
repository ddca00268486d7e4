"""Records: content-addressed rows, found again by id, streamed and counted by filters."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import make

from curate.errors import UsageError
from curate.records import Record
from curate.store import Store


def test_add_reports_added_and_existing(store: Store, record: Callable[..., Record]) -> None:
    batch = [record(i) for i in range(5)]
    assert store.add_records(batch) == (5, 0)
    assert store.add_records(batch + [record(5)]) == (1, 5)
    assert store.count() == 6


def test_duplicates_inside_one_batch_count_once(
    store: Store, record: Callable[..., Record]
) -> None:
    a = record(1, source="a.jsonl")
    again = record(1, source="b.jsonl")  # same content, another file
    assert a.id == again.id
    assert store.add_records([a, again]) == (1, 1)
    assert store.occurrences(a.id) == [("a.jsonl", 2), ("b.jsonl", 2)]
    assert store.get(a.id).provenance.source_file == "a.jsonl"  # the first one is kept


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=25), st.lists(st.integers(0, 6), max_size=10))
def test_import_records_tells_run_duplicates_from_existing(
    tmp_path_factory: pytest.TempPathFactory, before: list[int], rows: list[int]
) -> None:
    """read = added + duplicates + existing; only records stored before the run are existing."""
    store = Store(tmp_path_factory.mktemp("s") / "s.db")
    try:
        earlier = store.start_import("old.jsonl", "real")
        store.import_records([make(i) for i in before], earlier)
        now = store.start_import("new.jsonl", "real")
        got = store.import_records([make(i) for i in rows], now)
        assert sum(got) == len(rows)
        assert got.added == len(set(rows) - set(before))
        assert got.existing == sum(1 for i in rows if i in before)
        assert got.duplicates == len(rows) - got.added - got.existing
        # with the earlier import in the same run, its records count as duplicates instead
        third = store.start_import("b.jsonl", "real")
        same = store.import_records([make(i) for i in rows], third, same_run=[earlier, now])
        assert (same.added, same.existing) == (0, 0) and same.duplicates == len(rows)
    finally:
        store.close()


def test_get_round_trips_the_whole_record(store: Store, record: Callable[..., Record]) -> None:
    r = record(3, tags={"category": "spark"})
    r.meta = {"extra": [1, None, {"x": "y"}]}
    r.tools = [{"type": "function", "function": {"name": "f", "parameters": None}}]
    store.add_records([r])
    assert store.get(r.id) == r
    assert store.get_many([r.id, "nope"]) == {r.id: r}
    assert store.has(r.id) and not store.has("nope")


def test_get_unknown_id_is_a_usage_error(store: Store) -> None:
    with pytest.raises(UsageError, match="No record with id 'missing'"):
        store.get("missing")


def test_filters_select_by_origin_tag_source_kind_and_text(
    store: Store, record: Callable[..., Record]
) -> None:
    store.add_records(
        [
            record(0, origin="real", tags={"category": "spark"}, source="a.jsonl"),
            record(1, origin="synthetic", tags={"category": "spark"}, source="dir/b.jsonl"),
            record(2, origin="synthetic", tags={"category": "sql"}, source=None),
            record(3, kind="unpaired", source="a.jsonl"),
        ]
    )
    assert store.count("origin=synthetic") == 2
    assert store.count("origin!=synthetic") == 2
    assert store.count(["origin=synthetic", "tag:category=spark"]) == 1
    assert store.count("source=a.jsonl") == 2
    assert store.count("source=b.jsonl") == 1  # the file's last parts are enough
    assert store.count("source=dir/b.jsonl") == 1
    assert store.count("source=jsonl") == 0  # but not a partial name
    assert store.count("kind=unpaired") == 1
    assert store.count("text=question NUMBER 2") == 1
    assert store.count("text=100%") == 0
    assert store.count("state=pending") == 4
    assert store.count_by("origin") == {"real": 2, "synthetic": 2}
    assert store.count_by("tag:category") == {"spark": 2, "sql": 1}
    assert store.count_by("state", "origin=real") == {"pending": 2}


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("origin", "is not FIELD=VALUE"),
        ("colour=red", "Unknown filter field 'colour'"),
        ("state=done", "Unknown review state 'done'"),
        ("origin=fake", "Unknown origin 'fake'"),
        ("tag:=x", "names no tag"),
    ],
)
def test_bad_filters_are_usage_errors(store: Store, expr: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        store.count(expr)


def test_iter_records_streams_in_insertion_order_while_writing(
    store: Store, record: Callable[..., Record]
) -> None:
    store.add_records([record(i) for i in range(25)])
    seen = []
    for r in store.iter_records(batch=4):
        seen.append(r.id)
        if len(seen) == 10:  # writing during iteration must not break the stream
            store.add_records([record(100)])
    assert seen[:25] == [record(i).id for i in range(25)]
    assert seen[-1] == record(100).id
    assert list(store.iter_ids("origin=real", batch=3)) == seen
    assert store.select_ids() == seen


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), max_size=20), max_size=6))
def test_added_plus_existing_is_rows_and_ids_are_unique(
    tmp_path_factory: pytest.TempPathFactory, batches: list[list[int]]
) -> None:
    store = Store(tmp_path_factory.mktemp("h") / "s.db")
    seen: set[int] = set()
    for numbers in batches:
        added, existing = store.add_records([make(n) for n in numbers])
        assert added + existing == len(numbers)
        assert added == len(set(numbers) - seen)
        seen |= set(numbers)
    assert store.count() == len(seen)
    assert store.count_by("state") == ({"pending": len(seen)} if seen else {})
    store.close()


def test_a_version_whose_parent_is_elsewhere_is_stored(
    store: Store, record: Callable[..., Record]
) -> None:
    r = record(1)
    r.parent_id = "0123456789abcdef0123"  # from another workspace
    assert store.add_records([r]) == (1, 0)
    assert store.get(r.id).parent_id == "0123456789abcdef0123"
