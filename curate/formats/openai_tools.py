"""Tool definitions, tool-call ids and their pairing in OpenAI chat rows: the writer's rules and a checker.

OpenAI's chat fine-tuning format wants every tool wrapped as
``{"type": "function", "function": {"name", "description", "parameters"}}``, every assistant
tool call as ``{"id", "type": "function", "function": {"name", "arguments"}}`` with the
arguments as JSON text, and every ``tool`` message to name, in ``tool_call_id``, the call it
answers. Sources such as ShareGPT (LLaMA-Factory, glaive) have bare tools and no ids.

Where ids come from: ids a source has are kept as they are (readers store them; the ShareGPT
writer carries them, see ``curate.formats.sharegpt``). Missing ids are made **when an
openai-jsonl row is written**, never when reading: the stored record, and so its content id,
stays what the source said. A made id is ``call_`` plus 16 hex digits of a hash of the record
id and the call's turn and position (``call_id``), so the same record always gets the same
ids. A tool message without ``tool_call_id`` answers the first call of the latest
tool-calling turn it has not answered yet (order pairing, which also covers parallel calls
answered by several tool messages).

A row that cannot be paired is refused with ``unpaired_tool_call``: a tool message with no
call before it to answer, more tool messages than calls, a ``tool_call_id`` that names no open
call, or a call left unanswered before the conversation goes on. A conversation may end with
an assistant turn that calls tools (OpenAI trains on the call itself).

>>> tools = wrap_tools([{"name": "get_weather", "parameters": {"type": "object"}}])
>>> tools
[{'type': 'function', 'function': {'name': 'get_weather', 'parameters': {'type': 'object'}}}]
>>> row = {"messages": [
...     {"role": "user", "content": "Weather in Oslo?"},
...     {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function",
...         "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}]},
...     {"role": "tool", "content": "4 C", "tool_call_id": "call_1"},
...     {"role": "assistant", "content": "It is 4 C."}], "tools": tools}
>>> tool_shape_problems(row)
[]
>>> del row["messages"][2]["tool_call_id"]
>>> tool_shape_problems(row)[0]
'Message 2 is a tool result without a tool_call_id.'
"""

from __future__ import annotations

from typing import Any

import orjson
import xxhash

from curate.errors import RowError

PAIRING = "unpaired_tool_call"


def call_id(record_id: str, turn: int, index: int, salt: int = 0) -> str:
    """The id made for call ``index`` of message ``turn`` of a record: stable for that record.

    >>> call_id("abc", 2, 0) == call_id("abc", 2, 0) != call_id("abc", 2, 1)
    True
    >>> len(call_id("abc", 2, 0))
    21
    """
    key = f"{record_id}:{turn}:{index}" + (f":{salt}" if salt else "")
    return "call_" + xxhash.xxh3_64_hexdigest(key.encode())


def wrap_tool(tool: dict[str, Any], index: int) -> dict[str, Any]:
    """One tool definition in OpenAI's shape; a bare ``{name, description, parameters}`` is wrapped.

    Also takes the flat ``{"type": "function", "name": ...}`` shape. Anything else (another
    tool type, no name) cannot be an OpenAI fine-tuning tool: ``unsupported_in_target``.
    """
    fn = tool.get("function")
    if tool.get("type") == "function" and type(fn) is dict and type(fn.get("name")) is str:
        return tool
    if (
        "function" not in tool
        and type(tool.get("name")) is str
        and tool.get("type") in (None, "function")
    ):
        return {"type": "function", "function": {k: v for k, v in tool.items() if k != "type"}}
    raise RowError(
        "unsupported_in_target",
        f"Tool {index} is not a function definition with a name, the only kind of tool "
        "OpenAI fine-tuning takes.",
    )


