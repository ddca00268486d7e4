"""The alpaca reader's field checks and its writer's conversion rules."""

from __future__ import annotations

from typing import Any

import pytest

from curate.convert import chosen_side
from curate.errors import RowError
from curate.formats.alpaca import FORMAT
from curate.formats.openai_chat import FORMAT as OPENAI
from curate.records import FunctionCall, Message, Record, ToolCall, new_version

ROW = {
    "instruction": "Rewrite this query with a CTE.",
    "input": "SELECT * FROM (SELECT 1) t;",
    "output": "WITH t AS (SELECT 1) SELECT * FROM t;",
}


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


def test_instruction_and_input_join_into_the_prompt_and_split_back() -> None:
    rec = FORMAT.parse(ROW)
    assert [(m.role, m.content) for m in rec.messages] == [
        ("user", "Rewrite this query with a CTE.\n\nSELECT * FROM (SELECT 1) t;"),
        ("assistant", "WITH t AS (SELECT 1) SELECT * FROM t;"),
    ]
    assert FORMAT.render(rec) == ROW


def test_empty_or_missing_input_gives_the_instruction_alone() -> None:
    for row in (
        {"instruction": "Define idempotence.", "output": "Same result twice."},
        {"instruction": "Define idempotence.", "input": None, "output": "Same result twice."},
    ):
        rec = FORMAT.parse(row)
        assert rec.messages[0].content == "Define idempotence."
        assert FORMAT.render(rec) == {
            "instruction": "Define idempotence.",
            "input": "",
            "output": "Same result twice.",
        }


def test_system_history_and_extra_fields() -> None:
    row = {
        "instruction": "And in Flink?",
        "input": "",
        "output": "Use watermarks.",
        "system": "You answer stream-processing questions.",
        "history": [["How are late events handled in Spark?", "With watermarks too."]],
        "category": "streaming",
    }
    rec = FORMAT.parse(row)
    assert [m.role for m in rec.messages] == ["system", "user", "assistant", "user", "assistant"]
    assert rec.meta == {"category": "streaming"}
    assert FORMAT.render(rec) == row


def test_empty_system_and_history_are_dropped() -> None:
    rec = FORMAT.parse({**ROW, "system": "", "history": []})
    assert [m.role for m in rec.messages] == ["user", "assistant"]
    assert FORMAT.render(rec) == ROW


def test_prompt_with_no_input_note_is_written_whole() -> None:
    joined = {
        "instruction": ROW["instruction"] + "\n\n" + ROW["input"],
        "input": "",
        "output": ROW["output"],
    }
    via_openai = OPENAI.parse(OPENAI.render(FORMAT.parse(ROW)))
    assert FORMAT.render(via_openai) == joined
    edited = new_version(
        FORMAT.parse(ROW), messages=[msg("user", "Rewrite it."), msg("assistant", "Done.")]
    )
    assert FORMAT.render(edited) == {"instruction": "Rewrite it.", "input": "", "output": "Done."}


BAD_ROWS = [
    ("instruction", "data_type"),
    ([ROW], "data_type"),
    ({}, "empty_row"),
    ({"input": "x", "output": "y"}, "missing_field"),
    ({"instruction": "x", "input": "y"}, "missing_field"),
    ({**ROW, "instruction": None}, "missing_content"),
    ({**ROW, "instruction": ""}, "missing_content"),
    ({**ROW, "instruction": "   "}, "missing_content"),
    ({**ROW, "instruction": 3}, "data_type"),
    ({**ROW, "output": None}, "missing_content"),
    ({**ROW, "output": ""}, "missing_content"),
    ({**ROW, "output": 2.5}, "data_type"),
    ({**ROW, "output": ["a", "b"]}, "data_type"),
    ({**ROW, "input": 1}, "data_type"),
    ({**ROW, "input": {"sql": "x"}}, "data_type"),
    ({**ROW, "system": 1}, "data_type"),
    ({**ROW, "history": "q a"}, "data_type"),
    ({**ROW, "history": [["only one"]]}, "data_type"),
    ({**ROW, "history": [["q", "a", "b"]]}, "data_type"),
    ({**ROW, "history": ["q"]}, "data_type"),
    ({**ROW, "history": [["q", None]]}, "missing_content"),
    ({**ROW, "history": [["", "a"]]}, "missing_content"),
    ({**ROW, "history": [["q", 1]]}, "data_type"),
]


@pytest.mark.parametrize(("row", "code"), BAD_ROWS)
def test_bad_rows_get_their_reason_code(row: Any, code: str) -> None:
    assert code_of(row) == code


CALL = ToolCall(id="c1", function=FunctionCall(name="run_sql", arguments="{}"))


@pytest.mark.parametrize(
    "record",
    [
        Record(
            messages=[
                msg("user", "q"),
                msg("assistant", None, tool_calls=[CALL]),
                msg("tool", "r"),
                msg("assistant", "a"),
            ]
        ),
        Record(
            messages=[msg("user", "q"), msg("assistant", "a")],
            tools=[{"type": "function", "function": {"name": "f"}}],
        ),
        Record(messages=[msg("user", "q"), msg("user", "q2"), msg("assistant", "a")]),
        Record(messages=[msg("user", "q"), msg("assistant", "a"), msg("user", "q2")]),
        Record(messages=[msg("assistant", "a")]),
        Record(messages=[]),
        Record(
            messages=[
                msg("user", "q"),
                msg("assistant", "a"),
                msg("system", "s"),
                msg("user", "q"),
                msg("assistant", "a"),
            ]
        ),
        Record(
            messages=[
                msg("user", "q"),
                msg("assistant", "a", weight=0),
                msg("user", "q"),
                msg("assistant", "a"),
            ]
        ),
        Record(messages=[msg("user", "q"), msg("assistant", "")]),
        Record(kind="unpaired", label=False, messages=[msg("user", "q"), msg("assistant", "a")]),
    ],
)
def test_records_alpaca_cannot_hold_are_rejected(record: Record) -> None:
    assert render_code(record) == "unsupported_in_target"


def test_multi_turn_chat_becomes_history() -> None:
    rec = OPENAI.parse(
        {
            "messages": [
                {"role": "system", "content": "s"},
                {"role": "user", "content": "q1", "name": "ana"},
                {"role": "assistant", "content": "a1", "weight": 1},
                {"role": "user", "content": "q2"},
                {"role": "assistant", "content": "a2"},
            ]
        }
    )
    assert FORMAT.render(rec) == {
        "instruction": "q2",
        "input": "",
        "output": "a2",
        "system": "s",
        "history": [["q1", "a1"]],
    }


def test_preference_and_text_records() -> None:
    pair = Record(
        kind="preference",
        text=True,
        messages=[msg("user", "q")],
        chosen=[msg("assistant", "good")],
        rejected=[msg("assistant", "bad")],
    )
    with pytest.raises(RowError) as info:
        FORMAT.render(pair)  # an SFT row would lose the rejected answer
    assert info.value.code == "unsupported_in_target"
    assert FORMAT.render(chosen_side(pair)) == {"instruction": "q", "input": "", "output": "good"}


def test_score() -> None:
    assert FORMAT.score(ROW) == 1.0
    assert 0 < FORMAT.score({"instruction": "x"}) < 1
    assert FORMAT.score({"messages": []}) == 0.0
    assert FORMAT.score(None) == 0.0
