"""LLaMA-Factory ShareGPT preference rows: conversations plus one chosen and one rejected turn.

Row shape (LLaMA-Factory's ``ranking`` datasets in the ShareGPT layout)::

    {"conversations": [{"from": "human", "value": "..."}, ...],
     "chosen": {"from": "gpt", "value": "..."},
     "rejected": {"from": "gpt", "value": "..."},
     "system": "...", "tools": "[{...}]"}

Roles: ``human``/``user`` -> user, ``gpt``/``assistant`` -> assistant, ``system``,
``function_call`` -> an assistant tool call (value ``{"name", "arguments"}`` as JSON, or a
list of them), ``observation``/``tool`` -> tool; a turn may carry a training ``weight``
(0 or 1), as in ``sharegpt``. ``tools`` is a JSON string (or a list) of function definitions,
held verbatim in the record, as ``sharegpt`` holds them. An empty or null ``system`` or
``tools`` is kept verbatim in ``meta``.

Documented normalisation on writing: ``human``, ``gpt`` and ``observation`` are the role names
written; a leading system turn becomes the top-level ``system`` field; ``tools`` (unless read
as a list) and function-call values are written as compact JSON with ``arguments`` as an
object, as ``sharegpt`` writes them; tool-call ids and tool-turn names are not kept (the
format has no place for them).

>>> r = FORMAT.parse({
...     "conversations": [{"from": "human", "value": "What is a Kafka partition?"}],
...     "chosen": {"from": "gpt", "value": "An ordered, append-only log shard."},
...     "rejected": {"from": "gpt", "value": "A disk."},
...     "system": "You are a data engineer.",
... })
>>> [m.role for m in r.messages], r.rejected[0].content
(['system', 'user'], 'A disk.')
"""

from __future__ import annotations

from typing import Any, ClassVar

import orjson

from curate.errors import RowError
from curate.formats._preference import (
    build_pair,
    is_plain,
    one_assistant_turn,
    refuse,
    require_distinct,
    require_pair,
    require_sides,
)
from curate.formats.base import Format
from curate.formats.common import (
    LAYOUT_KEY,
    extra_fields,
    layout_of,
    parse_function_call,
    require_dict,
    type_name,
    writable_meta,
)
from curate.records import Kind, Message, Record

KNOWN = frozenset({"conversations", "chosen", "rejected", "system", "tools"})
TURN_KEYS = frozenset({"from", "value", "weight"})
ROLES_IN = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "system": "system",
    "function_call": "assistant",
    "observation": "tool",
    "tool": "tool",
}
ROLES_OUT = {"user": "human", "assistant": "gpt", "system": "system", "tool": "observation"}


def parse_turn(turn: Any, where: str) -> dict[str, Any]:
    """One ``{from, value}`` turn as a canonical message dict."""
    if not isinstance(turn, dict):
        raise RowError("data_type", f"{where} must be an object, not {type_name(turn)}.")
    for key in turn:
        if key not in TURN_KEYS:
            raise RowError("message_unrecognized_key", f"{where} has an unrecognized key '{key}'.")
    for key in ("from", "value"):
        if key not in turn:
            raise RowError("message_missing_key", f"{where} has no '{key}'.")
    source, value = turn["from"], turn["value"]
    if not isinstance(source, str):
        raise RowError("data_type", f"{where} 'from' must be text, not {type_name(source)}.")
    if source not in ROLES_IN:
        raise RowError("unrecognized_role", f"{where} has an unrecognized role {source!r}.")
    if value is None:
        raise RowError("missing_content", f"{where} has a null value.")
    if not isinstance(value, str):
        raise RowError("data_type", f"{where} value must be text, not {type_name(value)}.")
    role = ROLES_IN[source]
    if role != "system" and not value.strip():
        raise RowError("missing_content", f"{where} ({source}) has an empty value.")
    msg: dict[str, Any] = {"role": role, "content": value}
    if source == "function_call":
        msg = {
            "role": "assistant",
            "content": None,
            "tool_calls": parse_function_call(value, where),
        }
    if "weight" in turn:
        weight = turn["weight"]
        if weight not in (0, 1) or isinstance(weight, bool):
            raise RowError("data_type", f"{where} 'weight' must be 0 or 1.")
        msg["weight"] = int(weight)
    return msg


def parse_tools(value: Any) -> tuple[list[dict[str, Any]], bool]:
    """The ``tools`` field (a JSON string or a list) and whether it was given as a list."""
    as_list = isinstance(value, list)
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise RowError("data_type", "The field 'tools' is a string but not JSON.") from None
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise RowError("data_type", "The field 'tools' must hold a list of function definitions.")
    return value, as_list


