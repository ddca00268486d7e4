"""LLaMA-Factory v1 DPO rows: ``{"chosen_messages": [...], "rejected_messages": [...]}``.

Both lists are whole conversations in the v1 message shape (see
``curate.formats._llama_factory_v1``); the shared prompt is their common prefix, cut back to
end before an assistant turn, and the rest of each list is that side's answer. ``tools`` is a
JSON string; other top-level fields are kept in ``meta`` and written back.

>>> def m(role, text, w):
...     return {"role": role, "content": [{"type": "text", "value": text}], "loss_weight": w}
>>> rec = FORMAT.parse({
...     "chosen_messages": [m("user", "Drop a Kafka topic?", 0.0), m("assistant", "Use kafka-topics --delete.", 1.0)],
...     "rejected_messages": [m("user", "Drop a Kafka topic?", 0.0), m("assistant", "rm -rf the logs.", 1.0)]})
>>> [x.content for x in rec.messages], rec.chosen[0].content, rec.rejected[0].content
(['Drop a Kafka topic?'], 'Use kafka-topics --delete.', 'rm -rf the logs.')
"""

from __future__ import annotations

from typing import Any

from curate.errors import RowError
from curate.formats._llama_factory_v1 import (
    parse_messages,
    parse_tools,
    render_message,
    render_tools,
)
from curate.formats._preference import (
    build_pair,
    check_answer,
    common_prefix,
    require_distinct,
    require_pair,
    require_sides,
)
from curate.formats.base import Format
from curate.formats.common import extra_fields, require_dict, writable_meta
from curate.records import Record

SIDES = ("chosen_messages", "rejected_messages")
KNOWN = frozenset({*SIDES, "tools"})


def split_pair(
    chosen: list[dict[str, Any]], rejected: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The shared prompt (common prefix ending before an assistant turn) and both answers."""
    n = common_prefix(chosen, rejected)
    while n and chosen[n - 1]["role"] == "assistant":
        n -= 1
    if not n:
        raise RowError(
            "invalid_preference", "The chosen and rejected conversations share no prompt."
        )
    return chosen[:n], chosen[n:], rejected[n:]


class LlamaFactoryV1Preference(Format):
    """LLaMA-Factory v1 DPO samples."""

    name = "llama-factory-v1-preference"
    aliases = ("llamafactory-v1-dpo", "lf-v1-dpo")
    kinds = ("preference",)
    description = "LLaMA-Factory v1 DPO: chosen_messages and rejected_messages (v1 messages)."

    def score(self, row: Any) -> float:
        if not isinstance(row, dict):
            return 0.0
        found = sum(1 for s in SIDES if s in row)
        return 1.0 if found == 2 else 0.6 if found else 0.0

    def parse(self, row: Any) -> Record:
        row = require_dict(row)
        good_raw, bad_raw = require_sides(row, SIDES)
        chosen = parse_messages(good_raw, SIDES[0], SIDES[0])
        rejected = parse_messages(bad_raw, SIDES[1], SIDES[1])
        require_distinct(chosen, rejected)
        prompt, good, bad = split_pair(chosen, rejected)
        check_answer(good, SIDES[0])
        check_answer(bad, SIDES[1])
        tools = parse_tools(row.get("tools"))
        return build_pair(prompt, good, bad, meta=extra_fields(row, KNOWN), tools=tools)

    def render(self, record: Record) -> dict[str, Any]:
        prompt, chosen, rejected = require_pair(record, self.name)
        head = [render_message(m, self.name) for m in prompt]
        out: dict[str, Any] = {
            SIDES[0]: head + [render_message(m, self.name) for m in chosen],
            SIDES[1]: head + [render_message(m, self.name) for m in rejected],
        }
        n = common_prefix(out[SIDES[0]], out[SIDES[1]])
        while n and out[SIDES[0]][n - 1]["role"] == "assistant":
            n -= 1
        if n != len(head):
            raise RowError(
                "unsupported_in_target",
                f"The format {self.name} finds the prompt as the shared start of both "
                "conversations; these answers share their first turns, so it would read back "
                "as another pair.",
            )
        tools = render_tools(record.tools)
        if tools is not None:
            out["tools"] = tools
        out.update(writable_meta(record.meta, KNOWN))
        return out


FORMAT = LlamaFactoryV1Preference()
