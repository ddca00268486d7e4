"""The library API: read_records, read_all, detect_format, write_records, convert."""

from __future__ import annotations

import inspect as pyinspect
from pathlib import Path

import orjson
import pytest

from curate import api
from curate.errors import UnreadableInput, UsageError
from curate.records import Message, Provenance, Record, Reject

CHAT = {
    "messages": [
        {"role": "user", "content": "What does a Spark broadcast join do?"},
        {"role": "assistant", "content": "It ships the small table to every executor."},
    ],
    "source": "handbook",
}
TOOL_CHAT = {
    "messages": [
        {"role": "user", "content": "How many failed DAG runs yesterday?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "run_sql", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "3"},
        {"role": "assistant", "content": "Three."},
    ]
}


def jsonl(path: Path, *rows: object) -> Path:
    path.write_bytes(b"".join(r if isinstance(r, bytes) else orjson.dumps(r) + b"\n" for r in rows))
    return path


def test_the_contract_names_exist_with_their_signatures() -> None:
    params = {
        "read_records": ["path", "fmt"],
        "read_all": ["path", "fmt"],
        "detect_format": ["path", "sample"],
        "write_records": ["records", "path", "fmt"],
        "convert": ["input", "output", "to", "from_", "rejects_path"],
    }
    for name, expected in params.items():
        got = list(pyinspect.signature(getattr(api, name)).parameters)
        assert got[: len(expected)] == expected, name


def test_read_records_streams_records_and_rejects_with_provenance(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "d.jsonl", CHAT, b"\n", b"not json\n", CHAT)
    items = list(api.read_records(path))
    assert [type(i) for i in items] == [Record, Reject, Record]
    first, reject, last = items
    assert first.provenance == Provenance(
        origin="real", source_file=str(path), source_line=1, source_format="openai-jsonl"
    )
    assert last.provenance.source_line == 4
    assert first.meta == {"source": "handbook"}
    assert reject == Reject(
        source=str(path), line=3, code="invalid_json", message=reject.message, raw="not json"
    )


def test_read_records_is_lazy_but_reports_an_unreadable_file_at_once(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInput):
        api.read_records(tmp_path / "missing.jsonl")
    with pytest.raises(UsageError):
        api.read_records(jsonl(tmp_path / "d.jsonl", CHAT), fmt="no-such-format")
    big = jsonl(tmp_path / "big.jsonl", *([CHAT] * 3000))
    stream = api.read_records(big)
    assert isinstance(next(stream), Record)


def test_provenance_is_per_record_and_ids_ignore_it(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "d.jsonl", CHAT, CHAT)
    a, b = api.read_records(path)
    assert a.provenance is not b.provenance
    assert a.id == b.id == Record(messages=a.messages, tools=a.tools).id
    assert a.model_fields_set >= {"id", "messages"}
    assert "source_line" in a.provenance.model_fields_set
    assert a.provenance.model_dump(exclude_unset=True) == {
        "origin": "real",
        "source_file": str(path),
        "source_line": 1,
        "source_format": "openai-jsonl",
    }


def test_read_records_with_a_given_format(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "d.jsonl", {"instruction": "Explain XCom.", "input": "", "output": "Small messages."})
    (rec,) = api.read_records(path, fmt="alpaca")
    assert rec.provenance.source_format == "alpaca"
    (reject,) = api.read_records(path, fmt="openai-jsonl")
    assert reject.code == "missing_messages_list"


def test_read_all_collects_records_rejects_and_detection(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "d.jsonl", CHAT, TOOL_CHAT, b"{bad\n")
    result = api.read_all(path)
    assert len(result.records) == 2 and [r.code for r in result.rejects] == ["invalid_json"]
    assert result.read == 3
    assert result.detection is not None and result.detection.format == "openai-jsonl"
    assert result.format == "openai-jsonl"


def test_detect_format_over_a_sample(tmp_path: Path) -> None:
    alpaca = {"instruction": "i", "output": "o"}
    path = jsonl(tmp_path / "d.jsonl", alpaca, *([CHAT] * 30))
    detection = api.detect_format(path)
    assert detection.format == "openai-jsonl" and detection.sampled == 31
    assert detection.mixed == {"openai-jsonl": 30, "alpaca": 1}
    assert api.detect_format(path, sample=1).format == "alpaca"
    empty = tmp_path / "e.jsonl"
    empty.write_bytes(b"")
    assert api.detect_format(empty).format is None


def test_write_records_returns_rejects_for_what_the_target_cannot_hold(tmp_path: Path) -> None:
    records = api.read_all(jsonl(tmp_path / "d.jsonl", CHAT, TOOL_CHAT)).records
    result = api.write_records(records, tmp_path / "out.json", "alpaca")
    assert result.written == 1
    (reject,) = result.rejects
    assert reject.code == "unsupported_in_target"
    assert reject.line == 2 and reject.source == str(tmp_path / "d.jsonl")
    assert orjson.loads(reject.raw)["messages"][1]["tool_calls"][0]["function"]["name"] == "run_sql"


def test_write_records_without_provenance_numbers_records_from_one(tmp_path: Path) -> None:
    turns = [Message(role="user", content="q"), Message(role="assistant", content="a")]
    good = Record(messages=turns)
    bad = Record(messages=turns, meta={"note": "\ud800"})  # meta is written back, not hashed
    result = api.write_records([good, bad], tmp_path / "out.jsonl", "openai-jsonl")
    assert result.written == 1
    (reject,) = result.rejects
    assert (reject.code, reject.line, reject.source) == ("invalid_encoding", 2, f"record {bad.id}")


@pytest.mark.parametrize("ext", ["jsonl", "json", "csv", "parquet", "jsonl.gz"])
def test_records_round_trip_through_every_container(tmp_path: Path, ext: str) -> None:
    # every row has the same extra fields: a CSV cell cannot tell an absent field from ""
    tool_chat = {**TOOL_CHAT, "source": "runbook"}
    records = api.read_all(jsonl(tmp_path / "d.jsonl", CHAT, tool_chat)).records
    out = tmp_path / f"out.{ext}"
    assert api.write_records(records, out, "openai-jsonl").written == 2
    back = api.read_all(out, "openai-jsonl").records
    assert [r.id for r in back] == [r.id for r in records]
    assert [r.meta for r in back] == [r.meta for r in records]


def test_convert_is_exported_with_its_summary(tmp_path: Path) -> None:
    summary = api.convert(jsonl(tmp_path / "d.jsonl", CHAT), tmp_path / "o.jsonl", "sharegpt")
    assert isinstance(summary, api.ConvertSummary)
    assert (summary.read, summary.written, summary.rejected) == (1, 1, 0)
    data = summary.to_dict()
    for key in ("detected_format", "read", "written", "rejected", "rejects_path", "reasons"):
        assert key in data


def test_the_api_is_a_facade_that_nothing_inside_curate_imports() -> None:
    import ast
    import importlib

    import curate
    from curate import sink, source

    root = Path(curate.__file__).parent
    importers = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names] if isinstance(node, ast.Import)
                else [f"{node.module}.{a.name}" for a in node.names]
                if isinstance(node, ast.ImportFrom) and node.module else []
            )
            if any(n == "curate.api" or n.startswith("curate.api.") for n in names):
                importers.append(path.relative_to(root).as_posix())
    assert importers == []
    assert api.read_all is source.read_all and api.read_records is source.read_records
    assert api.write_records is sink.write_records and api.detect_format is source.detect_format
    for name, module in api.STAGES.items():
        assert name in api.__all__
        assert getattr(api, name) is getattr(importlib.import_module(module), name)
    with pytest.raises(AttributeError):
        api.no_such_stage  # noqa: B018
