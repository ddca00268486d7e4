"""The openai-jsonl reader's format checks and its writer's conversion rules."""

from __future__ import annotations

from typing import Any

import pytest

from curate.convert import chosen_side
from curate.errors import RowError
from curate.formats import get_format
from curate.formats.openai_chat import FORMAT
from curate.records import Message, Record


def chat(*msgs: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"messages": list(msgs), **extra}


USER = {"role": "user", "content": "How do I list Kafka topics?"}
ASSISTANT = {"role": "assistant", "content": "Run kafka-topics.sh --list."}


def code_of(row: Any) -> str:
    with pytest.raises(RowError) as info:
        FORMAT.parse(row)
    return info.value.code


def test_registry_names_and_aliases() -> None:
    for name in ("openai-jsonl", "openai", "openai-chat", "messages", "chatml"):
        assert get_format(name) is FORMAT


def test_reads_a_plain_chat() -> None:
    rec = FORMAT.parse(chat({"role": "system", "content": "Be brief."}, USER, ASSISTANT))
    assert [m.role for m in rec.messages] == ["system", "user", "assistant"]
    assert rec.kind == "sft" and not rec.text and rec.tools is None and rec.meta == {}


def test_reads_names_weights_tools_and_tool_calls() -> None:
    tools = [{"type": "function", "function": {"name": "run_sql", "parameters": {}}}]
    row = chat(
        {"role": "system", "content": ""},
        {"role": "user", "content": "Count rows in orders.", "name": "ana"},
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {
                        "name": "run_sql",
                        "arguments": {"q": "SELECT count(*) FROM orders"},
                    },
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "42"},
        {"role": "assistant", "content": "There are 42 rows.", "weight": 1},
        tools=tools,
        parallel_tool_calls=False,
    )
    rec = FORMAT.parse(row)
    call = rec.messages[2].tool_calls[0]
    assert rec.messages[0].content == ""
    assert rec.messages[1].name == "ana"
    assert rec.messages[2].content is None
    assert call.id == "c1" and call.function.arguments == '{"q":"SELECT count(*) FROM orders"}'
    assert rec.messages[3].tool_call_id == "c1"
    assert rec.messages[4].weight == 1
    assert rec.tools == tools
    assert rec.meta == {"parallel_tool_calls": False}
    out = FORMAT.render(rec)
    assert out["parallel_tool_calls"] is False
    assert out["messages"][2] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "c1",
                "type": "function",
                "function": {"name": "run_sql", "arguments": '{"q":"SELECT count(*) FROM orders"}'},
            }
        ],
    }


def test_legacy_function_role_and_content_parts_are_normalised() -> None:
    rec = FORMAT.parse(
        chat(
            {
                "role": "user",
                "content": [{"type": "text", "text": "Hello "}, {"type": "text", "text": "there"}],
            },
            {
                "role": "assistant",
                "content": None,
                "function_call": {"name": "lookup", "arguments": "{}"},
            },
            {"role": "function", "name": "lookup", "content": "{}"},
            ASSISTANT,
        )
    )
    assert rec.messages[0].content == "Hello there"
    assert rec.messages[1].tool_calls[0].function.name == "lookup"
    assert rec.messages[2].role == "tool"


def test_whitespace_is_kept_exactly() -> None:
    rec = FORMAT.parse(
        chat({"role": "user", "content": "  a\n\n"}, {"role": "assistant", "content": "\tb "})
    )
    assert [m.content for m in rec.messages] == ["  a\n\n", "\tb "]


