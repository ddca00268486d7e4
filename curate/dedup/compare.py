"""What text of a record duplicate detection compares, by kind and compare mode.

=================  ==========================================  ============================
kind               ``prompt+answer`` (default) / ``answer``     ``prompt`` (``--prompt-only``)
=================  ==========================================  ============================
``sft``            the user turns, then the final answer       the user turns
``unpaired``       the prompt's user turns, then the completion  the user turns
``preference``     the prompt's user turns (``answer``: chosen)  the user turns
=================  ==========================================  ============================

System prompts, tool results and earlier assistant turns are left out: a shared system
prompt would make unrelated records look alike. An answer that is only a tool call is
compared as the call's name and arguments.

>>> from curate.records import Message, Record
>>> r = Record(messages=[Message(role="system", content="Be brief."),
...     Message(role="user", content="What is Kafka?"),
...     Message(role="assistant", content="A distributed log.")])
>>> compare_text(r)
'What is Kafka?\\nA distributed log.'
>>> compare_text(r, "prompt")
'What is Kafka?'
"""

from __future__ import annotations

from typing import Literal

from curate.records import Message, Record

Mode = Literal["prompt", "answer", "prompt+answer"]
MODES: tuple[str, ...] = ("prompt", "answer", "prompt+answer")


def _content(m: Message) -> str:
    if m.content:
        return m.content
    if m.tool_calls:
        return "\n".join(f"{c.function.name} {c.function.arguments}" for c in m.tool_calls)
    return ""


def _join(messages: list[Message]) -> list[str]:
    return [text for text in map(_content, messages) if text]


def compare_text(record: Record, mode: Mode = "prompt+answer") -> str:
    """The text compared for ``record`` (parts joined by newlines; may be empty)."""
    if mode not in MODES:
        raise ValueError(f"unknown compare mode {mode!r}; use {', '.join(MODES)}")
    prompt = _join([m for m in record.prompt_messages() if m.role == "user"])
    if record.kind == "preference":
        parts = _join(record.chosen or []) if mode == "answer" else prompt
    elif mode == "prompt":
        parts = prompt
    else:
        answer = _join(record.answer_messages())
        parts = answer if mode == "answer" else prompt + answer
    return "\n".join(parts)
