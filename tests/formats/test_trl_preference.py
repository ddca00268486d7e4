"""trl-preference: standard, conversational and implicit-prompt rows, reason codes, round trips."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.errors import RowError
from curate.formats import get_format
from curate.formats.common import LAYOUT_KEY
from curate.formats.trl_preference import KNOWN, split_text
from curate.records import Message, Record

try:
    from . import preference_strategies as S
except ImportError:
    import preference_strategies as S  # type: ignore[no-redef]

FMT = get_format("trl-preference")
U = {"role": "user", "content": "Which is faster for point lookups, Parquet or Avro?"}
A = {"role": "assistant", "content": "Neither; use a key-value store."}
B = {"role": "assistant", "content": "Avro, always."}


def code_of(row: Any) -> str:
    with pytest.raises(RowError) as info:
        FMT.parse(row)
    return info.value.code


def test_aliases_find_the_format() -> None:
    assert get_format("dpo") is FMT and get_format("trl-dpo") is FMT


def test_standard_row_is_a_text_record() -> None:
    rec = FMT.parse({"prompt": "SELECT 1", "chosen": " returns 1", "rejected": " fails"})
    assert rec.kind == "preference" and rec.text
    assert [(m.role, m.content) for m in rec.messages] == [("user", "SELECT 1")]
    assert rec.chosen[0].content == " returns 1" and rec.rejected[0].content == " fails"


def test_conversational_row_keeps_turns_tools_and_extras() -> None:
    tools = [{"type": "function", "function": {"name": "run_sql"}}]
    row = {"prompt": [U], "chosen": [A], "rejected": [B], "tools": tools, "source": "forum"}
    rec = FMT.parse(row)
    assert not rec.text and rec.tools == tools and rec.meta == {"source": "forum"}
    assert FMT.render(rec) == row


def test_implicit_conversation_splits_at_the_longest_shared_turns() -> None:
    row = {"chosen": [U, A, U, A], "rejected": [U, A, U, B]}
    rec = FMT.parse(row)
    assert len(rec.messages) == 3 and rec.chosen[0].content == A["content"]
    assert rec.meta[LAYOUT_KEY] == {"trl-preference": "implicit"}
    assert FMT.render(rec) == row


def test_implicit_conversation_keeps_one_turn_per_side() -> None:
    rec = FMT.parse({"chosen": [U, A], "rejected": [U, A, U, B]})
    assert [m.role for m in rec.messages] == ["user"]
    assert len(rec.chosen) == 1 and len(rec.rejected) == 3


def test_implicit_text_splits_at_a_word_boundary() -> None:
    rec = FMT.parse(
        {"chosen": "Kafka keeps order per partition", "rejected": "Kafka keeps order per topic"}
    )
    assert rec.text and rec.messages[0].content == "Kafka keeps order per"
    assert rec.chosen[0].content == " partition" and rec.rejected[0].content == " topic"


def test_split_text_needs_text_on_both_sides_of_the_boundary() -> None:
    assert split_text("a b", "a c") == 1
    assert split_text("ab", "ac") is None
    assert split_text(" x", " y") is None


def test_prompt_of_another_kind_means_implicit_and_is_kept() -> None:
    # UltraFeedback-style: a text prompt beside whole conversations (TRL's maybe_extract_prompt).
    row = {"prompt": U["content"], "chosen": [U, A], "rejected": [U, B], "score_chosen": 8.0}
    rec = FMT.parse(row)
    assert [m.content for m in rec.messages] == [U["content"]]
    assert rec.meta["prompt"] == U["content"] and rec.meta["score_chosen"] == 8.0
    assert FMT.render(rec) == row


def test_tools_as_json_string_and_null() -> None:
    rec = FMT.parse({"prompt": [U], "chosen": [A], "rejected": [B], "tools": '[{"name": "f"}]'})
    assert rec.tools == [{"name": "f"}]
    row = {"prompt": [U], "chosen": [A], "rejected": [B], "tools": None}
    assert FMT.render(FMT.parse(row)) == row


def test_text_record_with_a_system_turn_is_written_as_messages() -> None:
    rec = Record(
        kind="preference",
        text=True,
        messages=[Message(role="system", content="be brief"), Message(role="user", content="q")],
        chosen=[Message(role="assistant", content="a")],
        rejected=[Message(role="assistant", content="b")],
    )
    row = FMT.render(rec)
    assert isinstance(row["prompt"], list) and len(row["prompt"]) == 2


@pytest.mark.parametrize(
    "record",
    [
        Record(
            messages=[Message(role="user", content="q"), Message(role="assistant", content="a")]
        ),
        Record(
            kind="unpaired",
            label=True,
            messages=[Message(role="user", content="q"), Message(role="assistant", content="a")],
        ),
    ],
)
def test_writer_refuses_records_without_a_pair(record: Record) -> None:
    with pytest.raises(RowError) as info:
        FMT.render(record)
    assert info.value.code == "unsupported_in_target" and "no rejected answer" in info.value.message


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ([1, 2], "data_type"),
        ({}, "empty_row"),
        ({"prompt": "q", "chosen": "a"}, "missing_field"),
        ({"prompt": "q", "rejected": "b"}, "missing_field"),
        ({"prompt": "q", "chosen": None, "rejected": "b"}, "missing_content"),
        ({"prompt": "q", "chosen": 3, "rejected": "b"}, "data_type"),
        ({"prompt": "q", "chosen": {"text": "a"}, "rejected": "b"}, "data_type"),
        ({"prompt": "q", "chosen": "a", "rejected": [B]}, "data_type"),
        ({"prompt": None, "chosen": "a", "rejected": "b"}, "missing_content"),
        ({"prompt": 7, "chosen": "a", "rejected": "b"}, "data_type"),
        ({"prompt": "", "chosen": "a", "rejected": "b"}, "missing_content"),
        ({"prompt": "q", "chosen": "  ", "rejected": "b"}, "missing_content"),
        ({"prompt": "q", "chosen": "same", "rejected": "same"}, "invalid_preference"),
        ({"prompt": [], "chosen": [A], "rejected": [B]}, "missing_messages_list"),
        ({"prompt": [U], "chosen": [], "rejected": [B]}, "missing_content"),
        ({"prompt": [U], "chosen": [A], "rejected": [A]}, "invalid_preference"),
        (
            {"prompt": [U], "chosen": [{"role": "robot", "content": "x"}], "rejected": [B]},
            "unrecognized_role",
        ),
        (
            {"prompt": [{"role": ["user"], "content": "x"}], "chosen": [A], "rejected": [B]},
            "data_type",
        ),
        ({"prompt": [{"content": "x"}], "chosen": [A], "rejected": [B]}, "message_missing_key"),
        (
            {
                "prompt": [{"role": "user", "content": "x", "mood": 1}],
                "chosen": [A],
                "rejected": [B],
            },
            "message_unrecognized_key",
        ),
        ({"prompt": [{"role": "user", "content": 5}], "chosen": [A], "rejected": [B]}, "data_type"),
        (
            {"prompt": [{"role": "user", "content": None}], "chosen": [A], "rejected": [B]},
            "missing_content",
        ),
        ({"prompt": ["hi"], "chosen": [A], "rejected": [B]}, "data_type"),
        (
            {"prompt": [U], "chosen": [{"role": "assistant", "content": ""}], "rejected": [B]},
            "missing_content",
        ),
        ({"prompt": [U], "chosen": [U], "rejected": [B]}, "example_missing_assistant_message"),
        (
            {"prompt": [U], "chosen": [{"role": "system", "content": "x"}, A], "rejected": [B]},
            "unrecognized_role",
        ),
        (
            {
                "prompt": [U],
                "chosen": [{"role": "assistant", "tool_calls": [{"function": {}}]}],
                "rejected": [B],
            },
            "invalid_tool_call",
        ),
        ({"prompt": [U], "chosen": [A], "rejected": [B], "tools": "not json"}, "data_type"),
        ({"prompt": [U], "chosen": [A], "rejected": [B], "tools": [1]}, "data_type"),
        ({"chosen": "cats", "rejected": "dogs"}, "invalid_preference"),
        ({"chosen": "same text", "rejected": "same text"}, "invalid_preference"),
        ({"chosen": [A], "rejected": [B]}, "invalid_preference"),
        ({"chosen": [U, A], "rejected": [U, A]}, "invalid_preference"),
        ({"chosen": [U, A], "rejected": [U, U]}, "example_missing_assistant_message"),
    ],
)
def test_bad_rows_get_their_reason_code(row: Any, code: str) -> None:
    assert code_of(row) == code


# --- round trips -------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(S.text, S.answer_pair(), S.extras(KNOWN))
def test_standard_rows_round_trip(
    prompt: str, pair: tuple[str, str], extra: dict[str, Any]
) -> None:
    row = {"prompt": prompt, "chosen": pair[0], "rejected": pair[1], **extra}
    rec = FMT.parse(row)
    assert rec.text and FMT.render(rec) == row


@st.composite
def conversational_rows(draw: st.DrawFn) -> dict[str, Any]:
    prompt = draw(S.prompt_turns())
    side = st.lists(S.chat_message("assistant"), min_size=1, max_size=2)
    good = draw(side)
    bad = draw(side.filter(lambda x: x != good))
    row: dict[str, Any] = {"prompt": prompt, "chosen": good, "rejected": bad}
    if draw(st.booleans()):
        row["tools"] = draw(S.tools_list())
    return {**row, **draw(S.extras(KNOWN))}


@settings(max_examples=100, deadline=None)
@given(conversational_rows())
def test_conversational_rows_round_trip(row: dict[str, Any]) -> None:
    rec = FMT.parse(row)
    assert not rec.text and FMT.render(rec) == row
    assert FMT.parse(FMT.render(rec)).id == rec.id


@settings(max_examples=100, deadline=None)
@given(conversational_rows())
def test_implicit_conversations_round_trip(explicit: dict[str, Any]) -> None:
    prompt = explicit.pop("prompt")
    row = {
        **explicit,
        "chosen": prompt + explicit["chosen"],
        "rejected": prompt + explicit["rejected"],
    }
    rec = FMT.parse(row)
    assert FMT.render(rec) == row
    if explicit["chosen"][0] != explicit["rejected"][0]:
        assert S.dicts(rec.messages) == prompt


@settings(max_examples=100, deadline=None)
@given(
    S.text.filter(lambda s: not s[-1].isspace()),
    S.answer_pair(S.text.map(" ".__add__)),
    S.extras(KNOWN),
)
def test_implicit_text_rows_round_trip(
    prompt: str, pair: tuple[str, str], extra: dict[str, Any]
) -> None:
    row = {"chosen": prompt + pair[0], "rejected": prompt + pair[1], **extra}
    rec = FMT.parse(row)
    assert rec.text and FMT.render(rec) == row
    assert rec.messages[0].content + rec.chosen[0].content == row["chosen"]
