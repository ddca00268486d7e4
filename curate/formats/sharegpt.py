"""ShareGPT conversations: ``{"conversations": [{"from": ..., "value": ...}], "system", "tools"}``.

``from`` is one of human, gpt, system, function_call, observation, tool (user, assistant,
chatgpt, bing and bard are read as aliases). A ``function_call`` turn holds JSON
``{"name", "arguments"}`` (or a list of them) and becomes an assistant turn with tool calls;
``observation`` and ``tool`` turns become tool messages. After an optional first system turn,
human (or observation) and gpt (or function_call) turns alternate and the last turn is the
assistant's, as LLaMA-Factory requires.

>>> rec = FORMAT.parse({"conversations": [{"from": "human", "value": "What is Airflow?"},
...                                       {"from": "gpt", "value": "A workflow scheduler."}]})
>>> [(m.role, m.content) for m in rec.messages]
[('user', 'What is Airflow?'), ('assistant', 'A workflow scheduler.')]

LLaMA-Factory's variants are read too: a top-level ``system`` string, ``tools`` as a JSON
string, and ``messages`` with ``role``/``content`` keys instead of ``conversations`` with
``from``/``value``. The reader notes which layout a row used (in ``meta["_layout"]``: those
keys, a top-level system, tools as a list, speaker aliases) and the writer gives that layout
back; a record from another format is written with ``conversations``, ``from``/``value``, the
speakers human/gpt/system/function_call/observation, the system prompt as the first turn and
``tools`` as a JSON string.

Normalisation: ``function_call`` values are written back as compact JSON with ``arguments``
as an object; an empty or null top-level ``system`` or ``tools`` is dropped. When a row has
both a system turn and a top-level ``system`` (LLaMA-Factory then uses the turn), the
top-level field is kept in ``meta``. ShareGPT has no message names: they are not written.

Tool-call ids: ShareGPT has none, so a source's ids (an OpenAI row's) are carried where
LLaMA-Factory does not look: an ``"id"`` beside ``name`` and ``arguments`` in the
``function_call`` value, and a ``"tool_call_id"`` key on the observation turn. LLaMA-Factory's
ShareGPT converter reads only each turn's speaker and text, and its function formatter only a
call's name and arguments, so it trains on these rows as before; this reader gives the ids
back, so openai -> sharegpt -> openai keeps them. Rows without ids stay without.

Training weights: no ShareGPT reader uses a per-turn ``weight`` (LLaMA-Factory's converters
read only the speaker and text keys; its ``mask_history`` is a run-wide switch, not a turn
mark), so the writer leaves ``weight: 1`` out and refuses a record with a ``weight: 0`` turn
(``unsupported_in_target``), as the llama-factory and trl exports do. The reader still takes a
turn ``weight`` of 0 or 1, so such a source keeps its marks on the way to openai-jsonl.
"""

from __future__ import annotations

from typing import Any

import orjson

from curate.errors import RowError
from curate.formats.base import Format
from curate.formats.common import (
    LAYOUT_KEY,
    build_record,
    layout_of,
    parse_function_call,
    require_dict,
    sft_messages,
    type_name,
    writable_meta,
)
from curate.records import Message, Record

NAME = "sharegpt"
KNOWN = frozenset({"conversations", "messages", "system", "tools"})
# Each ``from`` value and the canonical role it reads as.
SPEAKERS = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "chatgpt": "assistant",
    "bing": "assistant",
    "bard": "assistant",
    "system": "system",
    "function_call": "function_call",
    "observation": "tool",
    "tool": "tool",
}
# The places in the alternation: user's place (even) and assistant's place (odd).
USER_PLACE = frozenset({"user", "tool"})
ASSISTANT_PLACE = frozenset({"assistant", "function_call"})


def check_order(speakers: list[str]) -> None:
    """Turns alternate user / assistant after an optional first system turn, ending with the assistant."""
    start = 1 if speakers and speakers[0] == "system" else 0
    body = speakers[start:]
    if not body:
        raise RowError(
            "example_missing_assistant_message", "The conversation has no assistant turn."
        )
    for i, who in enumerate(body):
        place = ASSISTANT_PLACE if i % 2 else USER_PLACE
        if who not in place:
            if who == "system":
                raise RowError(
                    "non_alternating_turns", f"Turn {i + start} is a system turn after the start."
                )
            expected = "an assistant (gpt or function_call)" if i % 2 else "a human or observation"
            raise RowError("non_alternating_turns", f"Turn {i + start} should be {expected} turn.")
    if len(body) % 2:
        raise RowError(
            "non_alternating_turns", "The conversation ends before the assistant's answer."
        )


