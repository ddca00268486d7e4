"""openai-jsonl to openai-jsonl for plain rows: the written line straight from the read value.

Most rows of a chat file are plain: ``{"messages": [...]}`` and nothing else, every message a
system, user or assistant turn with text content and at most a ``name`` and a ``weight``. For
such a row the normal path (``OpenAIChat.parse``, the Record with its content id, then
``OpenAIChat.render`` and ``orjson.dumps``) writes each message back as ``role``, ``content``,
``name`` (when given), ``weight`` (when given), in that order, and nothing else; the Record and
its id change nothing in the line. ``plain_line`` builds that line from the row's parsed JSON
value directly, without the models, when it can be sure the normal path accepts the row and
writes exactly that line. It answers None (the normal path then decides, with its reason
codes) for anything else:

- a top-level key other than ``messages``, or no messages, or no assistant turn;
- a message that is not an object, a role other than system, user and assistant (``tool``,
  ``function``), content that is not text (null, a list of parts), blank content outside a
  system turn;
- any other message key (``tool_calls``, ``tool_call_id``, ``function_call``, unknown keys);
- a ``name`` that is not text, a ``weight`` that is not the integer 0 or 1 (``true``,
  ``1.0``), even where the normal path would accept and rewrite it.

Strings that come from ``orjson.loads`` are valid Unicode, so the normal path's content id and
``orjson.dumps`` cannot fail on them. ``line_path`` checks itself against the format's own
parse and render on probe rows when it is built and is None when any differs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from curate.formats.base import Format
from curate.io.rows import Row
from curate.io.write import encode_row

_ROLES = frozenset({"system", "user", "assistant"})
_DUMPS = orjson.dumps
_NEWLINE = orjson.OPT_APPEND_NEWLINE

LinePath = Callable[[Row], "bytes | None"]


def plain_line(value: Any) -> bytes | None:
    """The openai-jsonl line the normal path writes for a plain row's value, or None."""
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
    if not answered:
        return None
    return _DUMPS({"messages": out}, option=_NEWLINE)


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
]


def line_path(fmt: Format, render: Callable[[Any], dict[str, Any]]) -> LinePath | None:
    """A row's finished openai-jsonl line, for converting openai-jsonl rows with ``fmt``'s parse
    and ``render``: ``plain_line`` when it agrees with them on every probe row, else None.

    The first ``CHECKED_ROWS`` lines it makes in a run are also made the normal way and
    compared; on any difference it answers None for the rest of the run.
    """

    def normal(value: Any) -> bytes:
        return encode_row(render(fmt.parse(value)))

    try:
        if any(plain_line(value) != normal(value) for value in _PROBES):
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
        line = plain_line(value)
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
