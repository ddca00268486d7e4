"""The sharegpt reader's turn checks and its writer's conversion rules."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from curate.convert import chosen_side
from curate.errors import RowError
from curate.formats.openai_chat import FORMAT as OPENAI
from curate.formats.sharegpt import FORMAT
from curate.records import FunctionCall, Message, Record, ToolCall

H = {"from": "human", "value": "Why does my Airflow DAG not start?"}
G = {"from": "gpt", "value": "Check that start_date is in the past."}
CALL = {"from": "function_call", "value": '{"name":"dag_state","arguments":{"dag_id":"etl"}}'}
OBS = {"from": "observation", "value": '{"state":"paused"}'}
TOOLS = [{"name": "dag_state", "parameters": {"type": "object"}}]


def conv(*turns: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"conversations": list(turns), **extra}


def code_of(row: Any) -> str:
    with pytest.raises(RowError) as info:
        FORMAT.parse(row)
    return info.value.code


def render_code(record: Record) -> str:
    with pytest.raises(RowError) as info:
        FORMAT.render(record)
    return info.value.code


def test_reads_a_conversation() -> None:
    rec = FORMAT.parse(conv({"from": "system", "value": "You are an SRE."}, H, G, id="abc"))
    assert [m.role for m in rec.messages] == ["system", "user", "assistant"]
    assert rec.meta == {"id": "abc"}
    assert FORMAT.render(rec) == conv(
        {"from": "system", "value": "You are an SRE."}, H, G, id="abc"
    )


@pytest.mark.parametrize("alias", ["user", "assistant", "chatgpt", "bing", "bard"])
def test_reads_speaker_aliases(alias: str) -> None:
    turns = [{"from": "user", "value": "q"}, {"from": alias, "value": "a"}]
    if alias == "user":
        turns = [{"from": "user", "value": "q"}, {"from": "gpt", "value": "a"}]
    rec = FORMAT.parse(conv(*turns))
    assert [m.role for m in rec.messages] == ["user", "assistant"]


def test_function_calls_and_observations_become_tool_turns() -> None:
    row = conv(H, CALL, OBS, G, tools=orjson.dumps(TOOLS).decode())
    rec = FORMAT.parse(row)
    assert [m.role for m in rec.messages] == ["user", "assistant", "tool", "assistant"]
    call = rec.messages[1].tool_calls[0]
    assert call.function.name == "dag_state" and call.function.arguments == '{"dag_id":"etl"}'
    assert rec.messages[2].content == '{"state":"paused"}'
    assert rec.tools == TOOLS
    assert FORMAT.render(rec) == row


def test_parallel_calls_in_one_function_call_turn() -> None:
    value = '[{"name":"a","arguments":{}},{"name":"b","arguments":{"x":1}}]'
    row = conv(H, {"from": "function_call", "value": value}, OBS, G)
    rec = FORMAT.parse(row)
    assert [c.function.name for c in rec.messages[1].tool_calls] == ["a", "b"]
    assert FORMAT.render(rec) == row


def test_speaker_aliases_are_written_back_but_not_into_other_records() -> None:
    row = conv(
        {"from": "user", "value": "q"},
        CALL,
        {"from": "tool", "value": "ok"},
        {"from": "chatgpt", "value": "a"},
    )
    rec = FORMAT.parse(row)
    assert [m.role for m in rec.messages] == ["user", "assistant", "tool", "assistant"]
    assert FORMAT.render(rec) == row
    fresh = OPENAI.parse(OPENAI.render(rec))
    assert [t["from"] for t in FORMAT.render(fresh)["conversations"]] == [
        "human",
        "function_call",
        "observation",
        "gpt",
    ]


def test_llama_factory_layout_comes_back_as_it_was() -> None:
    row = {
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
        "system": "You are terse.",
        "tools": TOOLS,
    }
    rec = FORMAT.parse(row)
    assert rec.messages[0].role == "system" and rec.messages[0].content == "You are terse."
    assert rec.tools == TOOLS
    assert FORMAT.render(rec) == row
    # written for another format, the layout note is not a field
    assert "_layout" not in OPENAI.render(rec)


def test_from_value_turns_under_messages_are_read() -> None:
    row = {"messages": [H, G]}
    assert FORMAT.score(row) > OPENAI.score(row)
    assert FORMAT.render(FORMAT.parse(row)) == row


def test_system_turn_wins_over_system_field() -> None:
    row = conv({"from": "system", "value": "turn"}, H, G, system="field")
    rec = FORMAT.parse(row)
    assert [m.content for m in rec.messages if m.role == "system"] == ["turn"]
    assert rec.meta == {"system": "field"}
    assert FORMAT.render(rec) == row


def test_empty_system_and_tools_fields_are_dropped() -> None:
    rec = FORMAT.parse(conv(H, G, system="", tools=""))
    assert [m.role for m in rec.messages] == ["user", "assistant"] and rec.tools is None
    assert FORMAT.render(rec) == conv(H, G)


def test_weights_are_read_but_not_written() -> None:
    # No ShareGPT reader (LLaMA-Factory's converters) uses a per-turn weight: the writer
    # leaves weight 1 out and refuses a weight-0 turn rather than train on it silently.
    row = conv(H, {**G, "weight": 0}, {"from": "human", "value": "and?"}, {**G, "weight": 1})
    rec = FORMAT.parse(row)
    assert [m.weight for m in rec.messages] == [None, 0, None, 1]
    with pytest.raises(RowError, match="weight 0") as info:
        FORMAT.render(rec)
    assert info.value.code == "unsupported_in_target"
    ones = conv(H, {**G, "weight": 1})
    assert FORMAT.render(FORMAT.parse(ones)) == conv(H, G)


BAD_ROWS = [
    ([H, G], "data_type"),
    ({}, "empty_row"),
    ({"id": 1}, "missing_messages_list"),
    (conv(), "missing_messages_list"),
    ({"conversations": None}, "missing_messages_list"),
    ({"conversations": "human: hi"}, "data_type"),
    (conv("hi", G), "data_type"),
    (conv(None, G), "data_type"),
    (conv({"from": "human"}, G), "message_missing_key"),
    (conv({"value": "hi"}, G), "message_missing_key"),
    (conv({**H, "markdown": "x"}, G), "message_unrecognized_key"),
    (conv({"from": "robot", "value": "hi"}, G), "unrecognized_role"),
    (conv({"from": 1, "value": "hi"}, G), "unrecognized_role"),
    (conv({"from": ["human"], "value": "hi"}, G), "unrecognized_role"),
    (conv({"from": "human", "value": None}, G), "missing_content"),
    (conv({"from": "human", "value": ""}, G), "missing_content"),
    (conv(H, {"from": "gpt", "value": "  "}), "missing_content"),
    (conv({"from": "human", "value": 12}, G), "data_type"),
    (conv({"from": "human", "value": ["a"]}, G), "data_type"),
    (conv(H, H, G), "non_alternating_turns"),
    (conv(H, G, G), "non_alternating_turns"),
    (conv(G, H), "non_alternating_turns"),
    (conv(H, G, H), "non_alternating_turns"),
    (conv(H, {"from": "system", "value": "late"}, G), "non_alternating_turns"),
    (conv(H), "non_alternating_turns"),
    (conv({"from": "system", "value": "s"}), "example_missing_assistant_message"),
    (conv(H, {"from": "function_call", "value": "dag_state()"}, OBS, G), "invalid_tool_call"),
    (conv(H, {"from": "function_call", "value": "[]"}, OBS, G), "invalid_tool_call"),
    (conv(H, {"from": "function_call", "value": '{"arguments": {}}'}, OBS, G), "invalid_tool_call"),
    (
        conv(H, {"from": "function_call", "value": '{"name": "f", "id": 3}'}, OBS, G),
        "invalid_tool_call",
    ),
    (conv(H, {**G, "weight": 3}), "data_type"),
    (conv(H, G, system=5), "data_type"),
    (conv(H, G, tools="not json"), "data_type"),
    (conv(H, G, tools='{"name": "f"}'), "data_type"),
    (conv(H, G, tools=7), "data_type"),
]


@pytest.mark.parametrize(("row", "code"), BAD_ROWS)
def test_bad_rows_get_their_reason_code(row: Any, code: str) -> None:
    assert code_of(row) == code


def msg(role: str, content: str | None, **kw: Any) -> Message:
    return Message(role=role, content=content, **kw)  # type: ignore[arg-type]


def call(name: str, cid: str | None = None) -> ToolCall:
    return ToolCall(id=cid, function=FunctionCall(name=name, arguments='{"q":1}'))


def test_tool_call_ids_are_carried_and_names_are_not_written() -> None:
    rec = Record(
        messages=[
            msg("user", "q", name="ana"),
            msg("assistant", None, tool_calls=[call("f", "c1")]),
            msg("tool", "r", tool_call_id="c1", name="f"),
            msg("assistant", "a"),
        ]
    )
    out = FORMAT.render(rec)
    assert out == conv(
        {"from": "human", "value": "q"},
        {"from": "function_call", "value": '{"name":"f","arguments":{"q":1},"id":"c1"}'},
        {"from": "observation", "value": "r", "tool_call_id": "c1"},
        {"from": "gpt", "value": "a"},
    )
    back = FORMAT.parse(out)
    assert back.messages[1].tool_calls[0].id == "c1"  # type: ignore[index]
    assert back.messages[2].tool_call_id == "c1"


@pytest.mark.parametrize(
    "messages",
    [
        [
            msg("user", "q"),
            msg("assistant", "Let me check.", tool_calls=[call("f")]),
            msg("tool", "r"),
            msg("assistant", "a"),
        ],
        [
            msg("user", "q"),
            msg("assistant", None, tool_calls=[call("f")]),
            msg("tool", "r"),
            msg("tool", "s"),
            msg("assistant", "a"),
        ],
        [msg("user", "q"), msg("user", "again"), msg("assistant", "a")],
        [
            msg("user", "q"),
            msg("assistant", "a"),
            msg("system", "late"),
            msg("user", "q"),
            msg("assistant", "a"),
        ],
        [msg("user", "q")],
        [msg("user", "q"), msg("assistant", "")],
    ],
)
def test_records_sharegpt_cannot_hold_are_rejected(messages: list[Message]) -> None:
    assert render_code(Record(messages=messages)) == "unsupported_in_target"


def test_undesirable_unpaired_record_is_not_written() -> None:
    rec = Record(kind="unpaired", label=False, messages=[msg("user", "q"), msg("assistant", "a")])
    assert render_code(rec) == "unsupported_in_target"


def test_preference_record_is_rejected_and_its_chosen_side_renders() -> None:
    rec = Record(
        kind="preference",
        messages=[msg("user", "q")],
        chosen=[msg("assistant", "good")],
        rejected=[msg("assistant", "bad")],
    )
    assert render_code(rec) == "unsupported_in_target"
    assert FORMAT.render(chosen_side(rec)) == conv(
        {"from": "human", "value": "q"}, {"from": "gpt", "value": "good"}
    )


def test_score() -> None:
    assert FORMAT.score(conv(H, G)) == 1.0
    assert FORMAT.score(conv(H, G, chosen=G, rejected=G)) < 0.5
    assert FORMAT.score({"instruction": "x"}) == 0.0
    assert FORMAT.score("x") == 0.0
    openai_row = {
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    }
    assert 0 < FORMAT.score(openai_row) < OPENAI.score(openai_row)


@pytest.mark.parametrize(
    ("value", "sentence"),
    [
        ("dag_state()", "Turn 2: the function call is not valid JSON."),
        ("[]", "Turn 2: the function call must be an object or a list of them."),
        ('{"arguments": {}}', "Turn 2: the function call has no name."),
        ('{"name": "f", "args": {}}', "Turn 2: the function call has an unexpected key 'args'."),
    ],
)
def test_function_call_errors_name_the_turn(value: str, sentence: str) -> None:
    from curate.errors import RowError
    from curate.formats.common import parse_function_call

    with pytest.raises(RowError) as caught:
        parse_function_call(value, "Turn 2")
    assert caught.value.code == "invalid_tool_call" and str(caught.value) == sentence


def test_function_call_values_become_openai_tool_calls() -> None:
    from curate.formats.common import parse_function_call

    one = parse_function_call('{"name": "run_sql", "arguments": {"q": "select 1"}}', "Turn 2")
    assert one == [{"function": {"name": "run_sql", "arguments": '{"q":"select 1"}'}}]
    two = parse_function_call('[{"name": "a"}, {"name": "b", "arguments": "{}"}]', "Turn 2")
    assert [c["function"]["name"] for c in two] == ["a", "b"]
