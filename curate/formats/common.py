"""Shared row-level helpers for format readers and writers: message checks and building."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from curate.errors import RowError
from curate.records import ROLES, Message, Record

# Keys an OpenAI-style chat message may carry (the OpenAI fine-tuning format checks).
MESSAGE_KEYS = frozenset(
    {"role", "content", "name", "tool_calls", "tool_call_id", "weight", "function_call"}
)


def require_dict(row: Any) -> dict[str, Any]:
    """The row itself must be a JSON object."""
    if not isinstance(row, dict):
        raise RowError("data_type", f"Each row must be a JSON object, not {type_name(row)}.")
    if not row:
        raise RowError("empty_row", "The row is an empty object.")
    return row


def type_name(value: Any) -> str:
    """A user-facing JSON type name for a Python value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def require_text(value: Any, field: str, *, allow_empty: bool = False) -> str:
    """A field that must hold text; numbers and null are data_type errors."""
    if value is None:
        raise RowError("missing_content", f"The field '{field}' is null.")
    if not isinstance(value, str):
        raise RowError("data_type", f"The field '{field}' must be text, not {type_name(value)}.")
    if not allow_empty and not value.strip():
        raise RowError("missing_content", f"The field '{field}' is empty.")
    return value


def check_openai_message(msg: Any, index: int) -> dict[str, Any]:
    """Check one OpenAI-style message dict and return the canonical message dict."""
    if not isinstance(msg, dict):
        raise RowError("data_type", f"Message {index} must be an object, not {type_name(msg)}.")
    for key in msg:
        if key not in MESSAGE_KEYS:
            raise RowError(
                "message_unrecognized_key", f"Message {index} has an unrecognized key '{key}'."
            )
    if "role" not in msg:
        raise RowError("message_missing_key", f"Message {index} has no 'role'.")
    role = msg["role"]
    if not isinstance(role, str) or role not in ROLES:
        if role == "function":
            role = "tool"
        else:
            raise RowError("unrecognized_role", f"Message {index} has an unrecognized role {role!r}.")
    calls = msg.get("tool_calls")
    calling = bool(calls) or bool(msg.get("function_call"))
    content = msg.get("content")
    if "content" not in msg and not calling:
        raise RowError("message_missing_key", f"Message {index} has no 'content'.")
    if content is None:
        if not calling:
            raise RowError("missing_content", f"Message {index} has null content.")
    else:
        if not isinstance(content, str):
            if not isinstance(content, list):
                raise RowError(
                    "data_type", f"Message {index} content must be text, not {type_name(content)}."
                )
            content = join_content_parts(content, index)
        if not content.strip() and not calling and role != "system":
            raise RowError("missing_content", f"Message {index} ({role}) has empty content.")
    out: dict[str, Any] = {"role": role, "content": content}
    name = msg.get("name")
    if name is not None:
        if not isinstance(name, str):
            raise RowError("data_type", f"Message {index} 'name' must be text.")
        out["name"] = name
    if calls:
        out["tool_calls"] = check_tool_calls(calls, index)
    elif "function_call" in msg and msg["function_call"]:
        out["tool_calls"] = check_tool_calls([{"function": msg["function_call"]}], index)
    if msg.get("tool_call_id") is not None:
        out["tool_call_id"] = str(msg["tool_call_id"])
    weight = msg.get("weight")
    if weight is not None:
        if weight not in (0, 1) or isinstance(weight, bool):
            raise RowError("data_type", f"Message {index} 'weight' must be 0 or 1.")
        out["weight"] = int(weight)
    return out


def join_content_parts(parts: list[Any], index: int) -> str:
    """Join OpenAI content parts of type text; other part types cannot be held."""
    texts = []
    for part in parts:
        if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
            texts.append(part["text"])
        else:
            raise RowError("data_type", f"Message {index} has a content part that is not text.")
    return "".join(texts)


