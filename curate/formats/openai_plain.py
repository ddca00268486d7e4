"""openai-jsonl rows that are plain, converted without a Record: to openai-jsonl and ShareGPT.

Most rows of a chat file are plain: ``{"messages": [...]}`` and nothing else, every message a
system, user or assistant turn with text content and at most a ``name`` and a ``weight``. For
such a row the normal path (``OpenAIChat.parse``, the Record with its content id, the target's
``render``, ``orjson.dumps``) writes a line that depends on those turns alone: the Record and
its id change nothing in it. ``plain_messages`` reads the turns from the row's parsed JSON
value when it can be sure the normal path accepts the row, and a target's line builder makes
the line the normal path writes:

- openai-jsonl (``openai_line``): each message as ``role``, ``content``, ``name`` (when
  given), ``weight`` (when given), in that order;
- ShareGPT (``sharegpt_line``): ``{"conversations": [{"from", "value"}, ...]}`` with human,
  gpt and system speakers; it answers None where ShareGPT refuses the row (a ``weight`` of 0,
  a system turn after the start, turns that do not alternate), so the normal path rejects it
  with its own reason code.

``plain_messages`` answers None (the normal path then decides, with its reason codes) for:

- a top-level key other than ``messages``, or no messages, or no assistant turn;
- a message that is not an object, a role other than system, user and assistant (``tool``,
  ``function``), content that is not text (null, a list of parts), blank content outside a
  system turn;
- any other message key (``tool_calls``, ``tool_call_id``, ``function_call``, unknown keys);
- a ``name`` that is not text, a ``weight`` that is not the integer 0 or 1 (``true``,
  ``1.0``), even where the normal path would accept and rewrite it.

Strings that come from ``orjson.loads`` are valid Unicode, so the normal path's content id and
``orjson.dumps`` cannot fail on them. ``line_path`` checks itself against the formats' own
parse and render on probe rows when it is built (None when any differs) and on the first rows
of every run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from curate.errors import RowError
from curate.formats.base import Format
from curate.io.rows import Row
from curate.io.write import encode_row

_ROLES = frozenset({"system", "user", "assistant"})
_DUMPS = orjson.dumps
_NEWLINE = orjson.OPT_APPEND_NEWLINE

LinePath = Callable[[Row], "bytes | None"]


def plain_messages(value: Any) -> list[dict[str, Any]] | None:
    """A plain row's canonical messages (role, content, name, weight), or None (see above)."""
    if type(value) is not dict or len(value) != 1:
        return None
    messages = value.get("messages")
    if type(messages) is not list or not messages:
        return None
    out = []
    answered = False
    for m in messages:
        if type(m) is not dict:
            return None
        role = m.get("role")
        content = m.get("content")
        if type(content) is not str or type(role) is not str or role not in _ROLES:
            return None
        if role != "system" and (not content or content.isspace()):
            return None
        if role == "assistant":
            answered = True
        if len(m) == 2:  # exactly role and content
            out.append({"role": role, "content": content})
            continue
        message = _message(m, role, content)
        if message is None:
            return None
        out.append(message)
    return out if answered else None


def openai_line(messages: list[dict[str, Any]]) -> bytes | None:
    """The openai-jsonl line of plain messages."""
    return _DUMPS({"messages": messages}, option=_NEWLINE)


# ShareGPT's speaker for each plain role
_SPEAKERS = {"user": "human", "assistant": "gpt", "system": "system"}


def sharegpt_line(messages: list[dict[str, Any]]) -> bytes | None:
    """The ShareGPT line of plain messages, or None where ShareGPT cannot hold them."""
    turns = []
    # after an optional first system turn: user, assistant, user, ..., assistant
    expected = "user"
    for i, m in enumerate(messages):
        role = m["role"]
        if m.get("weight") == 0:
            return None
        if role == "system":
            if i:
                return None
        elif role != expected:
            return None
        else:
            expected = "assistant" if role == "user" else "user"
        turns.append({"from": _SPEAKERS[role], "value": m["content"]})
    if expected != "user":  # the last turn is not the assistant's
        return None
    return _DUMPS({"conversations": turns}, option=_NEWLINE)


