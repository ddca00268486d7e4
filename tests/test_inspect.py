"""`inspect_file` statistics and the token estimate."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from curate.errors import UsageError
from curate.inspect import inspect_file, summarize, training_text
from curate.records import Message, Record
from curate.tokens import estimate_tokens, token_counter

EN = [
    {"role": "system", "content": "You are a data engineer."},
    {"role": "user", "content": "Why does my Spark job shuffle so much data between stages?"},
    {"role": "assistant", "content": "Wide transformations such as groupBy and join move rows across the network."},
]
DE = [
    {"role": "user", "content": "Warum ist mein Kafka Consumer so langsam bei der Verarbeitung?"},
    {"role": "assistant", "content": "Vermutlich hat die Gruppe zu wenige Partitionen für die Anzahl der Consumer."},
]
TOOL = [
    {"role": "user", "content": "How many rows does the events table have today?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "run_sql", "arguments": '{"q": 1}'}}],
    },
    {"role": "tool", "tool_call_id": "c1", "content": "1200"},
    {"role": "assistant", "content": "The events table has 1200 rows today."},
]
TOOLS = [{"type": "function", "function": {"name": "run_sql", "parameters": {"type": "object"}}}]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    rows = [{"messages": EN}] * 3 + [{"messages": DE}] * 2 + [{"messages": TOOL, "tools": TOOLS}]
    lines = [orjson.dumps(r) for r in rows] + [b"{broken", orjson.dumps({"messages": EN[:2]})]
    path = tmp_path / "chat.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_counts_kinds_roles_turns_and_rejects(dataset: Path) -> None:
    report = inspect_file(dataset)
    assert (report.format, report.read, report.records, report.rejected) == ("openai-jsonl", 8, 6, 2)
    assert report.kinds == {"sft": 6}
    assert report.roles == {"user": 6, "assistant": 7, "system": 3, "tool": 1}
    assert report.turns == {"min": 2, "median": 3.0, "mean": 2.8, "p95": 4, "max": 4}
    assert report.rejects == {"invalid_json": 1, "example_missing_assistant_message": 1}
    assert [e["line"] for e in report.reject_examples] == [7, 8]
    # every sampled row looks like openai-jsonl, and one of the seven does not parse as it
    assert report.detection.confidence == 6 / 7
    assert report.detection.failures == {"example_missing_assistant_message": 1}


def test_lengths_in_characters_and_estimated_tokens(dataset: Path) -> None:
    report = inspect_file(dataset)
    # contents joined by newlines; a tool call counts its name and arguments
    tool_text = "\n".join([TOOL[0]["content"], "\nrun_sql\n{\"q\": 1}", "1200", TOOL[3]["content"]])
    assert report.chars is not None
    assert report.chars["max"] == len("\n".join(m["content"] for m in EN))
    assert report.chars["min"] == len(tool_text)
    assert report.tokens is not None and 0 < report.tokens["min"] < report.chars["min"]
    assert report.tokenizer == "estimate"


def test_tools_and_languages(dataset: Path) -> None:
    report = inspect_file(dataset)
    assert report.tools == {
        "records_with_tools": 1,
        "records_with_tool_calls": 1,
        "defined": {"run_sql": 1},
        "called": {"run_sql": 1},
    }
    assert report.languages == {"en": 4, "de": 2}
    assert report.language_sampled == 6
    assert inspect_file(dataset, language_sample=0).languages == {}


def test_language_sample_is_bounded_and_reproducible(tmp_path: Path) -> None:
    rows = [{"messages": EN}] * 40 + [{"messages": DE}] * 40
    path = tmp_path / "many.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in rows))
    first = inspect_file(path, language_sample=10)
    assert first.language_sampled == 10 and sum(first.languages.values()) == 10
    assert inspect_file(path, language_sample=10).languages == first.languages


def test_with_a_target_the_rows_it_cannot_hold_count_as_rejects(dataset: Path) -> None:
    report = inspect_file(dataset, to="alpaca")
    assert report.rejects == {"invalid_json": 1, "example_missing_assistant_message": 1, "unsupported_in_target": 1}
    assert report.target == "alpaca" and report.records == 6


def test_read_and_conversion_counts_each_add_up(dataset: Path) -> None:
    plain = inspect_file(dataset)
    assert (plain.read, plain.records, plain.rejected, plain.target_rejected) == (8, 6, 2, 0)
    assert plain.would_convert is None and plain.would_reject is None
    report = inspect_file(dataset, to="alpaca")
    assert (report.read, report.records, report.rejected) == (8, 6, 2)  # the read itself
    assert (report.target_rejected, report.would_convert, report.would_reject) == (1, 5, 3)
    assert report.read == report.records + report.rejected
    assert report.read == report.would_convert + report.would_reject
    assert sum(report.rejects.values()) == report.would_reject
    data = report.to_dict()
    assert (data["rejected"], data["target_rejected"], data["would_convert"]) == (2, 1, 5)


def test_empty_file_and_unknown_tokenizer(tmp_path: Path) -> None:
    empty = tmp_path / "e.jsonl"
    empty.write_bytes(b"")
    report = inspect_file(empty)
    assert (report.read, report.records, report.turns, report.format) == (0, 0, None, None)
    data = report.to_dict()
    assert data["read"] == 0 and data["detected_format"] is None
    with pytest.raises(UsageError, match="tokenizer file"):
        inspect_file(empty, tokenizer=tmp_path / "nope.json")


def test_a_tokenizer_json_gives_exact_counts(tmp_path: Path, dataset: Path) -> None:
    tokenizers = pytest.importorskip("tokenizers")
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    count = token_counter(path)
    assert count("one two three") == 3
    report = inspect_file(dataset, tokenizer=path)
    assert report.tokenizer == str(path) and report.tokens is not None
    with pytest.raises(UsageError, match="not a tokenizer.json"):
        token_counter(dataset)


def test_training_text_of_a_preference_record_takes_the_longer_answer() -> None:
    rec = Record(
        kind="preference",
        messages=[Message(role="user", content="Q")],
        chosen=[Message(role="assistant", content="short")],
        rejected=[Message(role="assistant", content="a longer answer")],
    )
    assert training_text(rec) == "Q\na longer answer"


def test_summarize() -> None:
    from array import array

    assert summarize(array("q")) is None
    assert summarize(array("q", [5, 1, 3])) == {"min": 1, "median": 3, "mean": 3.0, "p95": 5, "max": 5}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("   \n\t", 0),
        ("Kafka", 1),
        ("partitions", 2),
        ("SELECT 12345;", 4),
        ("数据工程", 4),
        ("snake_case", 3),
    ],
)
def test_estimate_tokens(text: str, expected: int) -> None:
    assert estimate_tokens(text) == expected
