"""Rejects and the import log."""

from __future__ import annotations

from curate.records import Reject
from curate.store import Store


def reject(line: int | None, code: str = "invalid_json") -> Reject:
    return Reject(source="a.jsonl", line=line, code=code, message="Bad row.", raw="{oops")


def test_rejects_are_unique_per_source_and_line(store: Store) -> None:
    assert store.add_rejects([reject(1), reject(2, "missing_content")]) == 2
    assert store.add_rejects([reject(1), reject(3)]) == 1
    assert [r.line for r in store.iter_rejects()] == [1, 2, 3]
    assert store.reject_counts() == {"invalid_json": 2, "missing_content": 1}
    assert [r.line for r in store.iter_rejects(code="missing_content")] == [2]


def test_rejects_without_a_line_are_never_dropped(store: Store) -> None:
    assert store.add_rejects([reject(None), reject(None)]) == 2
    assert len(list(store.iter_rejects(source="a.jsonl"))) == 2


def test_import_log_counts_and_status(store: Store) -> None:
    first = store.start_import("a.jsonl", "real", sha256="abc", tags={"batch": "1"})
    store.update_import(first, read=10, added=7, existing=1, rejected=2, format="alpaca")
    store.update_import(first, read=5, added=5)
    row = store.get_import(first)
    assert row is not None and row.status == "running" and row.format == "alpaca"
    assert (row.read, row.added, row.existing, row.rejected) == (15, 12, 1, 2)
    assert store.status()["imports"]["unfinished"] == 1
    second = store.start_import("a.jsonl", "real")
    store.finish_import(second)
    assert store.status()["imports"] == {"files": 1, "runs": 2, "unfinished": 0, "identical_rows": 0}
    assert [i.id for i in store.imports()] == [second, first]
