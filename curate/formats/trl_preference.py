"""TRL preference pairs: prompt/chosen/rejected as strings or message lists, or implicit prompt.

Three row shapes, as TRL's ``DPOTrainer`` reads them:

| variant | row | record |
| --- | --- | --- |
| standard | ``{"prompt": str, "chosen": str, "rejected": str}`` | one user turn, ``text=True`` |
| conversational | ``prompt``, ``chosen``, ``rejected`` as message lists (+ ``tools``) | the turns |
| implicit prompt | only ``chosen`` and ``rejected``, each the whole example | prompt split off |

Implicit prompt: for message lists the prompt is the longest run of whole leading messages
both sides share (as TRL's ``extract_prompt``), backed off so that each side keeps at least
one message. For strings it is the longest shared prefix that ends at a word boundary (the
whitespace goes with the answers, as in TRL); a pair with no such boundary is rejected as
``invalid_preference``. A row with a ``prompt`` whose kind (text or messages) differs from the
answers' is implicit too, and its ``prompt`` is kept in ``meta`` (TRL's
``maybe_extract_prompt`` does the same, for datasets such as UltraFeedback).

Writing: strings for text records, message lists otherwise, in the explicit-prompt form. A
record read from an implicit row carries a layout note in ``meta`` and is written back
implicit, so such rows come back unchanged. Documented normalisation: a ``tools`` JSON string
is written as a list; messages are written as ``curate.formats.common.message_dict`` does
(``content`` always present, tool calls with ``type`` and string ``arguments``).

>>> r = FORMAT.parse({"prompt": "The sky is", "chosen": " blue.", "rejected": " green."})
>>> r.text, r.messages[0].content, r.chosen[0].content
(True, 'The sky is', ' blue.')
>>> r = FORMAT.parse({"chosen": "The sky is blue.", "rejected": "The sky is green."})
>>> r.messages[0].content, r.rejected[0].content
('The sky is', ' green.')
>>> FORMAT.render(r)
{'chosen': 'The sky is blue.', 'rejected': 'The sky is green.'}
"""

from __future__ import annotations

from typing import Any, ClassVar

import orjson

from curate.errors import RowError
from curate.formats._preference import (
    build_pair,
    check_answer,
    check_messages,
    common_prefix,
    require_distinct,
    require_pair,
    require_sides,
    text_pair,
)
from curate.formats.base import Format
from curate.formats.common import (
    LAYOUT_KEY,
    extra_fields,
    layout_of,
    message_dict,
    require_dict,
    require_text,
    type_name,
    writable_meta,
)
from curate.records import Kind, Record

KNOWN = frozenset({"prompt", "chosen", "rejected", "tools"})
# Keys that belong to other formats: a row holding one is less likely a TRL pair.
OTHER_KEYS = frozenset(
    {
        "conversations",
        "input",
        "instruction",
        "preferred_output",
        "non_preferred_output",
        "completion",
        "label",
    }
)
IMPLICIT = "implicit"


def split_text(chosen: str, rejected: str) -> int | None:
    """Where an implicit text pair's prompt ends: the last shared word boundary, or None.

    >>> split_text("I like cats", "I like cars")
    6
    >>> split_text("cats", "dogs") is None
    True
    """
    first = common_prefix(chosen, rejected)
    for i in range(min(first, len(chosen) - 1, len(rejected) - 1), 0, -1):
        if not (chosen[i].isspace() and rejected[i].isspace()):
            continue
        if chosen[:i].strip() and chosen[i:].strip() and rejected[i:].strip():
            return i
    return None


def looks_like_transcript(value: Any) -> bool:
    """A string in the Human/Assistant transcript layout (which hh-transcript reads)."""
    return (
        isinstance(value, str)
        and "\n\nAssistant:" in value
        and ("\n\nHuman:" in value or value.startswith("Human:"))
    )


