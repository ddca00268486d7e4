"""Statistics by kind and by role in `inspect_file`, summarised with polars."""

from __future__ import annotations

import statistics
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

import curate.inspect as inspect_mod
from curate.inspect import inspect_file, summarize, training_text
from curate.source import RecordSource
from curate.tokens import estimate_tokens

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=300))
def test_summarize_matches_the_reference_statistics(values: list[int]) -> None:
    ordered = sorted(values)
    assert summarize(values) == {
        "min": ordered[0],
        "median": statistics.median(ordered),
        "mean": round(sum(values) / len(values), 1),
        "p95": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
        "max": ordered[-1],
    }


def test_summarize_of_nothing_is_none() -> None:
    assert summarize([]) is None


def test_preference_lengths_by_kind_follow_the_training_text() -> None:
    path = SAMPLES / "trl_preference.jsonl"
    records = [r for _, r in RecordSource(path).parsed()]
    texts = [training_text(r) for r in records]
    report = inspect_file(path, language_sample=0)
    pref = report.by_kind["preference"]
    assert pref["records"] == report.records == len(records)
    assert (pref["chars"]["min"], pref["chars"]["max"]) == (min(map(len, texts)), max(map(len, texts)))
    tokens = [estimate_tokens(t) for t in texts]
    assert (pref["tokens"]["min"], pref["tokens"]["max"]) == (min(tokens), max(tokens))
    assert pref["chars"] == report.chars and pref["turns"] == report.turns


def test_by_role_counts_every_message_and_measures_each(tmp_path: Path) -> None:
    rows = [
        {"messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello there."}]},
        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Why?"},
                      {"role": "assistant", "content": "Because the cache is cold."}]},
    ]
    path = tmp_path / "chat.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in rows))
    report = inspect_file(path, language_sample=0)
    assert report.roles == {"assistant": 2, "user": 2, "system": 1}
    assert list(report.by_role) == ["assistant", "user", "system"]  # most messages first, then by name
    assistant = report.by_role["assistant"]
    assert assistant["messages"] == 2
    assert assistant["chars"] == {"min": 12, "median": 19.0, "mean": 19.0, "p95": 26, "max": 26}
    assert assistant["tokens"]["max"] == estimate_tokens("Because the cache is cold.")
    data = report.to_dict()
    assert data["by_kind"]["sft"]["records"] == 2 and data["by_role"]["system"]["messages"] == 1


def test_frames_built_in_small_batches_give_the_same_report(monkeypatch: pytest.MonkeyPatch) -> None:
    path = SAMPLES / "openai_chat.jsonl"
    whole = inspect_file(path, language_sample=0).to_dict()
    monkeypatch.setattr(inspect_mod, "FRAME_BATCH", 3)
    assert inspect_file(path, language_sample=0).to_dict() == whole
