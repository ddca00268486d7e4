"""The committed JSON Schemas match the pydantic models, and records from the samples validate."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from curate.records import Message, Provenance, Record, Reject
from curate.schemas import MODELS, generate, render, write

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "schemas"
SAMPLES = ROOT / "samples"
HAS_API = importlib.util.find_spec("curate.api") is not None


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_committed_schema_matches_model(name: str) -> None:
    path = SCHEMAS / name
    assert path.exists(), f"schemas/{name} is missing: run `make schemas`"
    expected = render(generate()[name])
    assert path.read_text() == expected, (
        f"schemas/{name} has drifted from curate.records: run `make schemas` and commit it"
    )


def test_no_stale_schema_files() -> None:
    on_disk = {p.name for p in SCHEMAS.glob("*.schema.json")}
    assert on_disk == set(generate()), "schemas/ holds files the models no longer make: run `make schemas`"


def test_write_is_deterministic_and_ends_with_newline(tmp_path: Path) -> None:
    first = {p.name: p.read_bytes() for p in write(tmp_path / "a")}
    second = {p.name: p.read_bytes() for p in write(tmp_path / "b")}
    assert first == second
    assert set(first) == set(MODELS)
    for data in first.values():
        assert data.endswith(b"}\n")
        json.loads(data)


def test_schema_keys_are_sorted() -> None:
    text = (SCHEMAS / "message.schema.json").read_text()
    top = list(json.loads(text))
    assert top == sorted(top)
    assert top[0] == "$defs" and "$schema" in top


def _openai_records() -> list[Record]:
    """Records built straight from samples/openai_chat.jsonl with the models alone."""
    records = []
    path = SAMPLES / "openai_chat.jsonl"
    for number, line in enumerate(path.read_text().splitlines(), 1):
        row = json.loads(line)
        extra = {k: v for k, v in row.items() if k not in ("messages", "tools")}
        records.append(
            Record(
                messages=[Message(**m) for m in row["messages"]],
                tools=row.get("tools"),
                meta=extra,
                provenance=Provenance(
                    source_file=str(path), source_line=number, source_format="openai-jsonl"
                ),
            )
        )
    return records


def _alpaca_csv_records() -> list[Record]:
    records = []
    with open(SAMPLES / "chat.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            prompt = row["instruction"] + (f"\n\n{row['input']}" if row["input"] else "")
            records.append(
                Record(
                    messages=[Message(role="user", content=prompt),
                              Message(role="assistant", content=row["output"])],
                    meta={"category": row["category"], "difficulty": row["difficulty"]},
                )
            )
    return records


def _pair_records() -> list[Record]:
    records = []
    for line in (SAMPLES / "trl_preference.jsonl").read_text().splitlines():
        row = json.loads(line)
        if "prompt" not in row:
            continue
        records.append(
            Record(
                kind="preference",
                messages=[Message(**m) for m in row["prompt"]],
                chosen=[Message(**m) for m in row["chosen"]],
                rejected=[Message(**m) for m in row["rejected"]],
            )
        )
    return records


def test_sample_records_validate_against_record_schema() -> None:
    check = validator("record.schema.json")
    records = _openai_records() + _alpaca_csv_records() + _pair_records()
    assert len(records) > 30
    assert any(m.tool_calls for r in records for m in r.messages)
    for record in records:
        check.validate(record.model_dump(mode="json"))


def test_message_and_provenance_schemas_validate_their_parts() -> None:
    messages = validator("message.schema.json")
    provenance = validator("provenance.schema.json")
    for record in _openai_records():
        provenance.validate(record.provenance.model_dump(mode="json"))
        for m in record.messages:
            messages.validate(m.model_dump(mode="json", exclude_none=True))


BAD_RECORDS: list[tuple[str, dict[str, Any]]] = [
    ("unknown role", {"messages": [{"role": "robot", "content": "hi"}]}),
    ("weight 2", {"messages": [{"role": "assistant", "content": "x", "weight": 2}]}),
    ("unknown top-level key", {"messages": [], "score": 3}),
    ("unknown message key", {"messages": [{"role": "user", "content": "x", "ts": 1}]}),
    ("kind", {"kind": "pretraining"}),
    ("content number", {"messages": [{"role": "user", "content": 5}]}),
    ("tool call without name", {"messages": [
        {"role": "assistant", "content": None, "tool_calls": [{"function": {"arguments": "{}"}}]}
    ]}),
    ("origin", {"provenance": {"origin": "scraped"}}),
    ("tags not text", {"tags": {"difficulty": 3}}),
]


@pytest.mark.parametrize("data", [d for _, d in BAD_RECORDS], ids=[n for n, _ in BAD_RECORDS])
def test_schema_rejects_what_the_model_rejects(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Record.model_validate(data)
    with pytest.raises(jsonschema.ValidationError):
        validator("record.schema.json").validate(data)


def test_reject_schema_matches_model() -> None:
    check = validator("reject.schema.json")
    good = Reject(source="a.jsonl", line=3, code="invalid_json", message="Not JSON.", raw="{x")
    check.validate(good.model_dump(mode="json"))
    with pytest.raises(jsonschema.ValidationError):
        check.validate({"source": "a.jsonl", "line": 3, "code": "invalid_json"})


@pytest.mark.skipif(not HAS_API, reason="curate.api (the library reader) is not part of this tree yet")
def test_records_and_rejects_read_by_the_library_validate() -> None:
    from curate.api import read_all

    record_check = validator("record.schema.json")
    reject_check = validator("reject.schema.json")
    for name in ("openai_chat.jsonl", "sharegpt.json", "trl_preference.jsonl", "unpaired.jsonl"):
        result = read_all(SAMPLES / name)
        assert result.records
        for record in result.records:
            record_check.validate(record.model_dump(mode="json"))
    rejects = read_all(SAMPLES / "defects" / "bad_rows.jsonl", "openai-jsonl").rejects
    assert rejects
    for reject in rejects:
        reject_check.validate(reject.model_dump(mode="json"))