def parse_turn(turn: Any, index: int, keys: tuple[str, str]) -> tuple[str, dict[str, Any]]:
    """One turn: its speaker (canonical role or function_call) and its canonical message."""
    who_key, text_key = keys
    if type(turn) is not dict:
        raise RowError("data_type", f"Turn {index} must be an object, not {type_name(turn)}.")
    for key in turn:
        if key != who_key and key != text_key and key != "weight" and key != "tool_call_id":
            raise RowError(
                "message_unrecognized_key", f"Turn {index} has an unrecognized key '{key}'."
            )
    if who_key not in turn or text_key not in turn:
        missing = who_key if who_key not in turn else text_key
        raise RowError("message_missing_key", f"Turn {index} has no '{missing}'.")
    who = turn[who_key]
    speaker = SPEAKERS.get(who) if isinstance(who, str) else None
    if speaker is None:
        raise RowError("unrecognized_role", f"Turn {index} has an unrecognized speaker {who!r}.")
    value = turn[text_key]
    if value is None:
        raise RowError("missing_content", f"Turn {index} has a null '{text_key}'.")
    if type(value) is not str:
        raise RowError(
            "data_type", f"Turn {index} '{text_key}' must be text, not {type_name(value)}."
        )
    if speaker != "system" and (not value or value.isspace()):
        raise RowError("missing_content", f"Turn {index} ({who}) is empty.")
    if speaker == "function_call":
        msg: dict[str, Any] = {
            "role": "assistant",
            "content": None,
            "tool_calls": parse_function_call(value, f"Turn {index}"),
        }
    else:
        msg = {"role": speaker, "content": value}
    if "tool_call_id" in turn:
        answers = turn["tool_call_id"]
        if speaker != "tool":
            raise RowError(
                "message_unrecognized_key",
                f"Turn {index} has a 'tool_call_id' but is not an observation turn.",
            )
        if type(answers) is not str or not answers:
            raise RowError("data_type", f"Turn {index} 'tool_call_id' must be text.")
        msg["tool_call_id"] = answers
    if "weight" in turn:
        weight = turn["weight"]
        if weight not in (0, 1) or type(weight) is bool:
            raise RowError("data_type", f"Turn {index} 'weight' must be 0 or 1.")
        msg["weight"] = int(weight)
    return speaker, msg


def parse_system(value: Any) -> str | None:
    """The top-level ``system`` field: text, or None when empty or null."""
    if value is None or value == "":
        return None
    if type(value) is not str:
        raise RowError("data_type", f"The field 'system' must be text, not {type_name(value)}.")
    return value


def parse_tools(value: Any) -> tuple[list[dict[str, Any]] | None, bool]:
    """The ``tools`` field (a JSON string or a list) and whether it was given as a list."""
    if value is None or value == "" or value == []:
        return None, False
    as_list = type(value) is list
    if not as_list:
        if type(value) is not str:
            raise RowError(
                "data_type",
                f"The field 'tools' must be a JSON string or a list, not {type_name(value)}.",
            )
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise RowError("data_type", "The field 'tools' is not valid JSON.") from None
    if type(value) is not list or not all(type(t) is dict for t in value):
        raise RowError("data_type", "The field 'tools' must hold a list of tool definitions.")
    return value, as_list


