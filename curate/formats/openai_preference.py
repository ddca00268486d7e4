"""OpenAI DPO JSONL: input.messages (+ tools), preferred_output and non_preferred_output.

Row shape (OpenAI's preference fine-tuning format)::

    {"input": {"messages": [...], "tools": [...]},
     "preferred_output": [{"role": "assistant", "content": "..."}],
     "non_preferred_output": [{"role": "assistant", "content": "..."}]}

Messages are checked as in ``openai-jsonl`` (same reason codes). Outputs hold assistant
turns only. Writing needs exactly one assistant message per side, as OpenAI's preference
fine-tuning does; a pair with a longer answer is ``unsupported_in_target``. Unknown keys inside ``input`` (such as ``parallel_tool_calls``) are kept in
``meta["input"]`` and written back inside ``input``; unknown top-level keys are kept in
``meta``. Normalisation: messages are written as ``curate.formats.common.message_dict`` does.

>>> r = FORMAT.parse({
...     "input": {"messages": [{"role": "user", "content": "Spark or Flink?"}]},
...     "preferred_output": [{"role": "assistant", "content": "It depends on latency."}],
...     "non_preferred_output": [{"role": "assistant", "content": "Spark."}],
... })
>>> r.kind, r.chosen[0].content, r.rejected[0].content
('preference', 'It depends on latency.', 'Spark.')
"""

from __future__ import annotations

from typing import Any, ClassVar

from curate.errors import RowError
from curate.formats._preference import (
    build_pair,
    check_answer,
    check_messages,
    refuse,
    require_distinct,
    require_pair,
    require_sides,
)
from curate.formats.base import Format
from curate.formats.common import (
    extra_fields,
    message_dict,
    require_dict,
    type_name,
    writable_meta,
)
from curate.formats.openai_tools import wrap_tools
from curate.records import Kind, Record

SIDES = ("preferred_output", "non_preferred_output")
KNOWN = frozenset({"input", *SIDES})
INPUT_KNOWN = frozenset({"messages", "tools"})


def check_output(value: Any, field: str) -> list[dict[str, Any]]:
    """An output list: assistant messages only, at least one."""
    messages = check_answer(check_messages(value, field), field)
    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            raise RowError(
                "unrecognized_role",
                f"In '{field}': message {i} has role {m['role']!r}; outputs hold assistant messages only.",
            )
    return messages


class OpenAIPreference(Format):
    """OpenAI's direct preference optimisation JSONL."""

    name: ClassVar[str] = "openai-preference"
    aliases: ClassVar[tuple[str, ...]] = ("openai-dpo",)
    kinds: ClassVar[tuple[Kind, ...]] = ("preference",)
    description: ClassVar[str] = (
        "input.messages, preferred_output, non_preferred_output (OpenAI DPO)"
    )

    def score(self, row: Any) -> float:
        try:
            if not isinstance(row, dict) or not (set(SIDES) & row.keys()):
                return 0.0
            inp = row.get("input")
            if all(s in row for s in SIDES) and isinstance(inp, dict) and "messages" in inp:
                return 1.0
            return 0.8
        except Exception:
            return 0.0

    def parse(self, row: Any) -> Record:
        row = require_dict(row)
        if "input" not in row:
            raise RowError("missing_field", "The row has no 'input' object.")
        inp = row["input"]
        if not isinstance(inp, dict):
            raise RowError(
                "data_type", f"The field 'input' must be an object, not {type_name(inp)}."
            )
        if "messages" not in inp or inp["messages"] == []:
            raise RowError("missing_messages_list", "The 'input' object has no messages.")
        prompt = check_messages(inp["messages"], "input.messages")
        tools = inp.get("tools")
        if tools is not None and (
            not isinstance(tools, list) or not all(isinstance(t, dict) for t in tools)
        ):
            raise RowError("data_type", "The field 'input.tools' must be a list of objects.")
        good_raw, bad_raw = require_sides(row, SIDES)
        good = check_output(good_raw, SIDES[0])
        bad = check_output(bad_raw, SIDES[1])
        require_distinct(good, bad)
        meta = extra_fields(row, KNOWN)
        input_extra = extra_fields(inp, INPUT_KNOWN)
        if "tools" in inp and tools is None:
            input_extra["tools"] = None
        if input_extra:
            meta["input"] = input_extra
        return build_pair(prompt, good, bad, meta=meta, tools=tools)

    def render(self, record: Record) -> dict[str, Any]:
        prompt, chosen, rejected = require_pair(record, self.name)
        for side, answer in (("chosen", chosen), ("rejected", rejected)):
            for m in answer:
                if m.role != "assistant":
                    raise refuse(
                        self.name,
                        f"a {m.role} turn in the {side} answer (outputs hold assistant turns only)",
                    )
            if len(answer) != 1:
                raise refuse(
                    self.name,
                    f"a {side} answer of {len(answer)} assistant turns "
                    "(OpenAI preference fine-tuning takes exactly one assistant message per side)",
                )
        inp: dict[str, Any] = {"messages": [message_dict(m) for m in prompt]}
        if record.tools is not None:
            inp["tools"] = wrap_tools(record.tools)  # OpenAI's {"type": "function", ...} shape
        meta = writable_meta(record.meta)
        extra = meta.pop("input", None)
        if extra is not None:
            if not isinstance(extra, dict):
                raise refuse(self.name, "a source field 'input' that is not its input object")
            for key, value in extra.items():
                inp.setdefault(key, value)
        row: dict[str, Any] = {
            "input": inp,
            SIDES[0]: [message_dict(m) for m in chosen],
            SIDES[1]: [message_dict(m) for m in rejected],
        }
        for key, value in meta.items():
            row.setdefault(key, value)
        return row


FORMAT = OpenAIPreference()
