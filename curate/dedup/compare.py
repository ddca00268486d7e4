"""What text of a record duplicate detection compares, by kind and compare mode.

A record is compared as *sections*: the prompt first, then each answer side. Shingles never
cross sections and carry their section's number, so a pair with its sides swapped is not
the same pair, and two records are near duplicates only when their whole texts *and each
answer section* reach the threshold (a long shared prompt cannot make two different
answers look alike).

=================  ==================================  =========================  ==============
kind               ``all-turns`` (default)             ``prompt+answer``          ``prompt-only``
=================  ==================================  =========================  ==============
``sft``            every turn before the answer | the  user turns | final answer  user turns
                   final answer
``preference``     prompt turns | chosen | rejected    user turns | chosen |      user turns
                                                       rejected
``unpaired``       prompt turns | completion | label   user turns | completion |  user turns
                                                       label
=================  ==================================  =========================  ==============

System prompts are always left out: a shared system prompt would make unrelated records
look alike. An answer that is only a tool call is compared as the call's name and
arguments. ``prompt-only`` (``curate dedupe --prompt-only``) compares questions whatever
the answers, as contamination checks against a benchmark want.

Preference pairs that share a prompt but differ in an answer are not duplicates: they are
reported as a ``same_prompt`` group, which the split keeps together.

>>> from curate.records import Message, Record
>>> r = Record(messages=[Message(role="system", content="Be brief."),
...     Message(role="user", content="What is Kafka?"),
...     Message(role="assistant", content="A distributed log.")])
>>> compare_parts(r)
['What is Kafka?', 'A distributed log.']
>>> compare_parts(r, "prompt-only")
['What is Kafka?']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

from curate.records import Message, Record

Mode = Literal["all-turns", "prompt+answer", "prompt-only"]
MODES: tuple[str, ...] = ("all-turns", "prompt+answer", "prompt-only")
ALIASES = {"prompt": "prompt-only"}  # the name ``--prompt-only`` stored before
SECTION = "\x1d"  # joins the sections of a compare text (never left inside content)
Turn = tuple[str, str]  # (role, text)


def resolve_mode(mode: str) -> Mode:
    """The mode named ``mode`` (an old alias maps to its new name); ValueError if unknown."""
    mode = ALIASES.get(mode, mode)
    if mode not in MODES:
        raise ValueError(f"unknown compare mode {mode!r}; use {', '.join(MODES)}")
    return mode  # type: ignore[return-value]


def _message_text(m: Message) -> str:
    if m.content:
        return m.content
    if m.tool_calls:
        return "\n".join(f"{c.function.name} {c.function.arguments}" for c in m.tool_calls)
    return ""


def _dict_text(m: dict[str, Any]) -> str:
    content = m.get("content")
    if content:
        return content
    calls = m.get("tool_calls")
    if calls:
        return "\n".join(
            f"{c['function']['name']} {c['function'].get('arguments', '{}')}" for c in calls
        )
    return ""


def _join(turns: Iterable[Turn]) -> str:
    text = "\n".join(t for _, t in turns if t)
    return text.replace(SECTION, " ") if SECTION in text else text


def parts_of(
    kind: str,
    turns: Sequence[Turn],
    chosen: Sequence[Turn] | None,
    rejected: Sequence[Turn] | None,
    label: bool | None,
    mode: str = "all-turns",
) -> list[str]:
    """The compared sections of a record given as ``(role, text)`` turns."""
    mode = resolve_mode(mode)
    if kind == "preference":
        prompt = list(turns)
        answers: list[str] = [_join(chosen or []), _join(rejected or [])]
    else:
        end = len(turns)
        while end and turns[end - 1][0] == "assistant":
            end -= 1
        prompt = list(turns[:end])
        answers = [_join(turns[end:])]
        if kind == "unpaired":
            answers.append("" if label is None else ("desirable" if label else "undesirable"))
    keep = ("user", "assistant", "tool") if mode == "all-turns" else ("user",)
    first = _join(t for t in prompt if t[0] in keep)
    return [first] if mode == "prompt-only" else [first, *answers]


def compare_parts(record: Record, mode: str = "all-turns") -> list[str]:
    """The compared sections of ``record`` (prompt first; each may be empty)."""

    def turns(msgs: list[Message] | None) -> list[Turn] | None:
        return None if msgs is None else [(m.role, _message_text(m)) for m in msgs]

    return parts_of(
        record.kind,
        turns(record.messages) or [],
        turns(record.chosen),
        turns(record.rejected),
        record.label,
        mode,
    )


def stored_parts(data: dict[str, Any], mode: str = "all-turns") -> list[str]:
    """:func:`compare_parts` of a stored record's JSON (the store's ``data`` column, parsed):
    the fast path for a workspace, with no model validation."""

    def turns(msgs: list[dict[str, Any]] | None) -> list[Turn] | None:
        return None if msgs is None else [(m["role"], _dict_text(m)) for m in msgs]

    return parts_of(
        data.get("kind", "sft"),
        turns(data.get("messages")) or [],
        turns(data.get("chosen")),
        turns(data.get("rejected")),
        data.get("label"),
        mode,
    )


def stored_texts(blobs: Sequence[bytes], mode: str = "all-turns") -> list[str]:
    """The compare texts of stored records (the store's ``data`` column, unparsed)."""
    import orjson

    return [join_parts(stored_parts(orjson.loads(b), mode)) for b in blobs]


def join_parts(parts: Sequence[str]) -> str:
    """One compare text: the sections joined by :data:`SECTION` (trailing empty ones left
    out, so a text with only a prompt is the prompt)."""
    parts = list(parts)
    while len(parts) > 1 and not parts[-1]:
        parts.pop()
    return SECTION.join(parts)


def compare_text(record: Record, mode: str = "all-turns") -> str:
    """The compare text of ``record``: its sections joined by :data:`SECTION`."""
    return join_parts(compare_parts(record, mode))


def readable(text: str) -> str:
    """A compare text for people: sections on their own lines."""
    return text.replace(SECTION, "\n")
