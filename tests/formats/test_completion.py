"""The completion reader (text and TRL conversational) and its writer."""

from __future__ import annotations

from typing import Any

import pytest

from curate.convert import chosen_side
from curate.errors import RowError
from curate.formats import get_format
from curate.formats.completion import FORMAT
from curate.formats.openai_chat import FORMAT as OPENAI
from curate.records import Message, Record

U = {"role": "user", "content": "What does VACUUM do in Postgres?"}
A = {"role": "assistant", "content": "It reclaims dead tuples."}


def code_of(row: Any) -> str:
    with pytest.raises(RowError) as info:
        FORMAT.parse(row)
    return info.value.code


def render_code(record: Record) -> str:
    with pytest.raises(RowError) as info:
        FORMAT.render(record)
    return info.value.code


def msg(role: str, content: str | None, **kw: Any) -> Message:
    return Message(role=role, content=content, **kw)  # type: ignore[arg-type]


def test_alias() -> None:
    assert get_format("prompt-completion") is FORMAT


def test_text_rows_keep_whitespace_exactly() -> None:
    row = {
        "prompt": "Summarise: Kafka retention\n\n###\n\n",
        "completion": " Seven days by default.\n",
        "source": "docs",
    }
    rec = FORMAT.parse(row)
    assert rec.text and rec.kind == "sft"
    assert [(m.role, m.content) for m in rec.messages] == [
        ("user", row["prompt"]),
        ("assistant", row["completion"]),
    ]
    assert rec.meta == {"source": "docs"}
    assert FORMAT.render(rec) == row


def test_conversational_rows() -> None:
    row = {"prompt": [{"role": "system", "content": "Be brief."}, U], "completion": [A]}
    rec = FORMAT.parse(row)
    assert not rec.text
    assert [m.role for m in rec.messages] == ["system", "user", "assistant"]
    assert FORMAT.render(rec) == row


def test_conversational_prompt_may_end_with_a_tool_result() -> None:
    call = {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"type": "function", "function": {"name": "stats", "arguments": "{}"}}],
    }
    row = {
        "prompt": [U, call, {"role": "tool", "content": "n=3"}],
        "completion": [A],
        "tools": [{"type": "function"}],
    }
    rec = FORMAT.parse(row)
    assert rec.tools == [{"type": "function"}]
    assert FORMAT.render(rec) == row


BAD_ROWS = [
    ("prompt", "data_type"),
    ({}, "empty_row"),
    ({"completion": "x"}, "missing_field"),
    ({"prompt": "x"}, "missing_field"),
    ({"prompt": None, "completion": "x"}, "missing_content"),
    ({"prompt": "x", "completion": None}, "missing_content"),
    ({"prompt": "", "completion": "x"}, "missing_content"),
    ({"prompt": "x", "completion": "  \n"}, "missing_content"),
    ({"prompt": 1, "completion": "x"}, "data_type"),
    ({"prompt": "x", "completion": {"text": "y"}}, "data_type"),
    ({"prompt": "x", "completion": [A]}, "data_type"),
    ({"prompt": [U], "completion": "y"}, "data_type"),
    ({"prompt": [], "completion": [A]}, "missing_messages_list"),
    ({"prompt": [U], "completion": []}, "missing_messages_list"),
    ({"prompt": [U], "completion": [U]}, "unrecognized_role"),
    ({"prompt": [U], "completion": [A, {"role": "tool", "content": "r"}]}, "unrecognized_role"),
    ({"prompt": [U, A], "completion": [A]}, "non_alternating_turns"),
    ({"prompt": [{"role": "human", "content": "q"}], "completion": [A]}, "unrecognized_role"),
    ({"prompt": [{**U, "lang": "en"}], "completion": [A]}, "message_unrecognized_key"),
    ({"prompt": [{"role": "user"}], "completion": [A]}, "message_missing_key"),
    ({"prompt": [U], "completion": [{"role": "assistant", "content": None}]}, "missing_content"),
    ({"prompt": ["q"], "completion": [A]}, "data_type"),
    ({"prompt": [U], "completion": [A], "tools": "x"}, "data_type"),
]


@pytest.mark.parametrize(("row", "code"), BAD_ROWS)
def test_bad_rows_get_their_reason_code(row: Any, code: str) -> None:
    assert code_of(row) == code


def test_chat_records_are_written_as_message_lists() -> None:
    rec = OPENAI.parse(
        {
            "messages": [
                {"role": "system", "content": "s"},
                U,
                A,
                {"role": "user", "content": "More?"},
                A,
            ]
        }
    )
    out = FORMAT.render(rec)
    assert out == {
        "prompt": [{"role": "system", "content": "s"}, U, A, {"role": "user", "content": "More?"}],
        "completion": [A],
    }
    assert FORMAT.parse(out).id == rec.id


@pytest.mark.parametrize(
    "record",
    [
        Record(messages=[msg("user", "q")]),
        Record(messages=[msg("assistant", "a")]),
        Record(text=True, messages=[msg("system", "s"), msg("user", "q"), msg("assistant", "a")]),
        Record(text=True, messages=[msg("user", "q"), msg("assistant", "a", weight=1)]),
        Record(
            kind="unpaired",
            label=False,
            text=True,
            messages=[msg("user", "q"), msg("assistant", "a")],
        ),
    ],
)
def test_records_completion_cannot_hold_are_rejected(record: Record) -> None:
    assert render_code(record) == "unsupported_in_target"


def test_text_preference_is_rejected_and_its_chosen_side_renders() -> None:
    pair = Record(
        kind="preference",
        text=True,
        messages=[msg("user", "The sky is")],
        chosen=[msg("assistant", " blue.")],
        rejected=[msg("assistant", " green.")],
    )
    assert render_code(pair) == "unsupported_in_target"
    assert FORMAT.render(chosen_side(pair)) == {"prompt": "The sky is", "completion": " blue."}


def test_score() -> None:
    assert FORMAT.score({"prompt": "p", "completion": "c"}) == 1.0
    assert FORMAT.score({"prompt": "p", "completion": "c", "label": True}) < 0.5
    assert FORMAT.score({"prompt": "p", "chosen": "c", "rejected": "d"}) == 0.0
    assert FORMAT.score(3) == 0.0
