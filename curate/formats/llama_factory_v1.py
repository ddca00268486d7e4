"""LLaMA-Factory v1 SFT rows: ``{"messages": [...], "tools": "<JSON>"}`` with typed content.

Each message is ``{"role", "content": [{"type": "text", "value": ...}], "loss_weight"}``
(see ``curate.formats._llama_factory_v1`` for the message rules and the ``loss_weight`` to
``weight`` mapping). ``tools`` is a JSON string; other top-level fields (LLaMA-Factory's
``extra_info``, ``_dataset_name``) are kept in ``meta`` and written back.

>>> rec = FORMAT.parse({"messages": [
...     {"role": "user", "content": [{"type": "text", "value": "What is a dbt seed?"}],
...      "loss_weight": 0.0},
...     {"role": "assistant", "content": [{"type": "text", "value": "A CSV loaded as a table."}],
...      "loss_weight": 1.0}]})
>>> [(m.role, m.content, m.weight) for m in rec.messages]
[('user', 'What is a dbt seed?', None), ('assistant', 'A CSV loaded as a table.', None)]
>>> FORMAT.render(rec)["messages"][1]
{'role': 'assistant', 'content': [{'type': 'text', 'value': 'A CSV loaded as a table.'}], 'loss_weight': 1.0}

Normalisation: several text parts are joined into one; a missing ``loss_weight`` is written
as the role's default; ``tools`` given as one object is written as a list. The writer cannot
hold tool calls, message names or tool-call ids (``unsupported_in_target``).
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
from curate.formats.base import Format
from curate.formats.common import (
    build_record,
    extra_fields,
    require_assistant,
    require_dict,
    sft_messages,
    writable_meta,
)
from curate.records import Record

KNOWN = frozenset({"messages", "tools"})


def looks_v1(messages: Any) -> bool:
    """A message list whose first message has typed content parts or a ``loss_weight``."""
    if type(messages) is not list or not messages or type(messages[0]) is not dict:
        return False
    first = messages[0]
    content = first.get("content")
    typed = type(content) is list and bool(content) and type(content[0]) is dict
    return "loss_weight" in first or (typed and "value" in content[0])


class LlamaFactoryV1(Format):
    """LLaMA-Factory v1 SFT samples (typed content parts, per-message loss weights)."""

    name = "llama-factory-v1"
    aliases = ("llamafactory-v1", "lf-v1")
    kinds = ("sft",)
    description = (
        "LLaMA-Factory v1 SFT: messages of {role, content: [{type: text, value}], loss_weight}."
    )

    def score(self, row: Any) -> float:
        if not isinstance(row, dict) or "chosen_messages" in row:
            return 0.0
        return 1.0 if looks_v1(row.get("messages")) else 0.0

    def parse(self, row: Any) -> Record:
        row = require_dict(row)
        messages = parse_messages(row.get("messages"), "messages")
        require_assistant(messages)
        data: dict[str, Any] = {"messages": messages}
        tools = parse_tools(row.get("tools"))
        if tools is not None:
            data["tools"] = tools
        meta = extra_fields(row, KNOWN)
        if meta:
            data["meta"] = meta
        return build_record(data)

    def render(self, record: Record) -> dict[str, Any]:
        messages = sft_messages(record)
        if not any(m.role == "assistant" for m in messages):
            raise RowError("unsupported_in_target", "The conversation has no assistant turn.")
        out: dict[str, Any] = {"messages": [render_message(m, self.name) for m in messages]}
        tools = render_tools(record.tools)
        if tools is not None:
            out["tools"] = tools
        out.update(writable_meta(record.meta, KNOWN))
        return out


FORMAT = LlamaFactoryV1()
