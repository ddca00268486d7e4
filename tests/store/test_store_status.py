"""Store.status(): counts that add up."""

from __future__ import annotations

from collections.abc import Callable

from curate.records import Message, Record, Reject
from curate.store import Store


def test_status_counts_add_up(store: Store, record: Callable[..., Record]) -> None:
    real = [record(i, tags={"category": "spark"}) for i in range(6)]
    synthetic = [record(10 + i, origin="synthetic", tags={"category": "sql"}) for i in range(4)]
    store.add_records(real + synthetic)
    store.add_rejects([Reject(source="x.jsonl", line=3, code="invalid_json", message="m", raw="r")])
    store.record_decision([synthetic[0].id, synthetic[1].id], "reject", "alice")
    store.record_decision([real[0].id], "approve", "alice")
    edited = real[1].model_copy(deep=True)
    edited.messages[-1] = Message(role="assistant", content="Edited.")
    store.add_version(real[1], edited, "alice")

    s = store.status(max_synthetic_share=0.3)
    assert s["records"] == 11
    assert sum(s["by_kind"].values()) == sum(s["by_origin"].values()) == 11
    assert s["by_review_state"] == {"pending": 7, "approved": 1, "rejected": 2, "edited": 1}
    assert sum(s["by_review_state"].values()) == 11
    # rejected and replaced records cannot be exported: 2 synthetic of 6 real + 2 synthetic
    assert s["synthetic_share"] == round(2 / 8, 4)
    assert s["synthetic_over_limit"] is False
    assert s["rejects"] == {"total": 1, "by_code": {"invalid_json": 1}, "by_source": {"x.jsonl": 1}}
    assert s["tags"] == {"category": {"spark": 7, "sql": 4}}
    assert s["checks"]["failed"] == {} and s["checks"]["run_id"] is None


def test_status_of_an_empty_store(store: Store) -> None:
    s = store.status()
    assert s["records"] == 0 and s["synthetic_share"] == 0.0
    assert s["synthetic_over_limit"] is None
