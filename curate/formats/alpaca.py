"""Alpaca rows: ``instruction``, ``input``, ``output``, optional ``system`` and ``history``.

The user turn is the instruction, or ``instruction + "\\n\\n" + input`` when the input is not
empty; ``history`` is a list of earlier ``[user, assistant]`` pairs.

>>> rec = FORMAT.parse({"instruction": "Explain this SQL.", "input": "SELECT 1;", "output": "It returns 1."})
>>> rec.messages[0].content
'Explain this SQL.\\n\\nSELECT 1;'
>>> FORMAT.render(rec)
{'instruction': 'Explain this SQL.', 'input': 'SELECT 1;', 'output': 'It returns 1.'}

The reader notes the input in ``meta["_layout"]["alpaca"]`` so this writer splits the prompt
back exactly; a record without that note (or whose prompt no longer ends with the noted input)
is written with the whole prompt as ``instruction`` and an empty ``input``. So a row that
passes through a format without an input field comes back with instruction and input joined.

Normalisation: a missing or null ``input`` is written as ``""``; an empty ``system`` and an
empty ``history`` are dropped. A multi-turn chat is written with ``history``; alpaca cannot
hold tool calls, tool turns, tool definitions, a system turn after the start, or a turn marked
``weight: 0`` (those rows are rejected as ``unsupported_in_target``); message names and
``weight: 1`` are not written.
"""

from __future__ import annotations

from typing import Any

from curate.errors import RowError
from curate.formats.base import Format
from curate.formats.common import (
    LAYOUT_KEY,
    build_record,
    layout_of,
    require_dict,
    require_text,
    sft_messages,
    type_name,
    writable_meta,
)
from curate.records import Message, Record

NAME = "alpaca"
KNOWN = frozenset({"instruction", "input", "output", "system", "history"})
SEP = "\n\n"


def parse_history(value: Any) -> list[dict[str, Any]]:
    """``history`` as user/assistant message dicts (empty when absent)."""
    if value is None:
        return []
    if type(value) is not list:
        raise RowError("data_type", f"The field 'history' must be a list, not {type_name(value)}.")
    out: list[dict[str, Any]] = []
    for i, pair in enumerate(value):
        if type(pair) is not list or len(pair) != 2:
            raise RowError("data_type", f"History item {i} must be a [user, assistant] pair.")
        out.append({"role": "user", "content": require_text(pair[0], f"history[{i}][0]")})
        out.append({"role": "assistant", "content": require_text(pair[1], f"history[{i}][1]")})
    return out


def _field(row: dict[str, Any], key: str) -> str:
    if key not in row:
        raise RowError("missing_field", f"The row has no '{key}'.")
    return require_text(row[key], key)


class Alpaca(Format):
    """Alpaca instruction rows (as in Stanford Alpaca and LLaMA-Factory)."""

    name = NAME
    kinds = ("sft",)
    description = "Alpaca instruction/input/output rows, with optional system and history."

    def score(self, row: Any) -> float:
        if not isinstance(row, dict):
            return 0.0
        if "instruction" in row and "output" in row:
            # a boolean kto_tag (or label) makes it a LLaMA-Factory KTO row: llama-factory-kto
            if type(row.get("kto_tag")) is bool or type(row.get("label")) is bool:
                return 0.5
            return 1.0
        if "instruction" in row:
            return 0.5
        return 0.0

    def parse(self, row: Any) -> Record:
        row = require_dict(row)
        instruction = _field(row, "instruction")
        inp = row.get("input")
        inp = "" if inp is None else require_text(inp, "input", allow_empty=True)
        output = _field(row, "output")
        system = row.get("system")
        messages: list[dict[str, Any]] = []
        if system is not None and system != "":
            messages.append(
                {"role": "system", "content": require_text(system, "system", allow_empty=True)}
            )
        messages.extend(parse_history(row.get("history")))
        messages.append(
            {"role": "user", "content": instruction + SEP + inp if inp else instruction}
        )
        messages.append({"role": "assistant", "content": output})
        meta = {k: v for k, v in row.items() if k not in KNOWN}
        if inp:
            meta[LAYOUT_KEY] = {NAME: {"input": inp}}
        data: dict[str, Any] = {"messages": messages}
        if meta:
            data["meta"] = meta
        return build_record(data)

    def render(self, record: Record) -> dict[str, Any]:
        if record.tools:
            raise RowError("unsupported_in_target", "Alpaca cannot hold tool definitions.")
        messages = sft_messages(record)
        system = None
        if messages and messages[0].role == "system":
            system = messages[0].content
            messages = messages[1:]
        pairs = _pairs(messages)
        prompt, output = pairs.pop()
        instruction, inp = _split(prompt, layout_of(record.meta, NAME))
        out: dict[str, Any] = {"instruction": instruction, "input": inp, "output": output}
        if system:
            out["system"] = system
        if pairs:
            out["history"] = [list(p) for p in pairs]
        out.update(writable_meta(record.meta, KNOWN))
        return out


def _pairs(messages: list[Message]) -> list[tuple[str, str]]:
    """Alternating user/assistant turns as (user, assistant) text pairs, or unsupported."""
    for m in messages:
        if m.tool_calls or m.role == "tool":
            raise RowError(
                "unsupported_in_target", "Alpaca cannot hold tool calls or tool results."
            )
        if m.role == "system":
            raise RowError(
                "unsupported_in_target", "Alpaca holds a system prompt only at the start."
            )
        if m.weight == 0:
            raise RowError(
                "unsupported_in_target", "Alpaca cannot mark a turn as not trained (weight 0)."
            )
        if not m.content or m.content.isspace():
            raise RowError("unsupported_in_target", f"Alpaca cannot hold an empty {m.role} turn.")
    roles = [m.role for m in messages]
    if not roles or len(roles) % 2 or roles != ["user", "assistant"] * (len(roles) // 2):
        raise RowError(
            "unsupported_in_target",
            "Alpaca holds alternating user and assistant turns that end with the answer.",
        )
    return [
        (messages[i].content or "", messages[i + 1].content or "")
        for i in range(0, len(messages), 2)
    ]


def _split(prompt: str, layout: Any) -> tuple[str, str]:
    """The prompt as (instruction, input), split where the reader noted the input."""
    inp = layout.get("input") if isinstance(layout, dict) else None
    if (
        isinstance(inp, str)
        and inp
        and prompt.endswith(SEP + inp)
        and len(prompt) > len(inp) + len(SEP)
    ):
        return prompt[: -len(inp) - len(SEP)], inp
    return prompt, ""


FORMAT = Alpaca()
