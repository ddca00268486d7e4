"""``split_workspace`` on a real store: clusters kept whole, frozen test, edits, review states."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from split_helpers import add, dedupe_run, record, workspace

from curate.records import Message
from curate.split import Ratios, split_workspace

CATS = ["spark", "sql", "kafka"]


def test_split_keeps_clusters_whole_and_freezes_test(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    ids = add(ws, [record(i, CATS[i % 3]) for i in range(60)])
    clusters = [ids[0:3], ids[10:12], ids[20:25]]
    dedupe_run(ws, clusters)
    result = split_workspace(ws, Ratios(0.8, 0.1, 0.1), seed=5)
    stored = ws.store.splits()
    assert len(stored) == 60 and result.total == 60 and result.new == 60
    for c in clusters:
        assert len({stored[i] for i in c}) == 1
    # units: 60 records, 3 clusters of 3 + 2 + 5 -> 60 - 7 units
    assert sum(result.units.values()) == 53
    assert result.counts == {s: sum(1 for v in stored.values() if v == s) for s in result.counts}
    assert set(result.strata) == set(CATS)
    rows = sqlite3.connect(ws.db_path).execute("SELECT split, frozen FROM splits").fetchall()
    assert all(frozen == (split == "test") for split, frozen in rows)
    ws.close()


def test_resplit_after_adding_data_moves_nothing_and_places_cluster_joiners(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    old = add(ws, [record(i, CATS[i % 3]) for i in range(40)])
    split_workspace(ws, seed=3)
    before = ws.store.splits()
    in_test = next(i for i in old if before[i] == "test")
    in_train = next(i for i in old if before[i] == "train")
    new = add(ws, [record(100 + i, CATS[i % 3]) for i in range(40)])
    # a new dedupe run: one new record duplicates a test record, another a train record
    dedupe_run(ws, [[in_test, new[0]], [in_train, new[1]]])
    result = split_workspace(ws, seed=99, ratios=Ratios(0.5, 0.25, 0.25))  # other settings too
    after = ws.store.splits()
    assert all(after[i] == s for i, s in before.items())
    assert after[new[0]] == "test" and after[new[1]] == "train"
    assert (result.kept, result.new, result.moved) == (40, 40, 0)
    ws.close()


def test_new_settings_on_a_split_workspace_warn_that_assignments_are_kept(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    add(ws, [record(i, CATS[i % 3]) for i in range(30)])
    first = split_workspace(ws, seed=3)
    assert first.warnings == [] and first.to_json()["kept_existing"] == 0
    same = split_workspace(ws, seed=3)
    assert same.warnings == [] and same.to_json()["kept_existing"] == 30
    add(ws, [record(100 + i, CATS[i % 3]) for i in range(5)])
    changed = split_workspace(ws, Ratios(0.6, 0.2, 0.2), seed=9, stratify_by="none")
    data = changed.to_json()
    assert data["kept_existing"] == 30 and data["assigned"] == 5
    assert data["warnings"] == [
        "30 records keep the split they already had (the test split is frozen), so the new "
        "ratios and seed and stratification apply only to records not assigned before "
        "(5 this time); --reshuffle deals train and validation again."
    ]
    ws.close()


def test_rejected_and_replaced_records_are_not_assigned_and_edits_inherit(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    ids = add(ws, [record(i) for i in range(30)])
    ws.store.record_decision(ids[:2], "reject", "tester")
    split_workspace(ws, seed=1)
    first = ws.store.splits()
    assert ids[0] not in first and ids[1] not in first
    parent = ws.store.get(ids[5])
    edited = parent.model_copy(
        update={
            "messages": [*parent.messages[:1], Message(role="assistant", content="Edited answer.")]
        }
    )
    child = ws.store.add_version(parent, edited, "tester")
    result = split_workspace(ws, seed=1)
    after = ws.store.splits()
    assert after[child.id] == first[ids[5]]  # a new version stays where its parent was
    assert result.skipped == {"rejected": 2, "edited": 1}
    assert result.total == 28 + 1 - 1
    ws.close()


def test_stratify_none_and_missing_tags(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    add(ws, [record(i, None if i % 2 else "sql") for i in range(20)])
    tagged = split_workspace(ws, seed=1, stratify_by="category")
    assert set(tagged.strata) == {"sql", "(none)"}
    ws.close()
    ws2 = workspace(tmp_path / "b")
    add(ws2, [record(i, "sql") for i in range(20)])
    flat = split_workspace(ws2, seed=1, stratify_by="none")
    assert flat.stratify_by is None and list(flat.strata) == ["(all)"]
    assert flat.counts == {"train": 16, "validation": 2, "test": 2}
    ws2.close()


def test_test_share_outside_the_guide_is_warned(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    add(ws, [record(i) for i in range(10)])
    result = split_workspace(ws, Ratios(0.65, 0.05, 0.3), seed=1)
    assert any("30%" in w for w in result.warnings)
    again = split_workspace(ws, seed=1).warnings  # the ratios changed: only that is said
    assert len(again) == 1 and "10 records keep the split they already had" in again[0]
    assert split_workspace(ws, seed=1).warnings == []
    missing = split_workspace(ws, seed=1, stratify_by="difficulty")
    assert any("No record has a 'difficulty' tag" in w for w in missing.warnings)
    ws.close()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=st.integers(0, 40),
    more=st.integers(0, 40),
    links=st.lists(st.tuples(st.integers(0, 79), st.integers(0, 79)), max_size=12),
    seed=st.integers(0, 1000),
)
def test_store_split_invariants(
    first: int, more: int, links: list[tuple[int, int]], seed: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = workspace(Path(tmp))
        ids = add(ws, [record(i, CATS[i % 3]) for i in range(first)])
        split_workspace(ws, seed=seed)
        before = ws.store.splits()
        ids += add(ws, [record(1000 + i, CATS[i % 3]) for i in range(more)])
        # clusters over old and new records: pairs merged into disjoint groups
        groups: list[list[str]] = []
        used: set[str] = set()
        for a, b in links:
            if a < len(ids) and b < len(ids) and a != b and not {ids[a], ids[b]} & used:
                groups.append([ids[a], ids[b]])
                used |= {ids[a], ids[b]}
        dedupe_run(ws, groups)
        split_workspace(ws, seed=seed)
        after = ws.store.splits()
        assert set(after) == set(ids)
        for rid, split in before.items():
            if split == "test":
                assert after[rid] == "test"  # the test split is frozen
        for g in groups:
            assert len({after[i] for i in g}) == 1  # no cluster crosses splits
        ws.close()


def test_reshuffle_deals_train_and_validation_again_and_leaves_test(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    ids = add(ws, [record(i, CATS[i % 3]) for i in range(100)])
    clusters = [ids[0:4], ids[50:53]]
    dedupe_run(ws, clusters)
    split_workspace(ws, Ratios(0.8, 0.1, 0.1), seed=1)
    before = ws.store.splits()
    test_before = {i for i, s in before.items() if s == "test"}
    result = split_workspace(ws, Ratios(0.6, 0.3, 0.1), seed=2, reshuffle=True)
    after = ws.store.splits()
    assert {i for i, s in after.items() if s == "test"} == test_before  # test frozen, and no more
    validation = sum(1 for s in after.values() if s == "validation")
    assert validation > 2 * sum(1 for s in before.values() if s == "validation")
    assert result.moved > 0 and result.new == 0 and result.kept + result.moved == 100
    assert result.warnings == []  # no "settings apply only to new records" once reshuffled
    for c in clusters:
        assert len({after[i] for i in c}) == 1
    ws.close()


def test_reshuffle_into_a_larger_test_share_says_what_moved_in(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    add(ws, [record(i, CATS[i % 3]) for i in range(60)])
    split_workspace(ws, Ratios(0.8, 0.1, 0.1), seed=1)
    before = ws.store.splits()
    result = split_workspace(ws, Ratios(0.7, 0.1, 0.2), seed=1, reshuffle=True)
    after = ws.store.splits()
    moved_in = [i for i, s in after.items() if s == "test" and before[i] != "test"]
    assert moved_in and all(after[i] == "test" for i, s in before.items() if s == "test")
    assert any(
        w.startswith(f"{len(moved_in)} records moved from train or validation into the frozen test")
        for w in result.warnings
    )
    ws.close()
