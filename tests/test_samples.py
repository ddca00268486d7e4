"""The bundled samples: they parse with plain tools, read with no rejects, and the planted
defects give exactly the reason codes documented in samples/defects/EXPECTED.json."""

from __future__ import annotations

import csv
import importlib.util
import json
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from curate.errors import REASONS

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
DEFECTS = SAMPLES / "defects"
HAS_API = importlib.util.find_spec("curate.api") is not None
needs_api = pytest.mark.skipif(
    not HAS_API, reason="curate.api (the library reader) is not part of this tree yet"
)

# sample file -> the format name users type
SAMPLE_FORMATS = {
    "alpaca.json": "alpaca",
    "openai_chat.jsonl": "openai-jsonl",
    "sharegpt.json": "sharegpt",
    "sharegpt_tools.json": "sharegpt",
    "completion.jsonl": "completion",
    "trl_preference.jsonl": "trl-preference",
    "trl_preference_text.jsonl": "trl-preference",
    "openai_preference.jsonl": "openai-preference",
    "sharegpt_preference.json": "sharegpt-preference",
    "hh_transcript.jsonl": "hh-transcript",
    "unpaired.jsonl": "unpaired",
    "chat.csv": "alpaca",
    "chat.parquet": "openai-jsonl",
}
CATEGORIES = {"spark", "kafka", "airflow", "sql", "dbt", "flink", "postgres", "data-modelling",
              "python", "data-quality"}
DIFFICULTIES = {"beginner", "intermediate", "advanced"}
EXPECTED: dict[str, dict[str, Any]] = json.loads((DEFECTS / "EXPECTED.json").read_text())
# defect files whose expected outcome the readers do not give yet (strict: fails once fixed)
KNOWN_GAPS: dict[str, str] = {}


def plain_rows(path: Path) -> list[Any]:
    """The rows of a file, read with the standard library or pyarrow only."""
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    if path.suffix == ".json":
        return json.loads(path.read_text("utf-8"))
    if path.suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    raise AssertionError(f"no plain reader for {path}")


