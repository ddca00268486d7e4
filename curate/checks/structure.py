"""Structural errors of a record, with the same reason codes the format readers use."""

from __future__ import annotations

from typing import Any, ClassVar

import orjson

from curate.checks.base import Finding, RecordCheck
from curate.checks.text import all_messages, where
from curate.records import Message, Record


class StructureCheck(RecordCheck):
    """What a reader would reject, checked on records however they were made.

    ``missing_content``: a message with no content at all (and no tool calls);
    ``example_missing_assistant_message``; ``role_order`` (system not first, a conversation
    that does not start with a user turn or end with the answer, a tool result with no call
    before it); ``non_alternating_turns``; ``invalid_tool_call`` (no name, arguments that are
    not JSON, ids that do not match the tool results); ``invalid_preference``; ``invalid_label``.

    A preference pair is checked on both sides, prompt plus chosen and prompt plus rejected,
    with the same codes; the detail names the side.
    """

    name: ClassVar[str] = "structure"
    pillar = "format"
    codes = (
        "missing_content",
        "example_missing_assistant_message",
        "role_order",
        "non_alternating_turns",
        "invalid_tool_call",
        "invalid_preference",
        "invalid_label",
    )

    def check(self, record: Record, profile: Any) -> list[Finding]:
        found: dict[str, str] = {}
        for part, i, m in all_messages(record):
            if not m.content and not m.tool_calls and m.role != "system":
                found.setdefault("missing_content", f"{where(part, i).capitalize()} ({m.role}) has no content.")
        if record.kind == "preference":
            _check_preference(record, found)
            _check_side(record.messages + (record.chosen or []), "chosen", found)
            if record.rejected:
                _check_side(record.messages + record.rejected, "rejected", found)
        else:
            if record.kind == "unpaired" and record.label is None:
                found["invalid_label"] = "The unpaired example has no true/false label."
            _check_conversation(record.messages, found)
        return [Finding(code, detail=detail) for code, detail in found.items()]


def _check_conversation(convo: list[Message], found: dict[str, str]) -> None:
    if not any(m.role == "assistant" for m in convo):
        found["example_missing_assistant_message"] = "The conversation has no assistant turn."
    else:
        _check_order(convo, found)
    _check_tools(convo, found)


def _check_side(convo: list[Message], side: str, found: dict[str, str]) -> None:
    """One side of a pair (prompt plus answer): its findings, the side named in each detail."""
    here: dict[str, str] = {}
    _check_conversation(convo, here)
    for code, detail in here.items():
        found.setdefault(code, f"{side.capitalize()} side: {detail}")


def _check_preference(record: Record, found: dict[str, str]) -> None:
    if not record.chosen or not record.rejected:
        found["invalid_preference"] = "The pair lacks a chosen or a rejected answer."
    elif [m.content for m in record.chosen] == [m.content for m in record.rejected]:
        found["invalid_preference"] = "The chosen and rejected answers are identical."


def _check_order(convo: list[Message], found: dict[str, str]) -> None:
    roles = [m.role for m in convo]
    if "system" in roles[1:]:
        found["role_order"] = f"A system message sits at position {roles.index('system', 1) + 1}, not first."
        return
    offset = 1 if roles[0] == "system" else 0
    body = roles[offset:]
    if body and body[0] != "user":
        found["role_order"] = f"The conversation starts with a {body[0]} turn, not a user turn."
        return
    if body and body[-1] != "assistant":
        found["role_order"] = f"The conversation ends with a {body[-1]} turn, not the answer."
        return
    prev = None
    for i, role in enumerate(body):
        if role == "tool":
            if prev not in ("assistant", "tool"):
                found["role_order"] = f"A tool result (message {i + offset + 1}) follows a {prev} turn."
                return
        elif role == prev and role in ("user", "assistant"):
            found["non_alternating_turns"] = f"Messages {i + offset} and {i + offset + 1} are both {role} turns."
        prev = role


def _check_tools(convo: list[Message], found: dict[str, str]) -> None:
    pending: dict[str, tuple[str, int]] = {}
    ids_seen = False
    for i, m in enumerate(convo):
        for call in m.tool_calls or ():
            if not call.function.name.strip():
                found["invalid_tool_call"] = f"A tool call in message {i + 1} has no function name."
            try:
                orjson.loads(call.function.arguments or "{}")
            except orjson.JSONDecodeError:
                found["invalid_tool_call"] = (
                    f"The arguments of '{call.function.name}' in message {i + 1} are not valid JSON."
                )
            if call.id is not None:
                ids_seen = True
                pending[call.id] = (call.function.name, i)
        if m.role == "tool" and m.tool_call_id is not None:
            ids_seen = True
            if m.tool_call_id not in pending:
                found["invalid_tool_call"] = (
                    f"The tool result in message {i + 1} answers call id '{m.tool_call_id}', "
                    "which no earlier tool call has."
                )
            else:
                pending.pop(m.tool_call_id)
    # a call in the final turn is the answer itself: its result is not part of the example
    unanswered = [(cid, name) for cid, (name, i) in pending.items() if i < len(convo) - 1]
    if ids_seen and unanswered:
        cid, name = unanswered[0]
        found.setdefault(
            "invalid_tool_call", f"The tool call '{name}' (id '{cid}') has no tool result."
        )


CHECKS = [StructureCheck]