Build = Callable[[list[dict[str, Any]]], "bytes | None"]


def plain_line(value: Any, build: Build = openai_line) -> bytes | None:
    """The line the normal path writes for a plain row's value (openai-jsonl by default)."""
    messages = plain_messages(value)
    return None if messages is None else build(messages)


LINES: dict[str, Build] = {
    "openai-jsonl": openai_line,
    "sharegpt": sharegpt_line,
}


def _message(m: dict[str, Any], role: str, content: str) -> dict[str, Any] | None:
    """``{role, content}`` plus a text ``name`` and an integer 0/1 ``weight``, or None."""
    out: dict[str, Any] = {"role": role, "content": content}
    keys = 2
    if "name" in m:
        keys += 1
        name = m["name"]
        if name is not None:
            if type(name) is not str:
                return None
            out["name"] = name
    if "weight" in m:
        keys += 1
        weight = m["weight"]
        if weight is not None:
            if type(weight) is not int or (weight != 0 and weight != 1):
                return None
            out["weight"] = weight
    return out if keys == len(m) else None


# Rows of each run whose line is also made the normal way and compared.
CHECKED_ROWS = 64

_ANSWER = {"role": "assistant", "content": "a"}
_PROBES: list[Any] = [
    {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]},
    {
        "messages": [
            {"content": " ", "role": "system"},
            {"role": "user", "content": 'é "x" \\ / \x7f \u2028 😀 \x00\x1f\n', "name": "ann"},
            {"role": "assistant", "content": "a", "weight": 0, "name": None},
            {"weight": 1, "content": "b", "role": "user"},
            {"role": "assistant", "name": "", "content": "c", "weight": None},
        ]
    },
    {"messages": [{"role": "system", "content": ""}, {"role": "assistant", "content": "a"}]},
    {
        "messages": [
            {"role": "system", "content": "s"},
            {"content": 'é "x" \\ / \x7f \u2028 😀 \x00\x1f\n', "role": "user", "name": "ann"},
            {"role": "assistant", "content": "a", "weight": 1},
            {"role": "user", "content": "b", "weight": None},
            {"role": "assistant", "content": "c", "name": None},
        ]
    },
    {"messages": [{"role": "user", "content": "q"}, {"role": "user", "content": "q"}, _ANSWER]},
]


def line_path(
    fmt: Format, target: str, render: Callable[[Any], dict[str, Any]]
) -> LinePath | None:
    """A row's finished line in format ``target``, for openai-jsonl rows read with ``fmt``'s
    parse and written with ``render``: ``plain_line`` when it agrees with them on every probe
    row, else None (also for a target without a line builder).

    The first ``CHECKED_ROWS`` lines it makes in a run are also made the normal way and
    compared; on any difference it answers None for the rest of the run.
    """
    build = LINES.get(target)
    if build is None:
        return None

    def normal(value: Any) -> bytes | None:
        try:
            return encode_row(render(fmt.parse(value)))
        except RowError:
            return None

    try:
        made = [plain_line(value, build) for value in _PROBES]
        if made[0] is None or any(
            line is not None and line != normal(value) for line, value in zip(made, _PROBES, strict=True)
        ):
            return None
    except Exception:
        return None
    checks = CHECKED_ROWS
    on = True

    def line_of(row: Row) -> bytes | None:
        nonlocal checks, on
        if not on:
            return None
        value = row.value
        messages = plain_messages(value)
        if messages is None:
            return None
        line = build(messages)
        if line is not None and checks:
            checks -= 1
            try:
                same = line == normal(value)
            except Exception:
                same = False
            if not same:
                on = False
                return None
        return line

    return line_of