class ShareGPT(Format):
    """ShareGPT / LLaMA-Factory conversations."""

    name = NAME
    kinds = ("sft",)
    description = "ShareGPT conversations of from/value turns, with optional system and tools."

    def score(self, row: Any) -> float:
        if not isinstance(row, dict):
            return 0.0
        if "chosen" in row or "rejected" in row:
            return 0.1
        turns = row.get("conversations")
        if isinstance(turns, list):
            return 1.0
        if "conversations" in row:
            return 0.4
        turns = row.get("messages")
        if isinstance(turns, list) and turns and isinstance(turns[0], dict):
            # LLaMA-Factory's variant; with role/content keys openai-jsonl reads it better.
            return 0.8 if "from" in turns[0] else 0.3
        return 0.0

    def parse(self, row: Any) -> Record:
        row = require_dict(row)
        layout: dict[str, Any] = {}
        turns_key = "conversations"
        if "conversations" not in row and "messages" in row:
            turns_key = "messages"
            layout["turns"] = "messages"
        turns = row.get(turns_key)
        if not turns:
            raise RowError("missing_messages_list", "The row has no conversation turns.")
        if type(turns) is not list:
            raise RowError(
                "data_type", f"The field '{turns_key}' must be a list, not {type_name(turns)}."
            )
        keys = ("from", "value")
        first = turns[0]
        if type(first) is dict and "from" not in first and "role" in first:
            keys = ("role", "content")
            layout["keys"] = "role"
        speakers: list[str] = []
        messages: list[dict[str, Any]] = []
        names: dict[str, str] = {}
        for i, turn in enumerate(turns):
            speaker, msg = parse_turn(turn, i, keys)
            speakers.append(speaker)
            messages.append(msg)
            if turn[keys[0]] != WRITTEN[speaker]:
                names[speaker] = turn[keys[0]]
        check_order(speakers)
        if names:
            layout["names"] = names
        meta = {
            k: v for k, v in row.items() if k not in KNOWN or (k == "messages" and turns_key != k)
        }
        system = parse_system(row.get("system"))
        if system is not None:
            if speakers[0] == "system":
                meta["system"] = system
            else:
                messages.insert(0, {"role": "system", "content": system})
                layout["system"] = "field"
        data: dict[str, Any] = {"messages": messages}
        tools, as_list = parse_tools(row.get("tools"))
        if tools is not None:
            data["tools"] = tools
            if as_list:
                layout["tools"] = "list"
        if layout:
            meta[LAYOUT_KEY] = {NAME: layout}
        if meta:
            data["meta"] = meta
        return build_record(data)

    def render(self, record: Record) -> dict[str, Any]:
        layout = layout_of(record.meta, NAME) or {}
        messages = sft_messages(record)
        system = None
        if (
            layout.get("system") == "field"
            and messages
            and messages[0].role == "system"
            and messages[0].content
        ):
            system = messages[0].content
            messages = messages[1:]
        who_key, text_key = (
            ("role", "content") if layout.get("keys") == "role" else ("from", "value")
        )
        names = layout.get("names")
        written = WRITTEN
        if isinstance(names, dict):
            kept = {k: v for k, v in names.items() if isinstance(v, str) and SPEAKERS.get(v) == k}
            written = {**WRITTEN, **kept}
        turns = []
        speakers = []
        offset = 1 if system is not None else 0
        for i, m in enumerate(messages):
            speaker, value = render_turn(m, i + offset)
            speakers.append(speaker)
            turn: dict[str, Any] = {who_key: written[speaker], text_key: value}
            if m.tool_call_id is not None and speaker == "tool":
                turn["tool_call_id"] = m.tool_call_id
            turns.append(turn)
        try:
            check_order(speakers)
        except RowError as exc:
            raise RowError(
                "unsupported_in_target", f"ShareGPT cannot hold this turn order: {exc.message}"
            ) from None
        out: dict[str, Any] = {layout.get("turns", "conversations"): turns}
        if system is not None:
            out["system"] = system
        if record.tools:
            out["tools"] = (
                record.tools
                if layout.get("tools") == "list"
                else orjson.dumps(record.tools).decode()
            )
        # Fields this row defines are never taken from meta; a kept top-level "system" goes
        # back only beside a system turn (where LLaMA-Factory ignores it, as it did on reading).
        extra = writable_meta(record.meta, frozenset(out) | {"conversations", "tools"})
        if "system" in extra and speakers[:1] != ["system"]:
            del extra["system"]
        out.update(extra)
        return out


# The ``from`` value written for each speaker.
WRITTEN = {
    "user": "human",
    "assistant": "gpt",
    "system": "system",
    "function_call": "function_call",
    "tool": "observation",
}


def render_turn(m: Message, index: int) -> tuple[str, str]:
    """One message as a ShareGPT speaker and value, or ``unsupported_in_target``."""
    if m.weight == 0:
        raise RowError(
            "unsupported_in_target",
            f"ShareGPT has no per-turn training weight, so it cannot hold turn {index}, "
            "marked weight 0 (not to be learned).",
        )
    if m.role == "system":
        if index:
            raise RowError(
                "unsupported_in_target", "ShareGPT holds a system prompt only as the first turn."
            )
        return "system", m.content or ""
    if m.role == "assistant" and m.tool_calls:
        if m.content:
            raise RowError(
                "unsupported_in_target",
                "ShareGPT cannot hold an assistant turn with both text and tool calls.",
            )
        calls = [
            {
                "name": c.function.name,
                "arguments": _arguments(c.function.arguments),
                **({"id": c.id} if c.id is not None else {}),
            }
            for c in m.tool_calls
        ]
        value = calls[0] if len(calls) == 1 else calls
        return "function_call", orjson.dumps(value).decode()
    if m.content is None or not m.content or m.content.isspace():
        raise RowError(
            "unsupported_in_target", f"ShareGPT cannot hold the empty {m.role} turn {index}."
        )
    return m.role, m.content


def _arguments(text: str) -> Any:
    """Tool-call arguments as the JSON value they encode (the text itself if it is not JSON)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


FORMAT = ShareGPT()
