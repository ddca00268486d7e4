"""OpenAI chat fine-tuning JSONL: ``{"messages": [...], "tools": [...]}`` rows.

Reading applies OpenAI's fine-tuning format checks, with their reason codes:

>>> rec = FORMAT.parse({"messages": [{"role": "user", "content": "What is a Kafka topic?"},
...                                  {"role": "assistant", "content": "A named log."}]})
>>> [m.role for m in rec.messages]
['user', 'assistant']
>>> FORMAT.parse({"messages": [{"role": "user", "content": "hi"}]})
Traceback (most recent call last):
curate.errors.RowError: The conversation has no assistant turn.

Normalisation (what a read-then-write does not give back byte for byte): a tool-call turn
without ``content`` is written with ``"content": null``; every tool call gets
``"type": "function"`` and non-string ``arguments`` become a JSON string; the legacy
``function_call`` key and ``function`` role become ``tool_calls`` and ``tool``; content
given as a list of text parts is joined into one string; a null ``tools`` is dropped.
Text and whitespace are kept exactly. Top-level fields other than ``messages`` and ``tools``
(for example ``parallel_tool_calls`` or an ``id``) are kept in ``meta`` and written back.

Writing guarantees OpenAI's tool shape (``curate.formats.openai_tools``): bare tool
definitions are wrapped as ``{"type": "function", "function": {...}}``, every tool call has an
``id`` (kept from the source, else made from the record id and the call's place, the same on
every run) and JSON-text ``arguments``, and every tool message the ``tool_call_id`` of the call
it answers (paired by order when the source has none). A row whose tool results cannot be
paired with calls is refused (``unpaired_tool_call``) rather than written.
"""

from __future__ import annotations

from typing import Any

from curate.errors import RowError
from curate.formats.base import Format
from curate.formats.common import (
    build_record,
    check_openai_message,
    message_dict,
    sft_messages,
    type_name,
    writable_meta,
)
from curate.formats.openai_fast import parse_openai_line
from curate.formats.openai_tools import pair_tool_calls, wrap_tools
from curate.records import Record

KNOWN = frozenset({"messages", "tools"})
# Roles whose plain {role, content} messages need no more checks than a non-blank string.
_PLAIN_ROLES = frozenset({"system", "user", "assistant"})


def _message(msg: Any, index: int) -> dict[str, Any]:
    """The canonical dict of one message: plain turns take a short path, the rest the full check."""
    if type(msg) is dict and len(msg) == 2:
        role = msg.get("role")
        content = msg.get("content")
        if (
            type(content) is str
            and type(role) is str
            and role in _PLAIN_ROLES
            and content
            and not content.isspace()
        ):
            return msg
    return check_openai_message(msg, index)


def parse_messages(messages: Any) -> list[dict[str, Any]]:
    """Check an OpenAI ``messages`` value and return canonical message dicts."""
    if not messages:
        raise RowError("missing_messages_list", "The row has no messages.")
    if type(messages) is not list:
        raise RowError(
            "data_type", f"The field 'messages' must be a list, not {type_name(messages)}."
        )
    out = [_message(m, i) for i, m in enumerate(messages)]
    for m in out:
        if m["role"] == "assistant":
            return out
    raise RowError("example_missing_assistant_message", "The conversation has no assistant turn.")


def parse_tools(tools: Any) -> list[dict[str, Any]] | None:
    """A ``tools`` value: a list of tool definitions (objects), or None when absent."""
    if tools is None:
        return None
    if type(tools) is not list or not all(type(t) is dict for t in tools):
        raise RowError("data_type", "The field 'tools' must be a list of tool definitions.")
    return tools


class OpenAIChat(Format):
    """OpenAI chat SFT JSONL (``curate export --format openai-jsonl``)."""

    name = "openai-jsonl"
    aliases = ("openai", "openai-chat", "messages", "chatml")
    kinds = ("sft",)
    description = "OpenAI chat fine-tuning rows: messages with role, content, name, weight, tool_calls; tools."

    def score(self, row: Any) -> float:
        if not isinstance(row, dict):
            return 0.0
        messages = row.get("messages")
        if not isinstance(messages, list):
            return 0.4 if "messages" in row else 0.0
        if "chosen" in row or "rejected" in row or "label" in row:
            return 0.3
        if not messages:
            return 0.6
        first = messages[0]
        if isinstance(first, dict) and "role" in first:
            return 1.0
        return 0.5

    def parse(self, row: Any) -> Record:
        if type(row) is not dict:
            raise RowError("data_type", f"Each row must be a JSON object, not {type_name(row)}.")
        if not row:
            raise RowError("empty_row", "The row is an empty object.")
        data: dict[str, Any] = {"messages": parse_messages(row.get("messages"))}
        if len(row) > 1:
            tools = parse_tools(row.get("tools"))
            if tools is not None:
                data["tools"] = tools
            meta = {k: v for k, v in row.items() if k not in KNOWN}
            if meta:
                data["meta"] = meta
        return build_record(data)

    # the whole fast path is one function: no method frame on the hot path
    parse_json_bytes = staticmethod(parse_openai_line)  # type: ignore[assignment]

    def render(self, record: Record) -> dict[str, Any]:
        messages = sft_messages(record)
        rows = [message_dict(m) for m in messages]
        for row in rows:
            if row["role"] == "tool" or "tool_calls" in row:
                pair_tool_calls(rows, record.id)
                break
        out: dict[str, Any] = {"messages": rows}
        if record.tools is not None:
            out["tools"] = wrap_tools(record.tools)
        if record.meta:
            out.update(writable_meta(record.meta, KNOWN))
        return out


FORMAT = OpenAIChat()