def load_script(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# plain parsing: no curate reader involved ---------------------------------------------------


@pytest.mark.parametrize("name", sorted(SAMPLE_FORMATS))
def test_sample_parses_with_plain_tools(name: str) -> None:
    rows = plain_rows(SAMPLES / name)
    assert 12 <= len(rows) <= 40
    assert all(isinstance(r, dict) for r in rows)
    tagged = [r for r in rows if "category" in r]
    assert len(tagged) >= len(rows) // 2
    for row in tagged:
        assert row["category"] in CATEGORIES
        assert row["difficulty"] in DIFFICULTIES


def test_every_sample_file_is_listed() -> None:
    on_disk = {p.name for p in SAMPLES.iterdir() if p.suffix in {".json", ".jsonl", ".csv", ".parquet"}}
    assert on_disk == set(SAMPLE_FORMATS)


def test_alpaca_sample_has_inputs_history_and_system() -> None:
    rows = plain_rows(SAMPLES / "alpaca.json")
    assert any(r["input"] for r in rows) and any(not r["input"] for r in rows)
    assert any(r.get("history") for r in rows)
    assert any(r.get("system") for r in rows)
    assert any(r.get("system") and r.get("history") for r in rows)


def test_openai_sample_has_tools_weights_and_several_turns() -> None:
    rows = plain_rows(SAMPLES / "openai_chat.jsonl")
    with_tools = [
        r for r in rows
        if r.get("tools")
        and any(m.get("tool_calls") for m in r["messages"])
        and any(m["role"] == "tool" and m.get("tool_call_id") for m in r["messages"])
    ]
    assert len(with_tools) >= 2
    calls = {c["id"] for r in with_tools for m in r["messages"] for c in m.get("tool_calls") or []}
    answered = {m["tool_call_id"] for r in with_tools for m in r["messages"] if m["role"] == "tool"}
    assert calls == answered
    weighted = [r for r in rows if any(m.get("weight") == 0 for m in r["messages"][:-1])]
    assert len(weighted) >= 2
    assert all(r["messages"][-1]["role"] == "assistant" for r in rows)
    multi = [r for r in rows if sum(m["role"] == "user" for m in r["messages"]) >= 2]
    assert len(multi) >= 3
    assert any(r["messages"][0]["role"] == "system" for r in rows)


def test_sharegpt_sample_roles_and_tool_turns() -> None:
    rows = plain_rows(SAMPLES / "sharegpt.json")
    speakers = {t["from"] for r in rows for t in r["conversations"]}
    assert speakers == {"human", "gpt", "system", "function_call", "observation"}
    tool_rows = [r for r in rows if "tools" in r]
    assert tool_rows
    for row in tool_rows:
        assert isinstance(json.loads(row["tools"]), list)
        for turn in row["conversations"]:
            if turn["from"] == "function_call":
                assert {"name", "arguments"} <= set(json.loads(turn["value"]))


def test_preference_samples_have_both_shapes() -> None:
    conversational = plain_rows(SAMPLES / "trl_preference.jsonl")
    assert all(isinstance(r["chosen"], list) for r in conversational)
    assert any("prompt" not in r for r in conversational), "the implicit-prompt variant"
    text = plain_rows(SAMPLES / "trl_preference_text.jsonl")
    assert all(isinstance(r[k], str) for r in text for k in ("prompt", "chosen", "rejected"))
    for row in conversational + text:
        assert row["chosen"] != row["rejected"]
    for row in plain_rows(SAMPLES / "hh_transcript.jsonl"):
        assert row["chosen"].startswith("\n\nHuman: ") and "\n\nAssistant: " in row["chosen"]
        assert row["chosen"] != row["rejected"]
    for row in plain_rows(SAMPLES / "openai_preference.jsonl"):
        assert row["input"]["messages"][-1]["role"] == "user"
        assert row["preferred_output"][0]["role"] == "assistant"
    labels = [r["label"] for r in plain_rows(SAMPLES / "unpaired.jsonl")]
    assert set(labels) == {True, False} and all(isinstance(x, bool) for x in labels)


def test_csv_sample_keeps_missing_value_markers_as_text() -> None:
    cells = {v for r in plain_rows(SAMPLES / "chat.csv") for v in r.values()}
    assert {"NA", "None", "null", "NULL"} <= cells


def test_parquet_sample_matches_its_script() -> None:
    script = load_script(SAMPLES / "make_parquet.py")
    assert plain_rows(SAMPLES / "chat.parquet") == script.ROWS


def test_defect_files_match_their_generator() -> None:
    script = load_script(DEFECTS / "make_defects.py")
    built = script.build()
    on_disk = {p.name for p in DEFECTS.iterdir() if p.suffix != ".py" and p.is_file()}
    assert on_disk == set(built), "run samples/defects/make_defects.py"
    for name, data in built.items():
        assert (DEFECTS / name).read_bytes() == data, f"{name} differs: run make_defects.py"


def test_defect_files_hold_the_planted_bytes() -> None:
    assert (DEFECTS / "bom.jsonl").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (DEFECTS / "empty.jsonl").stat().st_size == 0
    bad = (DEFECTS / "bad_rows.jsonl").read_bytes()
    assert not bad.endswith(b"\n")
    assert b"\\ud800" in bad
    with pytest.raises(UnicodeDecodeError):
        bad.decode("utf-8")
    huge = (DEFECTS / "huge_line.jsonl").read_bytes().split(b"\n")
    assert 1_000_000 < max(len(x) for x in huge) <= 2_000_000


def test_expected_outcomes_are_consistent() -> None:
    for name, entry in EXPECTED.items():
        assert (DEFECTS / name).exists()
        assert entry["read"] == entry["accepted"] + len(entry["rejects"])
        assert set(entry["rejects"].values()) <= set(REASONS), name
        assert all(1 <= int(line) <= entry["read"] for line in entry["rejects"])
    codes = {c for e in EXPECTED.values() for c in e["rejects"].values()}
    assert codes >= {
        "invalid_json", "invalid_encoding", "data_type", "missing_messages_list",
        "message_missing_key", "message_unrecognized_key", "unrecognized_role",
        "missing_content", "example_missing_assistant_message", "non_alternating_turns",
        "truncated_row",
    }


# through the library ------------------------------------------------------------------------


@needs_api
@pytest.mark.parametrize("name", sorted(SAMPLE_FORMATS))
def test_sample_is_detected_and_reads_without_rejects(name: str) -> None:
    from curate.api import detect_format, read_all

    path = SAMPLES / name
    expected = SAMPLE_FORMATS[name]
    detection = detect_format(path)
    assert detection.format == expected
    assert detection.confidence >= 0.9
    result = read_all(path)
    assert result.rejects == []
    rows = plain_rows(path)
    assert len(result.records) == len(rows)
    for number, (record, row) in enumerate(zip(result.records, rows, strict=True), 1):
        assert record.provenance.source_format == expected
        assert record.provenance.source_line == number
        assert record.provenance.origin == "real"
        assert Path(record.provenance.source_file or "").name == name
        if "category" in row:
            kept = record.meta.get("category") or record.tags.get("category")
            assert kept == row["category"]


@needs_api
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[n]))
        if n in KNOWN_GAPS
        else n
        for n in sorted(EXPECTED)
    ],
)
def test_defect_file_gives_the_expected_reason_codes(name: str) -> None:
    from curate.api import read_all

    entry = EXPECTED[name]
    path = DEFECTS / name
    result = read_all(path, entry["format"])
    got = {str(r.line): r.code for r in result.rejects}
    assert got == entry["rejects"]
    assert len(result.records) == entry["accepted"]
    assert len(result.records) + len(result.rejects) == entry["read"]
    for reject in result.rejects:
        assert Path(reject.source).name == name
        assert reject.message.strip()
        assert reject.raw.strip()


@needs_api
def test_bom_file_is_detected() -> None:
    from curate.api import detect_format

    detection = detect_format(DEFECTS / "bom.jsonl")
    assert (detection.format, detection.sampled) == ("openai-jsonl", 3)


@needs_api
def test_missing_value_markers_stay_text_through_the_reader() -> None:
    from curate.api import read_all

    result = read_all(DEFECTS / "na_cells.csv", "alpaca")
    rows = plain_rows(DEFECTS / "na_cells.csv")
    assert len(result.records) == len(rows)
    for record, row in zip(result.records, rows, strict=True):
        user, answer = record.messages[-2], record.messages[-1]
        assert answer.content == row["output"]
        assert user.content == row["instruction"] + (f"\n\n{row['input']}" if row["input"] else "")


@needs_api
def test_huge_line_is_read_whole() -> None:
    from curate.api import read_all

    result = read_all(DEFECTS / "huge_line.jsonl", "openai-jsonl")
    answer = result.records[1].messages[-1].content or ""
    assert len(answer) > 1_000_000
    days = (date(2099, 12, 31) - date(1990, 1, 1)).days + 1
    assert answer.count("\n('") == days
    assert "('2099-12-31', 2099, 12, 31, 4, false);" in answer[-100:]
