"""ShareGPT conversations (``conversations`` of ``{from, value}``), a JSON array by default.

Tool-call ids are carried (an ``id`` in the ``function_call`` value, ``tool_call_id`` on the
observation turn), where LLaMA-Factory does not look. No ShareGPT trainer reads a per-turn
weight, so none is written and a record with a ``weight: 0`` turn is left out as
``unsupported_in_target``, as in the llama-factory and trl exports.
"""

from __future__ import annotations

from curate.export.base import Target


class ShareGPT(Target):
    """ShareGPT SFT rows: human/gpt/system/function_call/observation turns, tools as JSON."""

    name = "sharegpt"
    kinds = ("sft",)
    containers = ("json", "jsonl")
    description = "ShareGPT conversations (SFT)"
    formats = {"sft": "sharegpt"}


TARGET = ShareGPT()
