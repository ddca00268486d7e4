"""Anthropic HH transcripts: chosen and rejected as "\\n\\nHuman: ...\\n\\nAssistant: ..." strings.

Each side is the whole conversation. The prompt is the text both sides share up to their
last shared ``"\\n\\nAssistant:"`` marker; it is parsed into user and assistant turns (text
before the first ``"\\n\\nHuman:"`` is a system prompt, as in Anthropic's legacy prompt
layout). The rest of each side is its answer: the assistant turn after that marker, plus any
later turns. Records are chats (``text=False``).

Writing renders each turn as its marker, one space and the content, so rows read from this
format come back byte-identical. Documented normalisation: a transcript that starts with
``"Human:"`` gains the leading ``"\\n\\n"``; a marker with no space after its colon gains one;
whitespace before the first marker is dropped.

>>> row = {"chosen": "\\n\\nHuman: Is Airflow a scheduler?\\n\\nAssistant: Yes, for DAGs of tasks.",
...        "rejected": "\\n\\nHuman: Is Airflow a scheduler?\\n\\nAssistant: No."}
>>> r = FORMAT.parse(row)
>>> [(m.role, m.content) for m in r.messages], r.chosen[0].content
([('user', 'Is Airflow a scheduler?')], 'Yes, for DAGs of tasks.')
>>> FORMAT.render(r) == row
True
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from curate.errors import RowError
from curate.formats._preference import (
    build_pair,
    common_prefix,
    is_plain,
    refuse,
    require_distinct,
    require_pair,
    require_sides,
)
from curate.formats.base import Format
from curate.formats.common import extra_fields, require_dict, require_text, writable_meta
from curate.records import Kind, Message, Record

HUMAN = "\n\nHuman:"
ASSISTANT = "\n\nAssistant:"
MARKERS = {HUMAN: "user", ASSISTANT: "assistant"}
MARKER_OF = {"user": HUMAN, "assistant": ASSISTANT}
MARKER_RE = re.compile(r"\n\n(?:Human|Assistant):")
KNOWN = frozenset({"chosen", "rejected"})


def split_turns(text: str, first_role: str | None, where: str) -> list[dict[str, Any]]:
    """Turns of a transcript piece; ``first_role`` names the text before the first marker.

    With ``first_role=None`` that text is a system prompt (dropped when only whitespace).

    >>> split_turns("\\n\\nHuman: hi\\n\\nAssistant: yo", None, "x")
    [{'role': 'user', 'content': 'hi'}, {'role': 'assistant', 'content': 'yo'}]
    """
    if first_role is None and text.startswith("Human:"):
        text = "\n\n" + text
    pieces: list[tuple[str | None, str]] = []
    start, role = 0, first_role
    for match in MARKER_RE.finditer(text):
        pieces.append((role, text[start : match.start()]))
        start, role = match.end(), MARKERS[match.group()]
    pieces.append((role, text[start:]))
    turns = []
    for i, (who, body) in enumerate(pieces):
        if who is None:
            if body.strip():
                turns.append({"role": "system", "content": body})
            continue
        content = body[1:] if body.startswith(" ") else body
        if not content.strip():
            raise RowError("missing_content", f"{where}: turn {i} ({who}) is empty.")
        turns.append({"role": who, "content": content})
    return turns


def looks_like_transcript(value: Any) -> bool:
    """A string with Human and Assistant turn markers."""
    return (
        isinstance(value, str)
        and ASSISTANT in value
        and (HUMAN in value or value.startswith("Human:"))
    )


class HHTranscript(Format):
    """Anthropic's helpful-harmless (HH-RLHF) transcript pairs."""

    name: ClassVar[str] = "hh-transcript"
    aliases: ClassVar[tuple[str, ...]] = ("hh", "anthropic-hh")
    kinds: ClassVar[tuple[Kind, ...]] = ("preference",)
    description: ClassVar[str] = (
        'chosen/rejected "\\n\\nHuman: ...\\n\\nAssistant: ..." transcripts'
    )

    def score(self, row: Any) -> float:
        try:
            if not isinstance(row, dict):
                return 0.0
            hits = sum(looks_like_transcript(row.get(k)) for k in ("chosen", "rejected"))
            if not hits:
                return 0.0
            if "prompt" in row or "conversations" in row:
                return 0.3
            return 0.95 if hits == 2 else 0.7
        except Exception:
            return 0.0

    def parse(self, row: Any) -> Record:
        row = require_dict(row)
        chosen, rejected = require_sides(row)
        chosen = require_text(chosen, "chosen")
        rejected = require_text(rejected, "rejected")
        require_distinct(chosen, rejected)
        shared = common_prefix(chosen, rejected)
        cut = chosen.rfind(ASSISTANT, 0, shared)
        if cut < 0:
            raise RowError(
                "invalid_preference",
                "The chosen and rejected transcripts share no assistant turn boundary.",
            )
        prompt = split_turns(chosen[:cut], None, "The prompt")
        if not any(m["role"] == "user" for m in prompt):
            raise RowError("invalid_preference", "The shared prompt has no Human turn.")
        start = cut + len(ASSISTANT)
        good = split_turns(chosen[start:], "assistant", "The 'chosen' answer")
        bad = split_turns(rejected[start:], "assistant", "The 'rejected' answer")
        return build_pair(prompt, good, bad, meta=extra_fields(row, KNOWN))

    def render(self, record: Record) -> dict[str, Any]:
        prompt, chosen, rejected = require_pair(record, self.name)
        head = ""
        if prompt[0].role == "system":
            system = self._content(prompt[0])
            if system.lstrip().startswith(("Human:", "Assistant:")):
                raise refuse(self.name, "a system prompt that starts with a turn marker")
            head, prompt = system, prompt[1:]
        prefix = head + "".join(self._turn(m) for m in prompt)
        row: dict[str, Any] = {}
        for side, answer in (("chosen", chosen), ("rejected", rejected)):
            if answer[0].role != "assistant":
                raise refuse(
                    self.name, f"a {side} answer that does not start with an assistant turn"
                )
            row[side] = prefix + "".join(self._turn(m) for m in answer)
        for key, value in writable_meta(record.meta, KNOWN).items():
            row[key] = value
        return row

    def _content(self, m: Message) -> str:
        if not is_plain(m):
            raise refuse(self.name, f"a {m.role} turn with a tool call, name or weight")
        content = m.content or ""
        if MARKER_RE.search(content):
            raise refuse(self.name, f"a {m.role} turn whose text holds a Human/Assistant marker")
        return content

    def _turn(self, m: Message) -> str:
        if m.role not in MARKER_OF:
            raise refuse(self.name, f"a {m.role} turn (it has Human and Assistant turns only)")
        return f"{MARKER_OF[m.role]} {self._content(m)}"


FORMAT = HHTranscript()
