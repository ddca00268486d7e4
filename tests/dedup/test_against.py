"""Contamination: records that duplicate a row of a reference dataset."""

from __future__ import annotations

import random
from pathlib import Path

import orjson
from dedup_helpers import chat, edit, sentence

from curate.dedup import find_contamination
from curate.dedup.against import Reference, counts
from curate.dedup.sketch import Params
from curate.records import Message, Record


def test_exact_near_and_clean_records(rng: random.Random) -> None:
    question = sentence(rng, 60)
    benchmark = [chat(question, "B"), chat("What is the capital of France?", "Paris.")]
    records = [
        chat("what is the capital of FRANCE", "paris"),  # exact after normalisation
        chat(edit(question, rng, 1), "B"),  # near
        chat(sentence(rng, 60), "B"),  # unrelated
    ]
    marks = find_contamination(records, benchmark)
    assert set(marks) == {records[0].id, records[1].id}
    assert marks[records[0].id].reason == "exact" and marks[records[0].id].similarity == 1.0
    assert marks[records[1].id].reason == "near" and 0.8 <= marks[records[1].id].similarity < 1
    assert counts(marks.values()) == {"exact": 1, "near": 1}
    assert not find_contamination(records, benchmark, Params(exact_only=True)).keys() - {records[0].id}


def test_kinds_do_not_matter_but_the_compared_text_does() -> None:
    pref = Record(
        kind="preference",
        messages=[Message(role="user", content="Explain exactly-once delivery in Kafka.")],
        chosen=[Message(role="assistant", content="Idempotent producers and transactions.")],
        rejected=[Message(role="assistant", content="It is impossible.")],
    )
    sft = chat("Explain exactly-once delivery in Kafka.", "Use transactions.")
    assert find_contamination([sft], [pref]) == {}  # question + answer vs the question
    marks = find_contamination([sft], [pref], Params(compare="prompt"))
    assert marks[sft.id].reason == "exact"


def test_reference_files_are_read_with_the_projects_readers(tmp_path: Path) -> None:
    path = tmp_path / "bench.jsonl"
    rows = [
        {"messages": [{"role": "user", "content": "What is Kafka?"}, {"role": "assistant", "content": "A log."}]},
        {"messages": [{"role": "user", "content": "no answer"}]},
    ]
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows) + b"not json\n")
    ref = Reference(Params())
    info = ref.add_file(path)
    assert (info.format, info.read, info.records, info.rejected) == ("openai-jsonl", 3, 1, 2)
    assert info.reasons == {"example_missing_assistant_message": 1, "invalid_json": 1}
    assert ref.sources == [f"{path}:1"]
