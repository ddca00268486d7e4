"""Text views of a record shared by the checks: the answer, the instruction, code fences."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from curate.records import Message, Record

FENCE_RE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)[^`]*$")
INLINE_CODE_RE = re.compile(r"`[^`\n]+`")
CODE_LINE_END = tuple(";{}()[]=,\\")

FenceState = Literal["none", "balanced", "open_at_end", "unbalanced"]


def effective_tags(record: Record) -> dict[str, str]:
    """The record's tags, plus short text fields a format kept in ``meta`` (``category``,
    ``difficulty`` columns of a source file); tags win over meta."""
    extra = {k: v for k, v in record.meta.items() if isinstance(v, str) and len(v) <= 64}
    return {**extra, **record.tags} if extra else record.tags


def answer_messages(record: Record) -> list[Message]:
    """The answer being trained on: the final assistant turns (the chosen side for pairs)."""
    return record.answer_messages()


def answer_text(record: Record) -> str:
    """The text of the answer turns joined by blank lines ('' when there is none)."""
    return "\n\n".join(m.content for m in answer_messages(record) if m.content)


def instruction_text(record: Record) -> str:
    """The last user turn before the answer ('' when there is none)."""
    for m in reversed(record.prompt_messages()):
        if m.role == "user" and m.content:
            return m.content
    return ""


def all_messages(record: Record) -> Iterator[tuple[str, int, Message]]:
    """Every message of the record with where it sits: (part, index, message)."""
    for i, m in enumerate(record.messages):
        yield "messages", i, m
    for part in ("chosen", "rejected"):
        for i, m in enumerate(getattr(record, part) or []):
            yield part, i, m


def where(part: str, index: int) -> str:
    """A user-facing name for a message position (1-based)."""
    return f"message {index + 1}" if part == "messages" else f"{part} message {index + 1}"


def fence_state(text: str) -> FenceState:
    """How the Markdown code fences of ``text`` pair up.

    ``open_at_end``: the text stops inside a code block (cut off); ``unbalanced``: a block
    is left open but prose follows it, or a block is closed by a mismatched fence.

    >>> fence_state("a\\n```py\\nx = 1\\n```\\nb")
    'balanced'
    >>> fence_state("a\\n```py\\nx = 1")
    'open_at_end'
    >>> fence_state("a\\n```py\\nx = 1\\n\\nThat is all there is to it.")
    'unbalanced'
    """
    if "```" not in text and "~~~" not in text:
        return "none"
    opener: str | None = None
    mismatched = False
    after_open: list[str] = []
    seen = False
    for line in text.split("\n"):
        m = FENCE_RE.match(line)
        if opener is None:
            if m:
                opener, seen, after_open = m.group(1), True, []
            continue
        if m and m.group(1)[0] == opener[0] and len(m.group(1)) >= len(opener):
            if m.group(2):
                mismatched = True  # a closing fence cannot carry an info string
            opener = None
            continue
        if m:
            mismatched = True
        after_open.append(line)
    if opener is None:
        if mismatched:
            return "unbalanced"
        return "balanced" if seen else "none"
    if mismatched or _ends_in_prose(after_open):
        return "unbalanced"
    return "open_at_end"


def _ends_in_prose(lines: list[str]) -> bool:
    tail = [ln.strip() for ln in lines if ln.strip()]
    if not tail:
        return False
    last = tail[-1]
    return (
        len(last.split()) >= 4
        and last[-1] in ".!?"
        and not last.startswith(("#", "//", "--", "/*", "*"))
        and not any(c in last for c in "{};=")
    )


def strip_code(text: str) -> str:
    """``text`` without fenced code blocks and inline code spans."""
    if "`" not in text and "~~~" not in text:
        return text
    out: list[str] = []
    opener: str | None = None
    for line in text.split("\n"):
        m = FENCE_RE.match(line)
        if opener is None:
            if m:
                opener = m.group(1)
            else:
                out.append(line)
        elif m and m.group(1)[0] == opener[0] and len(m.group(1)) >= len(opener):
            opener = None
    return INLINE_CODE_RE.sub(" ", "\n".join(out))


def word_count(text: str) -> int:
    """Whitespace-separated words (CJK text counts characters / 2 as a rough word count)."""
    n = len(text.split())
    if n * 12 < len(text):  # few spaces: CJK or Thai script
        return max(n, len(text) // 2)
    return n
