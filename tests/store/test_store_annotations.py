"""Annotations: check results, duplicate clusters and splits, keyed by record id."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from curate.errors import UsageError
from curate.records import Record
from curate.store import CheckResult, ClusterMember, Store


@pytest.fixture
def ids(store: Store, record: Callable[..., Record]) -> list[str]:
    rs = [record(i) for i in range(5)]
    store.add_records(rs)
    return [r.id for r in rs]


def test_the_latest_finished_check_run_counts(store: Store, ids: list[str]) -> None:
    with store.run("checks", {"rubric": "default"}) as run1:
        store.put_check_results(
            run1,
            [
                CheckResult(ids[0], "too_long", False, detail="5000 tokens"),
                CheckResult(ids[1], "too_long", True),
                CheckResult(ids[1], "pii_email", False, score=1.0),
            ],
        )
    assert store.check_failures() == {"pii_email": 1, "too_long": 1}
    assert store.count("check=too_long") == 1
    assert store.count("check=*") == 2
    assert [c.check_code for c in store.failed_checks(ids[1])] == ["pii_email"]

    unfinished = store.start_run("checks")  # a run that is still going does not count yet
    store.put_check_results(unfinished, [CheckResult(ids[2], "too_long", False)])
    assert store.count("check=too_long") == 1
    store.finish_run(unfinished, {"verdict": "fail"})
    assert store.select_ids("check=too_long") == [ids[2]]
    assert store.check_failures(run1) == {"pii_email": 1, "too_long": 1}  # history stays
    latest = store.latest_run("checks")
    assert latest is not None and latest.meta["summary"] == {"verdict": "fail"}
    assert store.count() == 5  # records untouched


def test_a_failed_run_is_marked_and_ignored(store: Store, ids: list[str]) -> None:
    with pytest.raises(RuntimeError), store.run("checks") as run_id:
        store.put_check_results(run_id, [CheckResult(ids[0], "too_long", False)])
        raise RuntimeError
    assert store.latest_run("checks") is None
    assert store.count("check=too_long") == 0


def test_clusters_mark_duplicates_without_removing_them(store: Store, ids: list[str]) -> None:
    with store.run("dedupe") as run_id:
        store.put_clusters(
            run_id,
            [
                ClusterMember(ids[0], "c1", True, 1.0),
                ClusterMember(ids[1], "c1", False, 0.91),
                ClusterMember(ids[2], "c1", False, 0.85),
            ],
        )
    assert [m.record_id for m in store.clusters()["c1"]] == [ids[0], *sorted(ids[1:3])]
    assert set(store.select_ids("duplicate=yes")) == set(ids[1:3])
    assert store.count("duplicate=no") == 3
    assert store.status()["duplicates"]["clusters"] == 1
    assert store.status()["duplicates"]["duplicate_records"] == 2


def test_frozen_splits_are_kept(store: Store, ids: list[str]) -> None:
    assert store.put_splits([(ids[0], "test"), (ids[1], "train")]) == (2, 0)
    assert store.freeze_splits("test") == 1
    assert store.put_splits([(ids[0], "train"), (ids[1], "validation")]) == (1, 1)
    assert store.splits() == {ids[0]: "test", ids[1]: "validation"}
    assert store.count("split=test") == 1
    with pytest.raises(UsageError, match="Unknown split 'dev'"):
        store.put_splits([(ids[2], "dev")])


def test_annotations_for_unknown_records_are_refused(store: Store, ids: list[str]) -> None:
    run_id = store.start_run("checks")
    with pytest.raises(UsageError, match="No record with id 'ghost'"):
        store.put_check_results(
            run_id, [CheckResult(ids[0], "x", False), CheckResult("ghost", "x", False)]
        )
    with pytest.raises(UsageError, match="No record with id 'ghost'"):
        store.put_clusters(run_id, [ClusterMember("ghost", "c", True)])
    with pytest.raises(UsageError, match="No record with id 'ghost'"):
        store.put_splits([("ghost", "train")])
    assert store.check_failures(run_id) == {}  # nothing of the refused call was written