def arguments(text: str) -> Any:
    """Tool-call arguments as the JSON value they encode (the text itself if it is not JSON)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


def render_turn(m: Message, fmt: str) -> dict[str, Any]:
    """One message as a ``{from, value}`` turn, or ``unsupported_in_target``."""
    if m.name is not None and m.role != "tool":
        raise refuse(fmt, f"a {m.role} turn with a name")
    turn: dict[str, Any]
    if m.tool_calls:
        if m.content:
            raise refuse(fmt, "text and a tool call in the same turn")
        calls = [
            {"name": c.function.name, "arguments": arguments(c.function.arguments)}
            for c in m.tool_calls
        ]
        value = orjson.dumps(calls[0] if len(calls) == 1 else calls).decode()
        turn = {"from": "function_call", "value": value}
    else:
        turn = {"from": ROLES_OUT[m.role], "value": m.content or ""}
    if m.weight is not None:
        turn["weight"] = m.weight
    return turn


class ShareGPTPreference(Format):
    """LLaMA-Factory's ShareGPT preference layout."""

    name: ClassVar[str] = "sharegpt-preference"
    aliases: ClassVar[tuple[str, ...]] = ("llama-factory-preference",)
    kinds: ClassVar[tuple[Kind, ...]] = ("preference",)
    description: ClassVar[str] = (
        "conversations + chosen/rejected {from, value} turns (LLaMA-Factory)"
    )

    def score(self, row: Any) -> float:
        try:
            if not isinstance(row, dict) or "conversations" not in row:
                return 0.0
            sides = {"chosen", "rejected"} & row.keys()
            return {0: 0.0, 1: 0.8, 2: 1.0}[len(sides)]
        except Exception:
            return 0.0

    def parse(self, row: Any) -> Record:
        row = require_dict(row)
        conv = row.get("conversations")
        if conv is None or conv == []:
            raise RowError("missing_messages_list", "The row has no 'conversations' turns.")
        if not isinstance(conv, list):
            raise RowError(
                "data_type", f"The field 'conversations' must be a list, not {type_name(conv)}."
            )
        prompt = [parse_turn(t, f"Turn {i}") for i, t in enumerate(conv)]
        meta = extra_fields(row, KNOWN)
        system = row.get("system")
        if "system" in row and (system is None or system == ""):
            meta["system"] = system
        elif system is not None:
            if not isinstance(system, str):
                raise RowError(
                    "data_type", f"The field 'system' must be text, not {type_name(system)}."
                )
            prompt.insert(0, {"role": "system", "content": system})
        tools = None
        if "tools" in row and row["tools"] in (None, ""):
            meta["tools"] = row["tools"]
        elif "tools" in row:
            tools, as_list = parse_tools(row["tools"])
            if as_list:
                meta[LAYOUT_KEY] = {self.name: {"tools": "list"}}
        good_raw, bad_raw = require_sides(row)
        good = self._answer(good_raw, "chosen")
        bad = self._answer(bad_raw, "rejected")
        require_distinct(good, bad)
        return build_pair(prompt, [good], [bad], meta=meta, tools=tools)

    def _answer(self, turn: Any, side: str) -> dict[str, Any]:
        if isinstance(turn, str):
            raise RowError(
                "data_type", f"The '{side}' answer must be a {{from, value}} turn, not a string."
            )
        msg = parse_turn(turn, f"The '{side}' turn")
        if msg["role"] != "assistant":
            raise RowError(
                "unrecognized_role",
                f"The '{side}' turn has role {turn['from']!r}; an answer is a gpt or function_call turn.",
            )
        return msg

    def render(self, record: Record) -> dict[str, Any]:
        prompt, chosen, rejected = require_pair(record, self.name)
        good = one_assistant_turn(chosen, "chosen", self.name)
        bad = one_assistant_turn(rejected, "rejected", self.name)
        row: dict[str, Any] = {}
        if prompt[0].role == "system" and is_plain(prompt[0]) and prompt[0].weight is None:
            row["system"] = prompt[0].content
            prompt = prompt[1:]
        if not prompt:
            raise refuse(self.name, "a prompt with no turns besides the system prompt")
        row["conversations"] = [render_turn(m, self.name) for m in prompt]
        row["chosen"] = render_turn(good, self.name)
        row["rejected"] = render_turn(bad, self.name)
        if record.tools is not None:
            as_list = (layout_of(record.meta, self.name) or {}).get("tools") == "list"
            row["tools"] = record.tools if as_list else orjson.dumps(record.tools).decode()
        for key, value in writable_meta(record.meta).items():
            row.setdefault(key, value)
        return row


FORMAT = ShareGPTPreference()