def check_tool_calls(calls: Any, index: int) -> list[dict[str, Any]]:
    """Normalise tool calls to the OpenAI shape with JSON-string arguments."""
    import orjson

    if not isinstance(calls, list):
        raise RowError("invalid_tool_call", f"Message {index} 'tool_calls' must be a list.")
    out = []
    for call in calls:
        fn = call.get("function") if isinstance(call, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise RowError("invalid_tool_call", f"Message {index} has a tool call without a name.")
        args = fn.get("arguments", "{}")
        if not isinstance(args, str):
            try:
                args = orjson.dumps(args).decode()
            except orjson.JSONEncodeError:
                raise RowError(
                    "invalid_tool_call", f"Message {index} has tool-call arguments that are not JSON."
                ) from None
        item: dict[str, Any] = {"function": {"name": fn["name"], "arguments": args}}
        if call.get("id") is not None:
            item["id"] = str(call["id"])
        out.append(item)
    return out


def parse_function_call(value: str, where: str) -> list[dict[str, Any]]:
    """A ShareGPT ``function_call`` turn's JSON value (one ``{name, arguments}`` object, with an
    optional carried ``id``, or a list of them) as OpenAI-shaped tool calls; ``where`` names the
    turn in error sentences."""
    import orjson

    try:
        data = orjson.loads(value)
    except orjson.JSONDecodeError:
        raise RowError(
            "invalid_tool_call", f"{where}: the function call is not valid JSON."
        ) from None
    calls = [data] if isinstance(data, dict) else data
    if not isinstance(calls, list) or not calls or not all(isinstance(c, dict) for c in calls):
        raise RowError(
            "invalid_tool_call", f"{where}: the function call must be an object or a list of them."
        )
    for call in calls:
        extra = set(call) - {"name", "arguments", "id"}
        if extra:
            raise RowError(
                "invalid_tool_call",
                f"{where}: the function call has an unexpected key '{min(extra)}'.",
            )
        if not isinstance(call.get("name"), str):
            raise RowError("invalid_tool_call", f"{where}: the function call has no name.")
        if "id" in call and (not isinstance(call["id"], str) or not call["id"]):
            raise RowError("invalid_tool_call", f"{where}: the function call's id must be text.")
    # an "id" is a tool-call id carried from an OpenAI source (see curate.formats.sharegpt)
    return check_tool_calls([{"function": c, "id": c.get("id")} for c in calls], 0)


def require_assistant(messages: list[dict[str, Any]]) -> None:
    """A training conversation needs at least one assistant turn."""
    if not any(m["role"] == "assistant" for m in messages):
        raise RowError(
            "example_missing_assistant_message", "The conversation has no assistant turn."
        )


def build_record(data: dict[str, Any]) -> Record:
    """Validate a canonical record dict (fast path through pydantic-core)."""
    try:
        return Record.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise RowError("data_type", f"Field '{where}': {first.get('msg', 'invalid value')}.") from None
    except TypeError as exc:  # a value JSON cannot hold (an integer beyond 64 bits) when hashing
        raise RowError("data_type", f"The row holds a value that cannot be stored: {exc}.") from None


def message_dict(m: Message) -> dict[str, Any]:
    """A Message as an OpenAI-style dict, leaving out unset optional keys."""
    out: dict[str, Any] = {"role": m.role, "content": m.content}
    if m.name is not None:
        out["name"] = m.name
    if m.tool_calls:
        out["tool_calls"] = [
            {
                **({"id": c.id} if c.id is not None else {}),
                "type": "function",
                "function": {"name": c.function.name, "arguments": c.function.arguments},
            }
            for c in m.tool_calls
        ]
    if m.tool_call_id is not None:
        out["tool_call_id"] = m.tool_call_id
    if m.weight is not None:
        out["weight"] = m.weight
    return out


def extra_fields(row: dict[str, Any], known: frozenset[str]) -> dict[str, Any]:
    """Top-level fields a format does not define: kept verbatim in ``meta``."""
    return {k: v for k, v in row.items() if k not in known}


# A reserved ``meta`` key where a reader notes how its row was laid out (for example a TRL
# pair whose prompt was implicit), so its own writer can give the same row back. It is not a
# source field: writers leave it out of the rows they write (see ``writable_meta``).
LAYOUT_KEY = "_layout"


def writable_meta(meta: dict[str, Any], known: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The ``meta`` fields a writer puts back in its row: all but the layout note and ``known``."""
    return {k: v for k, v in meta.items() if k != LAYOUT_KEY and k not in known}


def layout_of(meta: dict[str, Any], fmt: str) -> Any:
    """The layout note a reader of ``fmt`` left in ``meta`` (None when there is none)."""
    note = meta.get(LAYOUT_KEY)
    return note.get(fmt) if isinstance(note, dict) else None


def sft_messages(record: Record) -> list[Message]:
    """The conversation an SFT writer renders for any kind of record.

    A preference pair cannot be written: an SFT row would silently lose its rejected answer
    (``curate convert --preference-side chosen`` makes the pair an SFT record first, counted).
    An unpaired example gives its turns when its label is True, and cannot be written when it
    is False (its completion is what the model should not say).
    """
    if record.kind == "preference":
        raise RowError("unsupported_in_target", PREFERENCE_TO_SFT)
    if record.kind == "unpaired" and record.label is not True:
        raise RowError("unsupported_in_target", UNDESIRABLE_TO_SFT)
    return record.messages


PREFERENCE_TO_SFT = (
    "A preference pair cannot become an SFT row without losing its rejected answer; "
    "pass --preference-side chosen to keep the chosen side."
)
UNDESIRABLE_TO_SFT = (
    "An undesirable example (label false) cannot become an SFT training target: "
    "its completion is what the model should not say."
)
