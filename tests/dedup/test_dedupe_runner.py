"""Workspace dedupe: annotations stored as runs, review state and quality in the rule."""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest
from dedup_helpers import chat, edit, sentence

from curate.dedup import contaminated_ids, contamination_marks, dedupe_workspace
from curate.dedup.facts import store_facts
from curate.errors import UsageError
from curate.records import new_version
from curate.store import CheckResult
from curate.workspace import init_workspace


@pytest.fixture
def ws(tmp_path: Path):  # noqa: ANN201
    workspace = init_workspace(tmp_path / "ws")
    yield workspace
    workspace.close()


def test_clusters_are_stored_as_a_run_and_rerunning_replaces_them(ws, rng: random.Random) -> None:
    base = sentence(rng, 50)
    records = [chat("What is Kafka?", "A log."), chat("what is kafka", "a log"), chat(base, "x"), chat(edit(base, rng, 1), "x"), chat("Other?", "y")]
    ws.store.add_records(records)
    first = dedupe_workspace(ws)
    data = first.to_json()
    assert (data["records"], data["clusters"], data["duplicates"], data["kept"]) == (5, 2, 2, 3)
    assert (data["exact"], data["near"]) == (1, 1)
    stored = ws.store.clusters()
    assert sorted(len(m) for m in stored.values()) == [2, 2]
    assert all(m[0].representative and not m[1].representative for m in stored.values())
    assert ws.status()["duplicates"] == {"run_id": first.run_id, "clusters": 2, "duplicate_records": 2}
    assert ws.store.count(["duplicate=yes"]) == 2
    assert len(ws.store.get_many([r.id for r in records])) == 5  # nothing deleted

    second = dedupe_workspace(ws, exact_only=True)
    assert second.run_id > first.run_id
    assert ws.status()["duplicates"] == {"run_id": second.run_id, "clusters": 1, "duplicate_records": 1}
    assert ws.store.latest_run("dedupe").meta["summary"]["duplicates"] == 1


def test_review_state_and_check_quality_choose_the_representative(ws) -> None:
    a, b, c = chat("What is Kafka?", "A log."), chat("WHAT IS KAFKA", "A LOG"), chat("what is kafka?!", "a log")
    ws.store.add_records([a, b, c])
    run = ws.store.start_run("checks")
    ws.store.put_check_results(
        run,
        [
            CheckResult(a.id, "checklist", True),
            CheckResult(b.id, "answer_too_short", False),
            CheckResult(c.id, "judge_low_score", True, 4.0),
        ],
    )
    ws.store.finish_run(run)
    facts = store_facts(ws.store, [a.id, b.id, c.id])
    assert (facts[a.id].quality, facts[b.id].quality, facts[c.id].quality) == (1.0, 0.75, 1.04)
    assert dedupe_workspace(ws).result.clusters[0].representative.record_id == c.id
    ws.store.record_decision([b.id], "approve", reviewer="tester")
    ws.store.record_decision([c.id], "reject", reviewer="tester")
    cluster = dedupe_workspace(ws).result.clusters[0]
    assert cluster.representative.record_id == b.id
    assert [m.record_id for m in cluster.members] == [b.id, *sorted([a.id, c.id])]  # similarity, then id


def test_edited_records_are_left_out(ws) -> None:
    a, b = chat("What is Kafka?", "A log."), chat("what is kafka", "a log")
    ws.store.add_records([a, b])
    ws.store.add_version(b, new_version(b, messages=b.messages[:1] + [b.messages[1].model_copy(update={"content": "A distributed, replicated log."})]), reviewer="tester")
    data = dedupe_workspace(ws).to_json()
    assert (data["records"], data["duplicates"]) == (2, 0)


def test_against_marks_contamination_and_keeps_the_latest_run(ws, tmp_path: Path) -> None:
    records = [chat("What is the capital of France?", "Paris."), chat("What is Kafka?", "A log.")]
    ws.store.add_records(records)
    bench = tmp_path / "eval.jsonl"
    bench.write_bytes(
        orjson.dumps({"prompt": "what is the capital of france", "completion": "paris"}) + b"\n" + b"{broken\n"
    )
    outcome = dedupe_workspace(ws, against=[bench])
    against = outcome.to_json()["against"]
    assert against["contaminated"] == 1 and against["by_reason"] == {"exact": 1, "near": 0}
    assert against["files"][0]["read"] == 2 and against["files"][0]["rejected"] == 1
    marks = contamination_marks(ws.store)
    assert list(marks) == [records[0].id] and marks[records[0].id].source == f"{bench}:1"
    assert contaminated_ids(ws.store) == {records[0].id}
    dedupe_workspace(ws)  # a plain dedupe keeps the contamination marks in effect
    assert contaminated_ids(ws.store) == {records[0].id}


def test_bad_settings_are_usage_errors(ws) -> None:
    with pytest.raises(UsageError, match="threshold"):
        dedupe_workspace(ws, threshold=1.5)
    with pytest.raises(UsageError, match="num_perm"):
        dedupe_workspace(ws, num_perm=4)
