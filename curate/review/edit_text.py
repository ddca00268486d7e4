"""The editable text of a record's turns: a ``### role`` layout, or JSON when turns carry more.

Plain turns (a role and text) are edited as Markdown-like text, one ``### role`` line per
turn; a preference pair adds ``## prompt``, ``## chosen`` and ``## rejected`` sections.
Turns with tool calls, names, tool-call ids or training weights are edited as JSON so that
nothing is lost. Leading and trailing blank lines of a turn are not kept.

>>> from curate.records import Message, Record
>>> r = Record(messages=[Message(role="user", content="Hi"), Message(role="assistant", content="### user\\nHello")])
>>> text = to_text(r)
>>> print(text)
### user
Hi
<BLANKLINE>
### assistant
\\### user
Hello
>>> edited = from_text(r, text.replace("Hello", "Hello there"))
>>> edited.messages[1].content
'### user\\nHello there'
>>> edited.parent_id == r.id and edited.id != r.id
True
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from pydantic import ValidationError

from curate.errors import UsageError
from curate.records import ROLES, Message, Record, new_version

SECTIONS = ("prompt", "chosen", "rejected")
TURN = re.compile(r"^### (system|user|assistant|tool)[ \t]*$")
SECTION = re.compile(r"^## (prompt|chosen|rejected)[ \t]*$")
ESCAPED = re.compile(r"^\\+(### (system|user|assistant|tool)|## (prompt|chosen|rejected))[ \t]*$")
NEEDS_ESCAPE = re.compile(
    r"^\\*(### (system|user|assistant|tool)|## (prompt|chosen|rejected))[ \t]*$"
)


def _sides(record: Record) -> dict[str, list[Message]]:
    if record.kind == "preference":
        return {
            "prompt": record.messages,
            "chosen": record.chosen or [],
            "rejected": record.rejected or [],
        }
    return {"messages": record.messages}


def is_plain(record: Record) -> bool:
    """Whether every turn is a role and text only (so the ``### role`` layout holds it all)."""
    for turns in _sides(record).values():
        for m in turns:
            if (
                m.content is None
                or m.name
                or m.tool_calls
                or m.tool_call_id
                or m.weight is not None
            ):
                return False
    return True


def _turns_text(turns: list[Message]) -> str:
    blocks = []
    for m in turns:
        lines = [
            ("\\" + ln) if NEEDS_ESCAPE.match(ln) else ln for ln in (m.content or "").split("\n")
        ]
        blocks.append(f"### {m.role}\n" + "\n".join(lines).strip("\n"))
    return "\n\n".join(blocks)


def to_text(record: Record) -> str:
    """The record's turns as editable text (the ``### role`` layout, or JSON)."""
    if not is_plain(record):
        data = {
            ("messages" if k == "prompt" else k): [m.model_dump(exclude_none=True) for m in v]
            for k, v in _sides(record).items()
        }
        return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
    if record.kind != "preference":
        return _turns_text(record.messages)
    return "\n\n".join(f"## {k}\n\n{_turns_text(v)}" for k, v in _sides(record).items())


def _parse_turns(lines: list[str], where: str) -> list[Message]:
    turns: list[dict[str, Any]] = []
    for ln in lines:
        head = TURN.match(ln)
        if head:
            turns.append({"role": head.group(1), "lines": []})
        elif not turns:
            if ln.strip():
                raise UsageError(
                    f"The text in {where} starts before its first '### role' line.",
                    f"Begin each turn with a line such as '### user' ({', '.join(sorted(ROLES))}).",
                )
        else:
            turns[-1]["lines"].append(ln[1:] if ESCAPED.match(ln) else ln)
    if not turns:
        raise UsageError(
            f"{where.capitalize()} has no turns.", "Add a '### user' line and its text."
        )
    return [Message(role=t["role"], content="\n".join(t["lines"]).strip("\n")) for t in turns]


def _from_layout(record: Record, text: str) -> dict[str, Any]:
    lines = text.split("\n")
    if record.kind != "preference":
        return {"messages": _parse_turns(lines, "the conversation")}
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for ln in lines:
        head = SECTION.match(ln)
        if head:
            current = sections.setdefault(head.group(1), [])
        elif current is not None:
            current.append(ln)
        elif ln.strip():
            raise UsageError(
                "The text starts before the '## prompt' line.",
                "Keep the '## prompt', '## chosen' and '## rejected' lines.",
            )
    missing = [s for s in SECTIONS if s not in sections]
    if missing:
        raise UsageError(
            f"The '## {missing[0]}' section is missing.",
            "Keep the '## prompt', '## chosen' and '## rejected' lines.",
        )
    return {
        "messages": _parse_turns(sections["prompt"], "the prompt"),
        "chosen": _parse_turns(sections["chosen"], "the chosen answer"),
        "rejected": _parse_turns(sections["rejected"], "the rejected answer"),
    }


def _from_json(record: Record, text: str) -> dict[str, Any]:
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise UsageError(
            f"The edited text is not valid JSON ({exc}).", "Fix the line it names."
        ) from None
    allowed = {"messages", "chosen", "rejected"} if record.kind == "preference" else {"messages"}
    if not isinstance(data, dict) or not set(data) <= allowed or "messages" not in data:
        raise UsageError(
            f"The edited JSON must be an object with {' and '.join(sorted(allowed))}.",
            "Keep the keys the editor opened with.",
        )
    try:
        return {k: [Message.model_validate(m) for m in v] for k, v in data.items()}
    except (ValidationError, TypeError) as exc:
        first = (
            exc.errors()[0] if isinstance(exc, ValidationError) else {"msg": str(exc), "loc": ()}
        )
        where = ".".join(str(p) for p in first["loc"])
        raise UsageError(
            f"A turn in the edited JSON is invalid: {first['msg']} ({where or 'turn'})."
        ) from None


def from_text(record: Record, text: str) -> Record:
    """A new version of ``record`` with the turns read from ``text`` (its parent is ``record``).

    Tags, metadata, tools and provenance are kept. A UsageError says what is wrong with the
    text, in one sentence.
    """
    stripped = text.lstrip()
    changes = _from_json(record, text) if stripped.startswith("{") else _from_layout(record, text)
    try:
        return new_version(record, **changes)
    except ValidationError as exc:
        raise UsageError(f"The edited record is invalid: {exc.errors()[0]['msg']}.") from None


def swapped(record: Record) -> Record:
    """A new version of a preference pair with chosen and rejected exchanged."""
    if record.kind != "preference":
        raise UsageError("Only a preference pair has chosen and rejected answers to swap.")
    return new_version(record, chosen=record.rejected, rejected=record.chosen)