def wrap_tools(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every tool definition in OpenAI's wrapped shape (the list itself when all already are)."""
    for tool in tools:
        fn = tool.get("function")
        if (
            tool.get("type") != "function"
            or type(fn) is not dict
            or type(fn.get("name")) is not str
        ):
            return [wrap_tool(t, i) for i, t in enumerate(tools)]
    return tools


def _json_arguments(text: str, index: int) -> None:
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        raise RowError(
            "invalid_tool_call",
            f"Message {index} has tool-call arguments that are not JSON text, which OpenAI needs.",
        ) from None


def pair_tool_calls(rows: list[dict[str, Any]], record_id: str) -> None:
    """Give every tool call in ``rows`` an id and every tool message the id of the call it answers.

    ``rows`` are a record's messages as ``message_dict`` renders them, changed in place; raises
    RowError(``unpaired_tool_call``) when the pairing is impossible.
    """
    seen: set[str] = set()
    for row in rows:
        for call in row.get("tool_calls") or ():
            if "id" in call:
                if call["id"] in seen:
                    raise RowError(
                        PAIRING, f"The tool-call id '{call['id']}' is used by two calls."
                    )
                seen.add(call["id"])
    open_calls: list[str] = []  # ids of the latest calling turn not answered yet, in order
    calling = -1
    for i, row in enumerate(rows):
        if row["role"] == "tool":
            answers = row.get("tool_call_id")
            if answers is None:
                if not open_calls:
                    raise RowError(
                        PAIRING, f"Message {i} is a tool result with no open tool call before it."
                    )
                row["tool_call_id"] = open_calls.pop(0)
            elif answers in open_calls:
                open_calls.remove(answers)
            else:
                raise RowError(
                    PAIRING,
                    f"Message {i} answers tool call '{answers}', which is not an open "
                    "call of the assistant turn before it.",
                )
            continue
        if open_calls:
            raise RowError(
                PAIRING, _unanswered(rows, calling, len(open_calls), f"before message {i}")
            )
        calls = row.get("tool_calls")
        if calls:
            for k, call in enumerate(calls):
                _json_arguments(call["function"]["arguments"], i)
                if "id" not in call:
                    salt = 0
                    made = call_id(record_id, i, k)
                    while made in seen:
                        salt += 1
                        made = call_id(record_id, i, k, salt)
                    seen.add(made)
                    calls[k] = call = {"id": made, **call}
                open_calls.append(call["id"])
            calling = i
    if open_calls and calling != len(rows) - 1:
        raise RowError(PAIRING, _unanswered(rows, calling, len(open_calls), "at all"))


def _unanswered(rows: list[dict[str, Any]], calling: int, left: int, when: str) -> str:
    made = len(rows[calling]["tool_calls"])
    got = made - left
    results = (
        "no tool result answers"
        if not got
        else f"only {got} tool result{' answers' if got == 1 else 's answer'}"
    )
    calls = "a tool call" if made == 1 else f"{made} tool calls"
    return (
        f"Message {calling} makes {calls} but {results} them {when}; OpenAI needs one tool "
        "message per call."
    )


# --- the checker ---------------------------------------------------------------------------


def _tool_problems(tools: Any) -> list[str]:
    if tools is None:
        return []
    if type(tools) is not list:
        return ["'tools' is not a list."]
    out = []
    for i, tool in enumerate(tools):
        fn = tool.get("function") if type(tool) is dict else None
        if type(tool) is not dict or tool.get("type") != "function" or type(fn) is not dict:
            out.append(f'Tool {i} is not wrapped as {{"type": "function", "function": ...}}.')
        elif type(fn.get("name")) is not str or not fn["name"]:
            out.append(f"Tool {i} has no function name.")
    return out


def _call_problems(call: Any, i: int, k: int) -> list[str]:
    where = f"Tool call {k} of message {i}"
    if type(call) is not dict:
        return [f"{where} is not an object."]
    out = []
    if type(call.get("id")) is not str or not call["id"]:
        out.append(f"{where} has no id.")
    if call.get("type") != "function":
        out.append(f"{where} does not have type 'function'.")
    fn = call.get("function")
    if type(fn) is not dict or type(fn.get("name")) is not str or not fn["name"]:
        out.append(f"{where} has no function name.")
    elif type(fn.get("arguments")) is not str:
        out.append(f"{where} has arguments that are not a JSON string.")
    else:
        try:
            orjson.loads(fn["arguments"])
        except orjson.JSONDecodeError:
            out.append(f"{where} has arguments that do not parse as JSON.")
    return out


def tool_shape_problems(row: dict[str, Any]) -> list[str]:
    """What keeps an OpenAI chat fine-tuning row's tools and tool calls from being valid (empty: valid).

    Tools are wrapped with type function; every call has an id, type function, a function
    name and arguments as JSON text that parses; ids are unique in the conversation; every
    tool message's ``tool_call_id`` answers an open call of the latest tool-calling assistant
    turn before it; and every call is answered before the conversation goes on (a last
    assistant turn may call tools unanswered).
    """
    out = _tool_problems(row.get("tools"))
    messages = row.get("messages")
    if type(messages) is not list:
        return [*out, "'messages' is not a list."]
    seen: set[str] = set()
    open_calls: list[str] = []
    calling = -1
    for i, m in enumerate(messages):
        if type(m) is not dict:
            out.append(f"Message {i} is not an object.")
            continue
        if m.get("role") == "tool":
            answers = m.get("tool_call_id")
            if answers is None:
                out.append(f"Message {i} is a tool result without a tool_call_id.")
            elif answers in open_calls:
                open_calls.remove(answers)
            else:
                out.append(f"Message {i} answers '{answers}', which is no open call before it.")
            continue
        if open_calls:
            out.append(f"Message {calling}'s call '{open_calls[0]}' is not answered.")
            open_calls = []
        calls = m.get("tool_calls")
        if calls is None:
            continue
        if type(calls) is not list or not calls:
            out.append(f"Message {i} has 'tool_calls' that is not a non-empty list.")
            continue
        if m.get("role") != "assistant":
            out.append(f"Message {i} has tool calls but is not an assistant turn.")
        for k, call in enumerate(calls):
            out.extend(_call_problems(call, i, k))
            cid = call.get("id") if type(call) is dict else None
            if type(cid) is str and cid:
                if cid in seen:
                    out.append(f"Tool call id '{cid}' is used twice.")
                seen.add(cid)
                open_calls.append(cid)
        calling = i
    if open_calls and calling != len(messages) - 1:
        out.append(f"Message {calling}'s call '{open_calls[0]}' is not answered.")
    return out
