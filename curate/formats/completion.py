"""Prompt/completion rows: OpenAI legacy and TRL prompt-completion, text or conversational.

Text rows hold two strings and become a ``text`` record with one user and one assistant turn;
whitespace is kept exactly (legacy separators such as ``"\\n\\n###\\n\\n"`` survive):

>>> rec = FORMAT.parse({"prompt": "Kafka guarantees order within a", "completion": " partition."})
>>> rec.text, [m.role for m in rec.messages]
(True, ['user', 'assistant'])
>>> FORMAT.render(rec)
{'prompt': 'Kafka guarantees order within a', 'completion': ' partition.'}

Conversational rows (TRL) hold two message lists: the prompt (which must not end with an
assistant turn) and the completion (assistant turns only), with optional ``tools``.

The writer keeps the record's shape: a ``text`` record is written as two strings, any other
record as TRL conversational message lists, where the completion is the record's final
assistant turns and the prompt everything before them. So a chat of several turns, or one with
a system prompt, is written without losing a turn; joining turns into one prompt string would
invent a chat template, which is the trainer's job, not the data's.
"""

from __future__ import annotations

from typing import Any

from curate.errors import RowError
from curate.formats.base import Format
from curate.formats.common import (
    build_record,
    check_openai_message,
    message_dict,
    require_dict,
    sft_messages,
    type_name,
    writable_meta,
)
from curate.formats.openai_chat import parse_tools
from curate.records import Message, Record

KNOWN = frozenset({"prompt", "completion", "tools"})


def _text(value: str, field: str) -> str:
    if not value or value.isspace():
        raise RowError("missing_content", f"The field '{field}' is empty.")
    return value


def _turns(value: list[Any], field: str, start: int) -> list[dict[str, Any]]:
    if not value:
        raise RowError("missing_messages_list", f"The field '{field}' is an empty list.")
    return [check_openai_message(m, start + i) for i, m in enumerate(value)]


def parse_pair(row: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """The ``prompt`` and ``completion`` of a row as canonical messages, and whether it is text."""
    for key in ("prompt", "completion"):
        if key not in row:
            raise RowError("missing_field", f"The row has no '{key}'.")
        if row[key] is None:
            raise RowError("missing_content", f"The field '{key}' is null.")
    prompt, completion = row["prompt"], row["completion"]
    if type(prompt) is str and type(completion) is str:
        return [
            {"role": "user", "content": _text(prompt, "prompt")},
            {"role": "assistant", "content": _text(completion, "completion")},
        ], True
    if type(prompt) is list and type(completion) is list:
        before = _turns(prompt, "prompt", 0)
        after = _turns(completion, "completion", len(before))
        if before[-1]["role"] == "assistant":
            raise RowError(
                "non_alternating_turns",
                "The prompt ends with an assistant turn; the completion must hold the answer.",
            )
        for m in after:
            if m["role"] != "assistant":
                raise RowError(
                    "unrecognized_role",
                    f"A completion holds only assistant turns, not '{m['role']}'.",
                )
        return before + after, False
    raise RowError(
        "data_type",
        "The fields 'prompt' and 'completion' must both be text or both be message lists, "
        f"not {type_name(prompt)} and {type_name(completion)}.",
    )


def render_pair(record: Record, messages: list[Message]) -> dict[str, Any]:
    """``messages`` as a prompt and a completion: strings for a text record, else message lists."""
    if record.text:
        plain = [m.role for m in messages] == ["user", "assistant"] and all(
            m.content and not (m.name or m.tool_calls or m.tool_call_id or m.weight is not None)
            for m in messages
        )
        if not plain:
            raise RowError(
                "unsupported_in_target",
                "A text prompt/completion holds exactly one prompt and one answer.",
            )
        out: dict[str, Any] = {"prompt": messages[0].content, "completion": messages[1].content}
    else:
        end = len(messages)
        while end and messages[end - 1].role == "assistant":
            end -= 1
        if not end or end == len(messages):
            raise RowError(
                "unsupported_in_target",
                "A prompt/completion row needs prompt turns followed by assistant turns.",
            )
        out = {
            "prompt": [message_dict(m) for m in messages[:end]],
            "completion": [message_dict(m) for m in messages[end:]],
        }
    if record.tools is not None:
        out["tools"] = record.tools
    return out


def pair_data(row: dict[str, Any], known: frozenset[str]) -> dict[str, Any]:
    """The record fields shared by prompt/completion formats: messages, text, tools, meta."""
    messages, text = parse_pair(row)
    data: dict[str, Any] = {"messages": messages, "text": text}
    tools = parse_tools(row.get("tools"))
    if tools is not None:
        data["tools"] = tools
    meta = {k: v for k, v in row.items() if k not in known}
    if meta:
        data["meta"] = meta
    return data


class Completion(Format):
    """Prompt/completion pairs (OpenAI legacy, TRL standard and conversational)."""

    name = "completion"
    aliases = ("prompt-completion",)
    kinds = ("sft",)
    description = "prompt/completion pairs, as strings or TRL conversational message lists."

    def score(self, row: Any) -> float:
        if not isinstance(row, dict) or "prompt" not in row or "completion" not in row:
            return 0.0
        if "label" in row or "chosen" in row or "rejected" in row:
            return 0.3
        return 1.0

    def parse(self, row: Any) -> Record:
        return build_record(pair_data(require_dict(row), KNOWN))

    def render(self, record: Record) -> dict[str, Any]:
        out = render_pair(record, sft_messages(record))
        out.update(writable_meta(record.meta, KNOWN))
        return out


FORMAT = Completion()