BAD_ROWS = [
    ([USER, ASSISTANT], "data_type"),
    ("messages", "data_type"),
    (None, "data_type"),
    (7, "data_type"),
    ({}, "empty_row"),
    ({"conversation": [USER, ASSISTANT]}, "missing_messages_list"),
    ({"messages": None}, "missing_messages_list"),
    ({"messages": []}, "missing_messages_list"),
    ({"messages": "hello"}, "data_type"),
    ({"messages": {"role": "user"}}, "data_type"),
    (chat("hello", ASSISTANT), "data_type"),
    (chat(None, ASSISTANT), "data_type"),
    (chat([USER], ASSISTANT), "data_type"),
    (chat({"content": "hi"}, ASSISTANT), "message_missing_key"),
    (chat({"role": "user"}, ASSISTANT), "message_missing_key"),
    (
        chat({"role": "user", "content": "hi", "timestamp": 3}, ASSISTANT),
        "message_unrecognized_key",
    ),
    (chat({"role": "bot", "content": "hi"}, ASSISTANT), "unrecognized_role"),
    (chat({"role": "USER", "content": "hi"}, ASSISTANT), "unrecognized_role"),
    (chat({"role": None, "content": "hi"}, ASSISTANT), "unrecognized_role"),
    (chat({"role": ["user"], "content": "hi"}, ASSISTANT), "unrecognized_role"),
    (chat({"role": {"x": 1}, "content": "hi"}, ASSISTANT), "unrecognized_role"),
    (chat({"role": "user", "content": None}, ASSISTANT), "missing_content"),
    (chat(USER, {"role": "assistant", "content": None}), "missing_content"),
    (chat({"role": "user", "content": ""}, ASSISTANT), "missing_content"),
    (chat({"role": "user", "content": " \n\t"}, ASSISTANT), "missing_content"),
    (chat({"role": "user", "content": 42}, ASSISTANT), "data_type"),
    (chat({"role": "user", "content": True}, ASSISTANT), "data_type"),
    (chat({"role": "user", "content": {"text": "hi"}}, ASSISTANT), "data_type"),
    (
        chat({"role": "user", "content": [{"type": "image_url", "image_url": {}}]}, ASSISTANT),
        "data_type",
    ),
    (chat(USER), "example_missing_assistant_message"),
    (chat({"role": "system", "content": "Be brief."}, USER), "example_missing_assistant_message"),
    (chat(USER, {**ASSISTANT, "weight": 2}), "data_type"),
    (chat(USER, {**ASSISTANT, "weight": True}), "data_type"),
    (chat(USER, {**ASSISTANT, "weight": "1"}), "data_type"),
    (chat(USER, {**ASSISTANT, "name": 5}), "data_type"),
    (chat(USER, {"role": "assistant", "tool_calls": "run"}), "invalid_tool_call"),
    (chat(USER, {"role": "assistant", "tool_calls": [5]}), "invalid_tool_call"),
    (
        chat(USER, {"role": "assistant", "tool_calls": [{"function": {"arguments": "{}"}}]}),
        "invalid_tool_call",
    ),
    (
        chat(
            USER,
            {
                "role": "assistant",
                "tool_calls": [{"function": {"name": "f", "arguments": {"n": 10**30}}}],
            },
        ),
        "invalid_tool_call",
    ),
    (chat(USER, ASSISTANT, tools=[{"limit": 10**30}]), "data_type"),
    (chat(USER, ASSISTANT, tools="run_sql"), "data_type"),
    (chat(USER, ASSISTANT, tools=[1, 2]), "data_type"),
]


@pytest.mark.parametrize(("row", "code"), BAD_ROWS)
def test_bad_rows_get_their_reason_code(row: Any, code: str) -> None:
    assert code_of(row) == code


def rec(*msgs: tuple[str, str], **fields: Any) -> Record:
    return Record(messages=[Message(role=r, content=c) for r, c in msgs], **fields)  # type: ignore[arg-type]


def test_preference_is_rejected_and_its_chosen_side_renders() -> None:
    pair = Record(
        kind="preference",
        messages=[Message(role="user", content="Best join for skew?")],
        chosen=[Message(role="assistant", content="Salt the key.")],
        rejected=[Message(role="assistant", content="Cross join.")],
    )
    with pytest.raises(RowError) as info:
        FORMAT.render(pair)  # an SFT row would lose the rejected answer
    assert info.value.code == "unsupported_in_target"
    out = FORMAT.render(chosen_side(pair))
    assert out["messages"] == [
        {"role": "user", "content": "Best join for skew?"},
        {"role": "assistant", "content": "Salt the key."},
    ]


def test_unpaired_records_follow_their_label() -> None:
    good = rec(("user", "q"), ("assistant", "a"), kind="unpaired", label=True)
    assert len(FORMAT.render(good)["messages"]) == 2
    bad = rec(("user", "q"), ("assistant", "a"), kind="unpaired", label=False)
    with pytest.raises(RowError) as info:
        FORMAT.render(bad)
    assert info.value.code == "unsupported_in_target"


def test_meta_is_written_back_but_never_over_format_fields() -> None:
    r = rec(
        ("user", "q"),
        ("assistant", "a"),
        meta={
            "id": "row-9",
            "messages": "stale",
            "tools": "stale",
            "_layout": {"alpaca": {"input": "x"}},
        },
    )
    out = FORMAT.render(r)
    assert out == {
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
        "id": "row-9",
    }


def test_score_prefers_chat_rows() -> None:
    assert FORMAT.score(chat(USER, ASSISTANT)) == 1.0
    assert FORMAT.score({"conversations": []}) == 0.0
    assert FORMAT.score([1, 2]) == 0.0
    assert FORMAT.score({"messages": None}) < 1.0
    assert FORMAT.score({"messages": [USER], "chosen": []}) < 1.0