def parse_tools(value: Any) -> list[dict[str, Any]] | None:
    """TRL's ``tools`` column: a list of JSON-schema objects, or that list as a JSON string."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise RowError(
                "data_type", "The field 'tools' is a string but not a JSON list."
            ) from None
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise RowError(
            "data_type", f"The field 'tools' must be a list of objects, not {type_name(value)}."
        )
    return value


class TrlPreference(Format):
    """TRL's preference dataset: standard (text), conversational, and implicit prompt."""

    name: ClassVar[str] = "trl-preference"
    aliases: ClassVar[tuple[str, ...]] = ("trl-dpo", "dpo")
    kinds: ClassVar[tuple[Kind, ...]] = ("preference",)
    description: ClassVar[str] = "prompt/chosen/rejected strings or message lists (TRL DPO)"

    def score(self, row: Any) -> float:
        try:
            if not isinstance(row, dict) or not ({"chosen", "rejected"} & row.keys()):
                return 0.0
            if row.keys() & OTHER_KEYS:
                return 0.1
            if "chosen" not in row or "rejected" not in row:
                return 0.6
            if "prompt" in row:
                return 1.0
            if looks_like_transcript(row["chosen"]) and looks_like_transcript(row["rejected"]):
                return 0.5
            return 0.9
        except Exception:
            return 0.0

    def parse(self, row: Any) -> Record:
        row = require_dict(row)
        chosen, rejected = require_sides(row)
        for field, value in (("chosen", chosen), ("rejected", rejected)):
            if not isinstance(value, str | list):
                raise RowError(
                    "data_type",
                    f"The '{field}' answer must be text or a list of messages, not {type_name(value)}.",
                )
        is_text = isinstance(chosen, str)
        if is_text != isinstance(rejected, str):
            raise RowError(
                "data_type",
                "The 'chosen' and 'rejected' answers must both be text or both be message lists.",
            )
        meta = extra_fields(row, KNOWN)
        if "tools" in row and row["tools"] is None:
            meta["tools"] = None
        tools = parse_tools(row.get("tools"))
        prompt = row.get("prompt")
        if "prompt" in row and prompt is None:
            raise RowError("missing_content", "The field 'prompt' is null.")
        if "prompt" in row and not isinstance(prompt, str | list):
            raise RowError(
                "data_type",
                f"The field 'prompt' must be text or a list of messages, not {type_name(prompt)}.",
            )
        if "prompt" in row and isinstance(prompt, str) == is_text:
            if is_text:
                return self._explicit_text(prompt, chosen, rejected, meta)
            return self._explicit_chat(prompt, chosen, rejected, meta, tools)
        if "prompt" in row:
            meta["prompt"] = prompt
        meta[LAYOUT_KEY] = {self.name: IMPLICIT}
        if is_text:
            return self._implicit_text(chosen, rejected, meta)
        return self._implicit_chat(chosen, rejected, meta, tools)

    def _explicit_text(
        self, prompt: str, chosen: str, rejected: str, meta: dict[str, Any]
    ) -> Record:
        prompt = require_text(prompt, "prompt")
        chosen = require_text(chosen, "chosen")
        rejected = require_text(rejected, "rejected")
        require_distinct(chosen, rejected)
        return _text_record(prompt, chosen, rejected, meta)

    def _explicit_chat(
        self,
        prompt: list[Any],
        chosen: list[Any],
        rejected: list[Any],
        meta: dict[str, Any],
        tools: list[dict[str, Any]] | None,
    ) -> Record:
        messages = check_messages(prompt, "prompt")
        if not messages:
            raise RowError(
                "missing_messages_list", "The field 'prompt' is an empty list of messages."
            )
        good = check_answer(check_messages(chosen, "chosen"), "chosen")
        bad = check_answer(check_messages(rejected, "rejected"), "rejected")
        require_distinct(good, bad)
        return build_pair(messages, good, bad, meta=meta, tools=tools)

    def _implicit_text(self, chosen: str, rejected: str, meta: dict[str, Any]) -> Record:
        chosen = require_text(chosen, "chosen")
        rejected = require_text(rejected, "rejected")
        require_distinct(chosen, rejected)
        cut = split_text(chosen, rejected)
        if cut is None:
            raise RowError(
                "invalid_preference",
                "The chosen and rejected texts share no prompt that ends at a word boundary.",
            )
        return _text_record(chosen[:cut], chosen[cut:], rejected[cut:], meta)

    def _implicit_chat(
        self,
        chosen: list[Any],
        rejected: list[Any],
        meta: dict[str, Any],
        tools: list[dict[str, Any]] | None,
    ) -> Record:
        whole_good = check_messages(chosen, "chosen")
        whole_bad = check_messages(rejected, "rejected")
        require_distinct(whole_good, whole_bad)
        cut = min(common_prefix(whole_good, whole_bad), len(whole_good) - 1, len(whole_bad) - 1)
        if cut <= 0:
            raise RowError(
                "invalid_preference", "The chosen and rejected conversations share no prompt turns."
            )
        good = check_answer(whole_good[cut:], "chosen")
        bad = check_answer(whole_bad[cut:], "rejected")
        return build_pair(whole_good[:cut], good, bad, meta=meta, tools=tools)

    def render(self, record: Record) -> dict[str, Any]:
        prompt, chosen, rejected = require_pair(record, self.name)
        implicit = layout_of(record.meta, self.name) == IMPLICIT
        texts = text_pair(record)
        row: dict[str, Any]
        if texts is not None:
            p, c, r = texts
            if implicit and split_text(p + c, p + r) is not None:
                row = {"chosen": p + c, "rejected": p + r}
            else:
                row = {"prompt": p, "chosen": c, "rejected": r}
        else:
            p_list = [message_dict(m) for m in prompt]
            c_list = [message_dict(m) for m in chosen]
            r_list = [message_dict(m) for m in rejected]
            if implicit:
                row = {"chosen": p_list + c_list, "rejected": p_list + r_list}
            else:
                row = {"prompt": p_list, "chosen": c_list, "rejected": r_list}
        if record.tools is not None:
            row["tools"] = record.tools
        for key, value in writable_meta(record.meta).items():
            row.setdefault(key, value)
        return row


def _text_record(prompt: str, chosen: str, rejected: str, meta: dict[str, Any]) -> Record:
    return build_pair(
        [{"role": "user", "content": prompt}],
        [{"role": "assistant", "content": chosen}],
        [{"role": "assistant", "content": rejected}],
        meta=meta,
        text=True,
    )


FORMAT = TrlPreference()
