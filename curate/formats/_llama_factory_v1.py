"""LLaMA-Factory v1 messages: ``{"role", "content": [{"type", "value"}], "loss_weight"}``.

The shape is LLaMA-Factory's v1 data model (``src/llamafactory/v1/utils/types.py``:
``Message``, ``Content``, ``SFTSample``, ``DPOSample``). A message's content is a list of
typed parts; only ``text`` parts can be read (their values are joined, as LLaMA-Factory's
renderer concatenates them). Other part types (``reasoning``, ``tool_call``, ``image_url``,
``video_url``, ``audio_url``) are rejected as ``unsupported_content``, never dropped.

``loss_weight`` maps to the record's per-turn ``weight``: a value equal to the role's default
(1 for assistant turns, 0 for the others, as LLaMA-Factory renders a message without one) is
left unset, any other 0/1 value is kept; values other than 0 and 1 are rejected as
``unsupported_weight``. The writer always writes ``loss_weight`` (1.0 or 0.0), as
LLaMA-Factory's own converters do.

>>> parse_message({"role": "user", "content": [{"type": "text", "value": "hi"}],
...                "loss_weight": 0.0}, 0)
{'role': 'user', 'content': 'hi'}
>>> parse_message({"role": "assistant", "content": [{"type": "text", "value": "yo"}],
...                "loss_weight": 0.0}, 1)
{'role': 'assistant', 'content': 'yo', 'weight': 0}
"""

from __future__ import annotations

from typing import Any

import orjson

from curate.errors import RowError
from curate.formats.common import type_name
from curate.records import ROLES, Message

MESSAGE_KEYS = frozenset({"role", "content", "loss_weight"})
PART_KEYS = frozenset({"type", "value"})


def default_weight(role: str) -> int:
    """The loss weight LLaMA-Factory gives a message of ``role`` that has none."""
    return 1 if role == "assistant" else 0


def _fail(code: str, where: str, message: str) -> RowError:
    return RowError(code, f"In '{where}': {message}" if where else message)


def parse_text_parts(content: Any, index: int, where: str = "") -> str:
    """The text of a message's typed content parts (text parts only)."""
    if content is None:
        raise _fail("missing_content", where, f"Message {index} has null content.")
    if type(content) is not list:
        raise _fail(
            "data_type",
            where,
            f"Message {index} content must be a list of typed parts ({{type, value}}), "
            f"not {type_name(content)}.",
        )
    texts = []
    for j, part in enumerate(content):
        if type(part) is not dict:
            raise _fail(
                "data_type", where, f"Message {index} part {j} must be an object, not {type_name(part)}."
            )
        for key in part:
            if key not in PART_KEYS:
                raise _fail(
                    "message_unrecognized_key",
                    where,
                    f"Message {index} part {j} has an unrecognized key '{key}'.",
                )
        kind = part.get("type")
        if kind != "text":
            if type(kind) is not str:
                raise _fail("data_type", where, f"Message {index} part {j} has no text 'type'.")
            raise _fail(
                "unsupported_content",
                where,
                f"Message {index} has a '{kind}' content part; only text parts can be read.",
            )
        value = part.get("value")
        if type(value) is not str:
            raise _fail(
                "data_type",
                where,
                f"Message {index} part {j} 'value' must be text, not {type_name(value)}.",
            )
        texts.append(value)
    return "".join(texts)


def parse_message(msg: Any, index: int, where: str = "") -> dict[str, Any]:
    """One v1 message as a canonical message dict."""
    if type(msg) is not dict:
        raise _fail("data_type", where, f"Message {index} must be an object, not {type_name(msg)}.")
    for key in msg:
        if key not in MESSAGE_KEYS:
            raise _fail(
                "message_unrecognized_key", where, f"Message {index} has an unrecognized key '{key}'."
            )
    for key in ("role", "content"):
        if key not in msg:
            raise _fail("message_missing_key", where, f"Message {index} has no '{key}'.")
    role = msg["role"]
    if type(role) is not str or role not in ROLES:
        raise _fail("unrecognized_role", where, f"Message {index} has an unrecognized role {role!r}.")
    text = parse_text_parts(msg["content"], index, where)
    if role != "system" and not text.strip():
        raise _fail("missing_content", where, f"Message {index} ({role}) has empty content.")
    out: dict[str, Any] = {"role": role, "content": text}
    if "loss_weight" in msg:
        weight = msg["loss_weight"]
        if type(weight) not in (int, float):
            raise _fail(
                "data_type",
                where,
                f"Message {index} 'loss_weight' must be a number, not {type_name(weight)}.",
            )
        if weight not in (0, 1):
            raise _fail(
                "unsupported_weight",
                where,
                f"Message {index} has loss_weight {weight}; only 0 and 1 can be read "
                "(a record trains on a whole turn or not at all).",
            )
        if int(weight) != default_weight(role):
            out["weight"] = int(weight)
    return out


def parse_messages(value: Any, field: str, where: str = "") -> list[dict[str, Any]]:
    """A non-empty list of v1 messages."""
    if value is None or value == []:
        raise RowError("missing_messages_list", f"The row has no '{field}'.")
    if type(value) is not list:
        raise RowError(
            "data_type", f"The field '{field}' must be a list of messages, not {type_name(value)}."
        )
    return [parse_message(m, i, where) for i, m in enumerate(value)]


def parse_tools(value: Any) -> list[dict[str, Any]] | None:
    """The ``tools`` field: a JSON string holding a list of tool definitions (or one)."""
    if value is None or value == "":
        return None
    if type(value) is not str:
        raise RowError(
            "data_type", f"The field 'tools' must be a JSON string, not {type_name(value)}."
        )
    try:
        tools = orjson.loads(value)
    except orjson.JSONDecodeError:
        raise RowError("data_type", "The field 'tools' is not valid JSON.") from None
    if type(tools) is dict:
        tools = [tools]
    if type(tools) is not list or not all(type(t) is dict for t in tools):
        raise RowError("data_type", "The field 'tools' must hold a list of tool definitions.")
    return tools


def render_message(m: Message, fmt: str) -> dict[str, Any]:
    """A Message as a v1 message with one text part, or ``unsupported_in_target``."""
    if m.tool_calls:
        raise RowError(
            "unsupported_in_target",
            f"The format {fmt} is written with text parts only; a turn has tool calls.",
        )
    if m.name is not None or m.tool_call_id is not None:
        what = "a message name" if m.name is not None else "a tool-call id"
        raise RowError("unsupported_in_target", f"The format {fmt} cannot hold {what}.")
    weight = default_weight(m.role) if m.weight is None else m.weight
    return {
        "role": m.role,
        "content": [{"type": "text", "value": m.content or ""}],
        "loss_weight": float(weight),
    }


def render_tools(tools: list[dict[str, Any]] | None) -> str | None:
    """Tool definitions as the JSON string v1 rows hold."""
    return None if tools is None else orjson.dumps(tools).decode()
