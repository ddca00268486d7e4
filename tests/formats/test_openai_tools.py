"""Tool calls keep their meaning through conversions: OpenAI's tool shape, stable ids, pairing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from curate.convert import convert
from curate.errors import RowError
from curate.formats.openai_chat import FORMAT as OPENAI
from curate.formats.openai_tools import call_id, tool_shape_problems
from curate.formats.sharegpt import FORMAT as SHAREGPT
from curate.records import FunctionCall, Message, Record, ToolCall

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
GLAIVE = SAMPLES / "sharegpt_tools.json"


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def calls_and_answers(row: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """Each (call id, tool_call_id of the message answering it, arguments) in order."""
    out = []
    msgs = row["messages"]
    for i, m in enumerate(msgs):
        for k, call in enumerate(m.get("tool_calls") or ()):
            answer = msgs[i + 1 + k] if i + 1 + k < len(msgs) else None
            answered = answer["tool_call_id"] if answer and answer["role"] == "tool" else None
            out.append((call["id"], answered, json.loads(call["function"]["arguments"])))
    return out


def canonical(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = orjson.loads(orjson.dumps(messages))
    for m in out:
        for c in m.get("tool_calls") or ():
            c["function"]["arguments"] = json.loads(c["function"]["arguments"])
    return out


# --- glaive / LLaMA-Factory ShareGPT -> openai-jsonl ------------------------------------------


@pytest.fixture
def glaive_to_openai(tmp_path: Path) -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]]]:
    out = tmp_path / "tools.jsonl"
    summary = convert(GLAIVE, out, "openai-jsonl")
    return summary, json.loads(GLAIVE.read_text()), lines(out)


def test_glaive_rows_get_wrapped_tools_ids_and_paired_results(glaive_to_openai: Any) -> None:
    summary, source, rows = glaive_to_openai
    assert (summary.read, summary.written, summary.rejected) == (12, 11, 1)
    assert summary.reasons == {"unpaired_tool_call": 1}
    kept = [
        s
        for s in source
        if not any(
            t["from"] == "function_call" and t["value"].startswith("[") for t in s["conversations"]
        )
    ]
    assert len(kept) == len(rows)
    for src, row in zip(kept, rows, strict=True):
        assert tool_shape_problems(row) == []
        # tools: each bare definition wrapped, nothing else changed
        bare = json.loads(src["tools"])
        assert row.get("tools", []) == [{"type": "function", "function": t} for t in bare]
        # every call: a made id from the record id and its place, the source's arguments
        record = SHAREGPT.parse(src)
        assert all(c.id is None for m in record.messages for c in m.tool_calls or ())
        offset = 1 if "system" in src else 0
        source_calls = [
            (i + offset, json.loads(t["value"]))
            for i, t in enumerate(src["conversations"])
            if t["from"] == "function_call"
        ]
        pairs = calls_and_answers(row)
        assert [(turn, call["arguments"]) for turn, call in source_calls] == [
            (turn, args) for (turn, _), (_, _, args) in zip(source_calls, pairs, strict=True)
        ]
        for (turn, _), (cid, answered, _) in zip(source_calls, pairs, strict=True):
            assert cid == call_id(record.id, turn, 0)
            last = row["messages"][-1]
            assert answered == cid or (
                last.get("tool_calls") and last["tool_calls"][0]["id"] == cid
            )


def test_glaive_multi_step_row_pairs_each_result_with_its_own_call(glaive_to_openai: Any) -> None:
    _, _, rows = glaive_to_openai
    steps = [r for r in rows if sum(bool(m.get("tool_calls")) for m in r["messages"]) == 3][0]
    pairs = calls_and_answers(steps)
    assert len({cid for cid, _, _ in pairs}) == 3
    assert all(cid == answered for cid, answered, _ in pairs)
    assert [m["role"] for m in steps["messages"]] == ["user"] + ["assistant", "tool"] * 3 + [
        "assistant"
    ]


def test_glaive_row_ending_with_the_call_is_written_unanswered(glaive_to_openai: Any) -> None:
    _, _, rows = glaive_to_openai
    ending = [r for r in rows if r["messages"][-1].get("tool_calls")]
    assert len(ending) == 1
    assert ending[0]["messages"][-1]["tool_calls"][0]["function"]["name"] == "get_topic_config"
    assert not any(m["role"] == "tool" for m in ending[0]["messages"])


def test_glaive_parallel_call_with_one_observation_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "tools.jsonl"
    convert(GLAIVE, out, "openai-jsonl")
    [reject] = lines(Path(f"{out}.rejects.jsonl"))
    assert (reject["line"], reject["code"]) == (5, "unpaired_tool_call")
    assert reject["message"] == (
        "Message 1 makes 2 tool calls but only 1 tool result answers them before message 3; "
        "OpenAI needs one tool message per call."
    )


def test_conversion_is_deterministic(tmp_path: Path) -> None:
    convert(GLAIVE, tmp_path / "a.jsonl", "openai-jsonl")
    convert(GLAIVE, tmp_path / "b.jsonl", "openai-jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


# --- OpenAI rows with ids: openai -> sharegpt -> openai keeps them -----------------------------


def test_openai_sample_ids_survive_a_sharegpt_round_trip(tmp_path: Path) -> None:
    source = lines(SAMPLES / "openai_chat.jsonl")
    assert all(tool_shape_problems(row) == [] for row in source)
    convert(SAMPLES / "openai_chat.jsonl", tmp_path / "s.json", "sharegpt")
    convert(tmp_path / "s.json", tmp_path / "back.jsonl", "openai-jsonl")
    back = {r["messages"][-1]["content"]: r for r in lines(tmp_path / "back.jsonl")}
    with_tools = [r for r in source if any(m.get("tool_calls") for m in r["messages"])]
    assert len(with_tools) == 3
    for row in with_tools:
        again = back[row["messages"][-1]["content"]]
        assert calls_and_answers(again) == calls_and_answers(row)
        # the same messages; ShareGPT holds arguments as an object, so only their spacing changes
        assert canonical(again["messages"]) == canonical(row["messages"])
        assert again["tools"] == row["tools"]
    shared = json.loads((tmp_path / "s.json").read_text())
    carried = [
        json.loads(t["value"])["id"]
        for s in shared
        for t in s["conversations"]
        if t["from"] == "function_call"
    ]
    assert carried == [cid for r in with_tools for cid, _, _ in calls_and_answers(r)]


# --- pairing by order, and what cannot be paired ----------------------------------------------


def call(name: str, args: str = "{}", cid: str | None = None) -> ToolCall:
    return ToolCall(id=cid, function=FunctionCall(name=name, arguments=args))


def msg(role: str, content: str | None, **kw: Any) -> Message:
    return Message(role=role, content=content, **kw)  # type: ignore[arg-type]


def test_parallel_calls_answered_by_several_results_pair_by_order() -> None:
    rec = Record(
        messages=[
            msg("user", "sizes?"),
            msg(
                "assistant",
                None,
                tool_calls=[call("size", '{"t": "a"}'), call("size", '{"t": "b"}', "kept_b")],
            ),
            msg("tool", "1 GB"),
            msg("tool", "2 GB"),
            msg("assistant", "a is smaller."),
        ]
    )
    out = OPENAI.render(rec)
    assert tool_shape_problems(out) == []
    made = call_id(rec.id, 1, 0)
    assert [c["id"] for c in out["messages"][1]["tool_calls"]] == [made, "kept_b"]
    assert [m.get("tool_call_id") for m in out["messages"][2:4]] == [made, "kept_b"]
    assert out["messages"][1]["tool_calls"][0] == {
        "id": made,
        "type": "function",
        "function": {"name": "size", "arguments": '{"t": "a"}'},
    }
    # the record itself is unchanged: ids are made when writing, not stored
    assert rec.messages[1].tool_calls[0].id is None  # type: ignore[index]


def test_results_naming_their_calls_may_come_in_any_order() -> None:
    rec = Record(
        messages=[
            msg("user", "q"),
            msg("assistant", None, tool_calls=[call("f", cid="a"), call("g", cid="b")]),
            msg("tool", "rb", tool_call_id="b"),
            msg("tool", "ra"),
            msg("assistant", "done"),
        ]
    )
    out = OPENAI.render(rec)
    assert [m.get("tool_call_id") for m in out["messages"][2:4]] == ["b", "a"]
    assert tool_shape_problems(out) == []


UNPAIRABLE = [
    (
        [msg("user", "q"), msg("tool", "r"), msg("assistant", "a")],
        "Message 1 is a tool result with no open tool call before it.",
    ),
    (
        [
            msg("user", "q"),
            msg("assistant", None, tool_calls=[call("f")]),
            msg("tool", "r1"),
            msg("tool", "r2"),
            msg("assistant", "a"),
        ],
        "Message 3 is a tool result with no open tool call before it.",
    ),
    (
        [
            msg("user", "q"),
            msg("assistant", None, tool_calls=[call("f", cid="c1")]),
            msg("tool", "r", tool_call_id="c9"),
            msg("assistant", "a"),
        ],
        "Message 2 answers tool call 'c9', which is not an open call of the assistant turn "
        "before it.",
    ),
    (
        [
            msg("user", "q"),
            msg("assistant", None, tool_calls=[call("f")]),
            msg("user", "never mind"),
            msg("assistant", "ok"),
        ],
        "Message 1 makes a tool call but no tool result answers them before message 2; "
        "OpenAI needs one tool message per call.",
    ),
    (
        [
            msg("user", "q"),
            msg("assistant", None, tool_calls=[call("f", cid="x")]),
            msg("tool", "r", tool_call_id="x"),
            msg("assistant", None, tool_calls=[call("g", cid="x")]),
        ],
        "The tool-call id 'x' is used by two calls.",
    ),
]


@pytest.mark.parametrize(("messages", "sentence"), UNPAIRABLE)
def test_rows_that_cannot_be_paired_are_refused(messages: list[Message], sentence: str) -> None:
    with pytest.raises(RowError) as info:
        OPENAI.render(Record(messages=messages))
    assert (info.value.code, info.value.message) == ("unpaired_tool_call", sentence)


def test_arguments_that_are_not_json_are_refused() -> None:
    rec = Record(
        messages=[
            msg("user", "q"),
            msg("assistant", None, tool_calls=[call("f", "city=Oslo")]),
            msg("tool", "r"),
            msg("assistant", "a"),
        ]
    )
    with pytest.raises(RowError) as info:
        OPENAI.render(rec)
    assert info.value.code == "invalid_tool_call"


@pytest.mark.parametrize(
    ("tool", "wrapped"),
    [
        (
            {"name": "f", "parameters": {}},
            {"type": "function", "function": {"name": "f", "parameters": {}}},
        ),
        ({"type": "function", "name": "f"}, {"type": "function", "function": {"name": "f"}}),
        (
            {"type": "function", "function": {"name": "f"}},
            {"type": "function", "function": {"name": "f"}},
        ),
    ],
)
def test_tool_definitions_are_wrapped(tool: dict[str, Any], wrapped: dict[str, Any]) -> None:
    rec = Record(messages=[msg("user", "q"), msg("assistant", "a")], tools=[tool])
    assert OPENAI.render(rec)["tools"] == [wrapped]


@pytest.mark.parametrize("tool", [{"type": "code_interpreter"}, {"description": "no name"}])
def test_tools_that_are_not_functions_are_refused(tool: dict[str, Any]) -> None:
    rec = Record(messages=[msg("user", "q"), msg("assistant", "a")], tools=[tool])
    with pytest.raises(RowError) as info:
        OPENAI.render(rec)
    assert info.value.code == "unsupported_in_target"


# --- the ShareGPT side: carried ids -----------------------------------------------------------


def test_sharegpt_reads_carried_ids_and_refuses_misplaced_ones() -> None:
    row = {
        "conversations": [
            {"from": "human", "value": "q"},
            {"from": "function_call", "value": '{"name": "f", "arguments": {}, "id": "c1"}'},
            {"from": "observation", "value": "r", "tool_call_id": "c1"},
            {"from": "gpt", "value": "a"},
        ]
    }
    rec = SHAREGPT.parse(row)
    assert rec.messages[1].tool_calls[0].id == "c1"  # type: ignore[index]
    assert rec.messages[2].tool_call_id == "c1"
    assert SHAREGPT.render(rec) == {
        **row,
        "conversations": [
            row["conversations"][0],
            {"from": "function_call", "value": '{"name":"f","arguments":{},"id":"c1"}'},
            *row["conversations"][2:],
        ],
    }
    misplaced = orjson.loads(orjson.dumps(row))
    misplaced["conversations"][0]["tool_call_id"] = "c1"
    with pytest.raises(RowError) as info:
        SHAREGPT.parse(misplaced)
    assert info.value.code == "message_unrecognized_key"
    bad_id = orjson.loads(orjson.dumps(row))
    bad_id["conversations"][1]["value"] = '{"name": "f", "arguments": {}, "id": 7}'
    with pytest.raises(RowError) as info:
        SHAREGPT.parse(bad_id)
    assert info.value.code == "invalid_tool_call"


# --- the checker ------------------------------------------------------------------------------

GOOD = {
    "messages": [
        {"role": "user", "content": "q"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "content": "r", "tool_call_id": "c1"},
        {"role": "assistant", "content": "a"},
    ],
    "tools": [{"type": "function", "function": {"name": "f"}}],
}


def changed(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    row = orjson.loads(orjson.dumps(GOOD))
    node = row
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return row


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (changed(("tools", 0), {"name": "f"}), "Tool 0 is not wrapped"),
        (
            changed(("messages", 1, "tool_calls", 0, "id"), KeyError),
            "Tool call 0 of message 1 has no id.",
        ),
        (
            changed(("messages", 1, "tool_calls", 0, "type"), KeyError),
            "does not have type 'function'",
        ),
        (
            changed(("messages", 1, "tool_calls", 0, "function", "arguments"), {}),
            "not a JSON string",
        ),
        (
            changed(("messages", 1, "tool_calls", 0, "function", "arguments"), "{"),
            "do not parse as JSON",
        ),
        (changed(("messages", 2, "tool_call_id"), KeyError), "without a tool_call_id"),
        (changed(("messages", 2, "tool_call_id"), "c2"), "answers 'c2', which is no open call"),
        (
            changed(("messages", 2), {"role": "user", "content": "x"}),
            "Message 1's call 'c1' is not answered.",
        ),
    ],
)
def test_checker_names_what_is_wrong(row: dict[str, Any], problem: str) -> None:
    assert tool_shape_problems(GOOD) == []
    problems = tool_shape_problems(row)
    assert any(problem in p for p in problems), problems


def test_openai_preference_input_tools_are_wrapped() -> None:
    from curate.formats import get_format

    bare = {"name": "get_dag_runs", "parameters": {"type": "object", "properties": {}}}
    pair = Record(
        kind="preference",
        messages=[msg("user", "Why did the DAG fail?")],
        chosen=[msg("assistant", "Let me look at the runs first.")],
        rejected=[msg("assistant", "It is probably fine.")],
        tools=[bare],
    )
    row = get_format("openai-preference").render(pair)
    assert row["input"]["tools"] == [{"type": "function", "function": bare}]
