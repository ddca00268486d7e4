"""OpenAI chat fine-tuning JSONL (``messages`` + ``tools``), re-read with OpenAI's format checks.

Tools are written wrapped (``{"type": "function", "function": {...}}``), every tool call with
an ``id`` (the source's, else one made from the record id, the same on every export) and JSON
``arguments``, every tool message with the ``tool_call_id`` it answers; verification checks
that shape on every row (``curate.formats.openai_tools``). A record whose tool results cannot
be paired with calls is left out as ``unsupported_in_target``, with the sentence saying why.
"""

from __future__ import annotations

from curate.export.base import Target


class OpenAIJsonl(Target):
    """Chat SFT rows for OpenAI fine-tuning; weights and tool calls are kept."""

    name = "openai-jsonl"
    kinds = ("sft",)
    description = "OpenAI chat fine-tuning JSONL (SFT)"
    formats = {"sft": "openai-jsonl"}


TARGET = OpenAIJsonl()
