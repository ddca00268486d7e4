"""sharegpt-preference: LLaMA-Factory ranking rows, reason codes, round trips."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.errors import RowError
from curate.formats import get_format
from curate.formats.sharegpt_preference import KNOWN
from curate.records import Message, Record, ToolCall

try:
    from . import preference_strategies as S
except ImportError:
    import preference_strategies as S  # type: ignore[no-redef]

FMT = get_format("sharegpt-preference")
H = {"from": "human", "value": "Why is my Spark job spilling to disk?"}
G = {"from": "gpt", "value": "Executor memory is too small for the shuffle."}
BAD = {"from": "gpt", "value": "Spark never spills."}


def row_of(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"conversations": [H], "chosen": G, "rejected": BAD}
    row.update(changes)
    return row


def test_alias_finds_the_format() -> None:
    assert get_format("llama-factory-preference") is FMT


def test_row_with_system_tools_and_a_function_call() -> None:
    call = {"from": "function_call", "value": '{"name":"explain","arguments":{"stage":3}}'}
    row = row_of(system="You tune Spark jobs.", tools='[{"name":"explain"}]', chosen=call, id=7)
    rec = FMT.parse(row)
    assert [m.role for m in rec.messages] == ["system", "user"]
    assert rec.tools == [{"name": "explain"}] and rec.meta == {"id": 7}
    calls = rec.chosen[0].tool_calls
    assert (
        calls
        and calls[0].function.name == "explain"
        and calls[0].function.arguments == '{"stage":3}'
    )
    assert FMT.render(rec) == row


def test_empty_system_and_tools_are_kept_verbatim() -> None:
    row = row_of(system="", tools="")
    rec = FMT.parse(row)
    assert [m.role for m in rec.messages] == ["user"]
    assert FMT.render(rec) == row


def test_tools_given_as_a_list_are_written_as_a_list() -> None:
    row = row_of(tools=[{"name": "f"}])
    assert FMT.render(FMT.parse(row)) == row


def test_aliases_are_read_and_written_canonically() -> None:
    rec = FMT.parse(
        row_of(
            conversations=[{"from": "user", "value": "q"}],
            chosen={"from": "assistant", "value": "a"},
        )
    )
    row = FMT.render(rec)
    assert row["conversations"] == [{"from": "human", "value": "q"}]
    assert row["chosen"] == {"from": "gpt", "value": "a"}


def _pair(chosen: list[Message], prompt: list[Message] | None = None) -> Record:
    return Record(
        kind="preference",
        messages=prompt or [Message(role="user", content="q")],
        chosen=chosen,
        rejected=[Message(role="assistant", content="b")],
    )


@pytest.mark.parametrize(
    "record",
    [
        Record(
            messages=[Message(role="user", content="q"), Message(role="assistant", content="a")]
        ),
        _pair([Message(role="assistant", content="a"), Message(role="assistant", content="c")]),
        _pair([Message(role="assistant", content="a", name="bot")]),
        _pair(
            [Message(role="assistant", content="a", tool_calls=[ToolCall(function={"name": "f"})])]
        ),
        _pair([Message(role="assistant", content="a")], [Message(role="system", content="s")]),
    ],
)
def test_writer_says_what_it_cannot_hold(record: Record) -> None:
    with pytest.raises(RowError) as info:
        FMT.render(record)
    assert info.value.code == "unsupported_in_target"


@pytest.mark.parametrize(
    ("row", "code"),
    [
        (None, "data_type"),
        ({"chosen": G, "rejected": BAD}, "missing_messages_list"),
        (row_of(conversations=[]), "missing_messages_list"),
        (row_of(conversations={"from": "human"}), "data_type"),
        (row_of(conversations=["hello"]), "data_type"),
        (row_of(conversations=[{"from": "human"}]), "message_missing_key"),
        (row_of(conversations=[{"value": "x"}]), "message_missing_key"),
        (
            row_of(conversations=[{"from": "human", "value": "x", "lang": "en"}]),
            "message_unrecognized_key",
        ),
        (row_of(conversations=[{"from": "narrator", "value": "x"}]), "unrecognized_role"),
        (row_of(conversations=[{"from": 1, "value": "x"}]), "data_type"),
        (row_of(conversations=[{"from": "human", "value": None}]), "missing_content"),
        (row_of(conversations=[{"from": "human", "value": 42}]), "data_type"),
        (row_of(conversations=[{"from": "human", "value": " "}]), "missing_content"),
        (row_of(conversations=[{"from": "human", "value": "x", "weight": 3}]), "data_type"),
        (row_of(conversations=[{"from": "function_call", "value": "{oops"}]), "invalid_tool_call"),
        (
            row_of(conversations=[{"from": "function_call", "value": '{"arguments": {}}'}]),
            "invalid_tool_call",
        ),
        (
            row_of(conversations=[{"from": "function_call", "value": '{"name": "f", "x": 1}'}]),
            "invalid_tool_call",
        ),
        (row_of(system=["s"]), "data_type"),
        (row_of(tools="{not json"), "data_type"),
        (row_of(tools=5), "data_type"),
        ({"conversations": [H], "chosen": G}, "missing_field"),
        ({"conversations": [H], "rejected": BAD}, "missing_field"),
        (row_of(chosen=None), "missing_content"),
        (row_of(chosen="plain text"), "data_type"),
        (row_of(chosen=[G]), "data_type"),
        (row_of(chosen={"from": "gpt", "value": ""}), "missing_content"),
        (row_of(chosen={"from": "human", "value": "a"}), "unrecognized_role"),
        (row_of(rejected=G), "invalid_preference"),
    ],
)
def test_bad_rows_get_their_reason_code(row: Any, code: str) -> None:
    with pytest.raises(RowError) as info:
        FMT.parse(row)
    assert info.value.code == code


turn = st.builds(
    lambda w, v: {"from": w, "value": v}, st.sampled_from(["human", "gpt", "observation"]), S.text
)
call_turn = st.builds(
    lambda n, a: {
        "from": "function_call",
        "value": orjson.dumps({"name": n, "arguments": a}).decode(),
    },
    S.word,
    st.dictionaries(S.word, S.json_scalar, max_size=2),
)
answer = st.builds(lambda v: {"from": "gpt", "value": v}, S.text) | call_turn


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    good = draw(answer)
    row: dict[str, Any] = {
        "conversations": draw(st.lists(turn | call_turn, min_size=1, max_size=4)),
        "chosen": good,
        "rejected": draw(answer.filter(lambda x: x != good)),
    }
    if draw(st.booleans()):
        row["system"] = draw(S.text | st.just(""))
    if draw(st.booleans()):
        tools = [{"name": draw(S.word), "description": draw(S.text)}]
        row["tools"] = draw(st.sampled_from([orjson.dumps(tools).decode(), tools, ""]))
    return {**row, **draw(S.extras(KNOWN))}


@settings(max_examples=100, deadline=None)
@given(rows())
def test_rows_round_trip(row: dict[str, Any]) -> None:
    rec = FMT.parse(row)
    assert FMT.render(rec) == row
    assert FMT.parse(FMT.render(rec)).id == rec.id
