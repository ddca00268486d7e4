"""OpenAI chat fine-tuning JSONL (``messages`` + ``tools``), re-read with OpenAI's format checks."""

from __future__ import annotations

from curate.export.base import Target


class OpenAIJsonl(Target):
    """Chat SFT rows for OpenAI fine-tuning; weights and tool calls are kept."""

    name = "openai-jsonl"
    kinds = ("sft",)
    description = "OpenAI chat fine-tuning JSONL (SFT)"
    formats = {"sft": "openai-jsonl"}


TARGET = OpenAIJsonl()
